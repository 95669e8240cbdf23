//go:build !js

package x_test

import (
	"testing"

	"caliopen/shared/fakes/xfake"
	"caliopen/shared/testkit"
)

// TestBrowser runs the through-the-relay scenario compiled to WebAssembly in headless
// Chromium (wasmbrowsertest), against a relay and the fake started here. It fails if
// Chromium is missing; CALIOPEN_SKIP_BROWSER=1 skips it deliberately.
func TestBrowser(t *testing.T) {
	f := startFixture(t, xfake.Options{})
	testkit.RunInBrowser(t, "TestXInBrowser", envVar+"="+f.env.encode())
	for conv, text := range map[string]string{"1001-1002": "see you at 8", groupID: "hello group"} {
		if n := countText(f.fake.Events(conv), text); n != 1 {
			t.Errorf("%q reached X %d times", text, n)
		}
	}
	f.checkBlind(t)
}
