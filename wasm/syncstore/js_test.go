//go:build js && wasm

package syncstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"caliopen/wasm/store"
)

// platformDB names a database for store.Open that lives as long as the test: an IndexedDB
// database here.
func platformDB(t *testing.T) string {
	name := fmt.Sprint("syncstore-test-", time.Now().UnixNano())
	t.Cleanup(func() { store.DeleteIndexedDB(context.Background(), name) })
	return name
}

// modelSeeds is how many runs TestSyncStoreKeepsWhatMemStoreKeeps makes (IndexedDB is slower).
const modelSeeds = 1
