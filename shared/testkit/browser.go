package testkit

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// RunInBrowser runs one js/wasm test of the package in the current directory in headless
// Chromium (through wasmbrowsertest, built from the module's tool dependency), with env added
// to its environment: a native test starts the servers, the browser test talks to them. It
// returns the browser run's output (go test -v: the test's logs and prints), from which a
// benchmark reads what the browser measured. It fails the test if Chromium is missing, if the
// browser test fails, or if it did not run and pass; CALIOPEN_SKIP_BROWSER=1 skips it
// deliberately. The run may last until shortly before the test's deadline (4 minutes when
// the test has none). CALIOPEN_BROWSER_CPUPROFILE=<file> writes a CPU profile of the browser
// run (go tool pprof reads it).
func RunInBrowser(t testing.TB, test string, env ...string) string {
	t.Helper()
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
	limit := 4 * time.Minute
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := d.Deadline(); ok {
			limit = time.Until(end) - 20*time.Second
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	args := []string{"test", "-count=1", "-v", "-timeout", limit.String(), "-exec", execPath, "-run", "^" + test + "$"}
	if prof := os.Getenv("CALIOPEN_BROWSER_CPUPROFILE"); prof != "" {
		args = append(args, "-cpuprofile", prof) // Chromium's profile of the page, in pprof's format
	}
	cmd := exec.CommandContext(ctx, gobin, append(args, ".")...)
	cmd.Env = append(append(os.Environ(), "GOOS=js", "GOARCH=wasm"), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", out)
	if err != nil {
		t.Fatalf("browser run of %s failed: %v", test, err)
	}
	if !regexp.MustCompile(`(?m)^--- PASS: `+regexp.QuoteMeta(test)).Match(out) || strings.Contains(string(out), "--- SKIP") {
		t.Fatalf("%s did not run and pass in the browser", test)
	}
	return string(out)
}

// BrowserEnv decodes into v the JSON a native test passed to its browser test in the
// environment variable name (see RunInBrowser), or skips the test when the variable is not
// set: such a test runs only when its native test starts it.
func BrowserEnv(t testing.TB, name string, v any) {
	t.Helper()
	raw := os.Getenv(name)
	if raw == "" {
		t.Skip(name + " not set: this test runs in the browser, started by its native test")
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
