//go:build !js

package tunnel_test

import (
	"testing"

	"caliopen/shared/testkit"
)

// TestTunnelInBrowser runs the contract suite compiled to WebAssembly in headless Chromium
// (through wasmbrowsertest), against a relay and servers started here, natively. It fails
// if Chromium is missing; set CALIOPEN_SKIP_BROWSER=1 to skip it deliberately.
func TestTunnelInBrowser(t *testing.T) {
	f := startFixture(t)
	testkit.RunInBrowser(t, "TestContractBrowser", contractEnvVar+"="+f.env.encode())
	f.checkBlind(t)
}
