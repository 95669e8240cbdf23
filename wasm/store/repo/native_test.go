//go:build !js

package repo_test

import (
	"path/filepath"
	"testing"
	"time"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
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

// baseline has no native counterpart.
func baseline(*testing.T, []repo.MessageWrite, int) (time.Duration, bool) { return 0, false }
