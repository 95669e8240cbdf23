//go:build js && wasm

package repo_test

import (
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"fmt"
	"testing"
	"time"

	"caliopen/wasm/store/storetest"
)

func TestRepoIndexedDB(t *testing.T) { RunRepo(t, storetest.IndexedDB()) }

const benchPlatform = ""

func openBenchDB(t *testing.T) store.DB {
	name := fmt.Sprint("bench-", time.Now().UnixNano())
	db, err := store.OpenIndexedDB(ctx, name, repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		store.DeleteIndexedDB(ctx, name)
	})
	return db
}
