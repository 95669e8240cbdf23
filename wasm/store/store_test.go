//go:build !js

package store_test

import (
	"testing"

	"caliopen/wasm/store/storetest"
)

func TestContractMemory(t *testing.T) { storetest.Run(t, storetest.Memory()) }

func TestContractFile(t *testing.T) { storetest.Run(t, storetest.File()) }
