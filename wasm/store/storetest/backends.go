package storetest

import (
	"path/filepath"
	"sync"
	"testing"

	"caliopen/wasm/store"
)

// Memory is the in-memory backend (not persistent).
func Memory() Backend {
	return Backend{Open: func(_ testing.TB, _ string, s store.Schema) (store.DB, error) {
		return store.OpenMemory(s)
	}}
}

// File is the file backend, with one temporary directory per test.
func File() Backend {
	var mu sync.Mutex
	dirs := map[testing.TB]string{}
	return Backend{
		Persistent: true,
		Open: func(t testing.TB, name string, s store.Schema) (store.DB, error) {
			mu.Lock()
			d, ok := dirs[t]
			if !ok {
				d = t.TempDir()
				dirs[t] = d
			}
			mu.Unlock()
			return store.OpenFile(filepath.Join(d, name+".db"), s, &store.FileOptions{NoSync: true})
		},
	}
}
