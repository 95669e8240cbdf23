//go:build js && wasm

package repo_test

import (
	"testing"

	"caliopen/wasm/store/storetest"
)

func TestRepoIndexedDB(t *testing.T) { RunRepo(t, storetest.IndexedDB()) }
