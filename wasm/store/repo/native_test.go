//go:build !js

package repo_test

import (
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"path/filepath"
	"testing"

	"caliopen/wasm/store/storetest"
)

func TestRepoMemory(t *testing.T) { RunRepo(t, storetest.Memory()) }

func TestRepoFile(t *testing.T) { RunRepo(t, storetest.File()) }

const benchPlatform = "_native"

func openBenchDB(t *testing.T) store.DB {
	db, err := store.OpenFile(filepath.Join(t.TempDir(), "bench.db"), repo.Schema(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
