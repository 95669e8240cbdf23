//go:build !js

package syncstore

import (
	"path/filepath"
	"testing"
)

// platformDB names a database for store.Open that lives as long as the test: a file here.
func platformDB(t *testing.T) string { return filepath.Join(t.TempDir(), "core.db") }

// modelSeeds is how many runs TestSyncStoreKeepsWhatMemStoreKeeps makes.
const modelSeeds = 4
