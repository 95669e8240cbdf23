//go:build js && wasm

package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"caliopen/wasm/store"
)

// IndexedDB is the browser backend; each database is named after the test and deleted when
// the test ends.
func IndexedDB() Backend {
	run := rand.Uint64()
	return Backend{
		Persistent: true,
		Open: func(t testing.TB, name string, s store.Schema) (store.DB, error) {
			full := fmt.Sprintf("test-%x-%s-%s", run, t.Name(), name)
			t.Cleanup(func() { store.DeleteIndexedDB(context.Background(), full) })
			return store.OpenIndexedDB(context.Background(), full, s)
		},
	}
}
