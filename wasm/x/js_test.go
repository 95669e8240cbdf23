//go:build js && wasm

package x_test

import (
	"encoding/json"
	"os"
	"testing"
)

// TestXInBrowser runs the relay scenario from WebAssembly in Chromium; TestBrowser (native)
// starts the relay and the fake and passes their addresses in envVar.
func TestXInBrowser(t *testing.T) {
	raw := os.Getenv(envVar)
	if raw == "" {
		t.Skip(envVar + " not set: run through TestBrowser")
	}
	var env testEnv
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		t.Fatal(err)
	}
	runScenario(t, env)
}
