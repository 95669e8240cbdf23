//go:build !js

package x_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"caliopen/shared/fakes/xfake"
)

// TestBrowser runs the through-the-relay scenario compiled to WebAssembly in headless
// Chromium (wasmbrowsertest), against a relay and the fake started here. It fails if
// Chromium is missing; CALIOPEN_SKIP_BROWSER=1 skips it deliberately.
func TestBrowser(t *testing.T) {
	if os.Getenv("CALIOPEN_SKIP_BROWSER") == "1" {
		t.Skip("CALIOPEN_SKIP_BROWSER=1: the browser run is skipped")
	}
	found := false
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if _, err := exec.LookPath(name); err == nil {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("no Chromium on PATH: install chromium, or set CALIOPEN_SKIP_BROWSER=1 to skip the browser tests")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go tool not found:", err)
	}
	execPath := filepath.Join(t.TempDir(), "go_js_wasm_exec")
	if out, err := exec.Command(gobin, "build", "-o", execPath, "github.com/agnivade/wasmbrowsertest").CombinedOutput(); err != nil {
		t.Fatalf("building wasmbrowsertest: %v\n%s", err, out)
	}
	f := startFixture(t, xfake.Options{})
	cmd := exec.Command(gobin, "test", "-count=1", "-v", "-exec", execPath, "-run", "^TestXInBrowser$", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", envVar+"="+f.env.encode())
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	if err != nil {
		t.Fatalf("browser run failed: %v", err)
	}
	if !regexp.MustCompile(`(?m)^--- PASS: TestXInBrowser`).Match(out) || strings.Contains(string(out), "--- SKIP") {
		t.Fatal("TestXInBrowser did not run and pass in the browser")
	}
	for conv, text := range map[string]string{"1001-1002": "see you at 8", groupID: "hello group"} {
		if n := countText(f.fake.Events(conv), text); n != 1 {
			t.Errorf("%q reached X %d times", text, n)
		}
	}
	f.checkBlind(t)
}
