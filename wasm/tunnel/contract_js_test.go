//go:build js && wasm

package tunnel_test

import (
	"os"
	"testing"
)

// TestContractBrowser runs the contract suite inside headless Chromium. TestTunnelInBrowser
// (native) starts the relay and servers and passes their addresses in CALIOPEN_TUNNEL_CONTRACT.
func TestContractBrowser(t *testing.T) {
	s := os.Getenv(contractEnvVar)
	if s == "" {
		t.Skip("no " + contractEnvVar + ": this test is run by TestTunnelInBrowser")
	}
	env, err := decodeEnv(s)
	if err != nil {
		t.Fatal(err)
	}
	runContract(t, env)
}
