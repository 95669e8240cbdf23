//go:build !js

package repo_test

import (
	"testing"

	"caliopen/wasm/store/storetest"
)

func TestRepoMemory(t *testing.T) { RunRepo(t, storetest.Memory()) }

func TestRepoFile(t *testing.T) { RunRepo(t, storetest.File()) }
