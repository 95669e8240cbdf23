//go:build js && wasm

package syncstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// platformDB names a database for store.Open that lives as long as the test: an IndexedDB
// database here.
func platformDB(tb testing.TB) string {
	name := fmt.Sprint("syncstore-test-", time.Now().UnixNano())
	tb.Cleanup(func() { store.DeleteIndexedDB(context.Background(), name) })
	return name
}

// platformStores are the stores BenchmarkSyncStorePath measures beside the ones in memory:
// the app's store in IndexedDB.
func platformStores(tb testing.TB) []benchStore {
	return []benchStore{{"app-indexeddb", func() syncspace.Store {
		ctx := context.Background()
		db, err := store.Open(ctx, platformDB(tb), repo.Schema())
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		key, _ := syncspace.NewKey()
		st, _, err := Open(ctx, repo.New(db), key, func() string { return "dev1" })
		if err != nil {
			tb.Fatal(err)
		}
		return st
	}}}
}

// modelSeeds is how many runs TestSyncStoreKeepsWhatMemStoreKeeps makes (IndexedDB is slower).
const modelSeeds = 1
