//go:build js && wasm

package connector_test

import (
	"encoding/json"
	"os"
	"testing"

	"caliopen/wasm/store/storetest"
)

// TestConnectorBrowser runs the relay scenario in Chromium, storing into IndexedDB;
// TestConnectorInBrowser (native) starts the servers and the relay and passes them in
// relayEnvVar.
func TestConnectorBrowser(t *testing.T) {
	raw := os.Getenv(relayEnvVar)
	if raw == "" {
		t.Skip(relayEnvVar + " not set: run through TestConnectorInBrowser")
	}
	var env relayEnv
	if err := json.Unmarshal([]byte(raw), &env); err != nil {
		t.Fatal(err)
	}
	runRelayScenario(t, env, storetest.IndexedDB())
}
