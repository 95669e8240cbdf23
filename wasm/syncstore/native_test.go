//go:build !js

package syncstore

import (
	"path/filepath"
	"testing"
)

// platformDB names a database for store.Open that lives as long as the test: a file here.
func platformDB(tb testing.TB) string { return filepath.Join(tb.TempDir(), "core.db") }

// platformStores are the stores BenchmarkSyncStorePath measures beside the ones in memory:
// none here (a file synced at each commit measures the disk).
func platformStores(testing.TB) []benchStore { return nil }

// modelSeeds is how many runs TestSyncStoreKeepsWhatMemStoreKeeps makes.
const modelSeeds = 4
