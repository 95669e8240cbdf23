package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"caliopen/wasm/api"
)

// TestGeneratedFileIsCurrent fails when web/src/gen/api.ts no longer matches wasm/api.
func TestGeneratedFileIsCurrent(t *testing.T) {
	want, err := Generate(api.All)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join("..", "..", "..", "web", "src", "gen", "api.ts"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatal("web/src/gen/api.ts is out of date: run go run ./wasm/api/tsgen")
	}
}

func TestGenerateShapes(t *testing.T) {
	src, err := Generate(api.All)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, want := range []string{
		`"core.info": { params: Empty; result: CoreInfoResult };`,
		"export interface StorageInfo {\n  available: boolean;",
		"usageBytes?: number;",
		`"core.ready": CoreInfoResult;`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("generated API lacks %q", want)
		}
	}
}
