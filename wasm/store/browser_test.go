//go:build !js

package store_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BrowserPackages are the packages whose js/wasm tests run in Chromium from TestContractInBrowser.
var BrowserPackages = []string{"./wasm/store/...", "./wasm/vault/..."}

// TestContractInBrowser runs the js/wasm tests of the storage packages (the contract against
// IndexedDB, the crash tests, the vault) in headless Chromium through wasmbrowsertest, so that
// a plain `go test ./...` covers the browser backend. It fails when Chromium is missing unless
// CALIOPEN_SKIP_BROWSER=1.
func TestContractInBrowser(t *testing.T) {
	if os.Getenv("CALIOPEN_SKIP_BROWSER") == "1" {
		t.Skip("CALIOPEN_SKIP_BROWSER=1: IndexedDB contract tests in Chromium skipped")
	}
	found := false
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"} {
		if _, err := exec.LookPath(name); err == nil {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("Chromium not found: install it (Debian: apt-get install chromium) or set CALIOPEN_SKIP_BROWSER=1 to skip the browser tests")
	}
	root := moduleRoot(t)
	dir := t.TempDir()
	exe := filepath.Join(dir, "go_js_wasm_exec")
	build := exec.Command("go", "build", "-o", exe, "github.com/agnivade/wasmbrowsertest")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building wasmbrowsertest: %v\n%s", err, out)
	}
	args := append([]string{"test", "-count=1", "-exec", exe}, BrowserPackages...)
	if testing.Verbose() {
		args = append(args, "-v")
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	t.Log(quiet(out))
	if err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// quiet drops the harmless log noise of the pinned chromedp about newer Chromium events.
func quiet(out []byte) string {
	var b strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if !strings.Contains(sc.Text(), "could not unmarshal event") {
			b.WriteString(sc.Text() + "\n")
		}
	}
	return b.String()
}
