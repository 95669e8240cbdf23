//go:build js && wasm

package vault_test

import (
	"testing"

	"caliopen/wasm/store/storetest"
)

const platform = ""

func TestVaultIndexedDB(t *testing.T) { RunVault(t, storetest.IndexedDB()) }
