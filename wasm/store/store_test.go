//go:build !js

package store_test

import (
	"path/filepath"
	"testing"

	"caliopen/wasm/store"
	"caliopen/wasm/store/storetest"
)

// fileBackend opens file databases in one directory per test.
func fileBackend() storetest.Backend {
	return storetest.Backend{
		Persistent: true,
		Open: func(t testing.TB, name string, s store.Schema) (store.DB, error) {
			return store.OpenFile(filepath.Join(testDir(t), name+".db"), s, &store.FileOptions{NoSync: true})
		},
	}
}

var dirs = map[testing.TB]string{}

// testDir returns one temporary directory per top-level contract subtest.
func testDir(t testing.TB) string {
	if d, ok := dirs[t]; ok {
		return d
	}
	d := t.TempDir()
	dirs[t] = d
	return d
}

func TestContractMemory(t *testing.T) {
	storetest.Run(t, storetest.Backend{Open: func(_ testing.TB, _ string, s store.Schema) (store.DB, error) {
		return store.OpenMemory(s)
	}})
}

func TestContractFile(t *testing.T) {
	storetest.Run(t, fileBackend())
}
