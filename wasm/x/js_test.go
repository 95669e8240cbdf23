//go:build js && wasm

package x_test

import (
	"testing"

	"caliopen/shared/testkit"
)

// TestXInBrowser runs the relay scenario from WebAssembly in Chromium; TestBrowser (native)
// starts the relay and the fake and passes their addresses in envVar.
func TestXInBrowser(t *testing.T) {
	var env testEnv
	testkit.BrowserEnv(t, envVar, &env)
	runScenario(t, env)
}
