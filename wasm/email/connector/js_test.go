//go:build js && wasm

package connector_test

import (
	"testing"

	"caliopen/shared/testkit"
	"caliopen/wasm/store/storetest"
)

// TestConnectorBrowser runs the relay scenario in Chromium, storing into IndexedDB;
// TestConnectorInBrowser (native) starts the servers and the relay and passes them in
// relayEnvVar.
func TestConnectorBrowser(t *testing.T) {
	var env relayEnv
	testkit.BrowserEnv(t, relayEnvVar, &env)
	runRelayScenario(t, env, storetest.IndexedDB())
}
