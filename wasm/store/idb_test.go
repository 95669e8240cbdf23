//go:build js && wasm

package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"caliopen/wasm/store"
	"caliopen/wasm/store/storetest"
)

// idbBackend opens IndexedDB databases named after the test, deleted when the test ends.
func idbBackend() storetest.Backend {
	run := rand.Uint64()
	return storetest.Backend{
		Persistent: true,
		Open: func(t testing.TB, name string, s store.Schema) (store.DB, error) {
			full := fmt.Sprintf("test-%x-%s-%s", run, t.Name(), name)
			t.Cleanup(func() { store.DeleteIndexedDB(context.Background(), full) })
			return store.OpenIndexedDB(context.Background(), full, s)
		},
	}
}

func TestContractIndexedDB(t *testing.T) {
	storetest.Run(t, idbBackend())
}
