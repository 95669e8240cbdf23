//go:build !js

package tunnel_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestTunnelInBrowser runs the contract suite compiled to WebAssembly in headless Chromium
// (through wasmbrowsertest), against a relay and servers started here, natively. It fails
// if Chromium is missing; set CALIOPEN_SKIP_BROWSER=1 to skip it deliberately.
func TestTunnelInBrowser(t *testing.T) {
	if os.Getenv("CALIOPEN_SKIP_BROWSER") == "1" {
		t.Skip("CALIOPEN_SKIP_BROWSER=1: the browser run of the contract suite is skipped")
	}
	var browser string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Fatal("no Chromium on PATH: install chromium, or set CALIOPEN_SKIP_BROWSER=1 to skip the browser tests")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go tool not found:", err)
	}

	dir := t.TempDir()
	execPath := filepath.Join(dir, "go_js_wasm_exec")
	build := exec.Command(gobin, "build", "-o", execPath, "github.com/agnivade/wasmbrowsertest")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building wasmbrowsertest: %v\n%s", err, out)
	}

	f := startFixture(t)
	cmd := exec.Command(gobin, "test", "-count=1", "-v", "-exec", execPath, "-run", "^TestContractBrowser$", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", contractEnvVar+"="+f.env.encode())
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	if err != nil {
		t.Fatalf("browser contract suite failed: %v", err)
	}
	if !regexp.MustCompile(`(?m)^--- PASS: TestContractBrowser`).Match(out) || strings.Contains(string(out), "--- SKIP") {
		t.Fatal("TestContractBrowser did not run and pass in the browser")
	}
	f.checkBlind(t)
}
