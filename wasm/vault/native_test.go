//go:build !js

package vault_test

import (
	"testing"

	"caliopen/wasm/store/storetest"
)

const platform = "_native"

func TestVaultMemory(t *testing.T) { RunVault(t, storetest.Memory()) }

func TestVaultFile(t *testing.T) { RunVault(t, storetest.File()) }
