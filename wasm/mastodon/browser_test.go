//go:build !js

package mastodon_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/mastodonfake"
)

// browserEnvVar carries the fake's URL and a token to the test compiled to WebAssembly.
const browserEnvVar = "CALIOPEN_MASTODON_FAKE"

// noise is chromedp's harmless complaint about a newer Chromium's events.
var noise = regexp.MustCompile(`(?m)^.*unknown IPAddressSpace value.*\n`)

// TestMastodonInBrowser runs TestBrowserSyncAndSend compiled to WebAssembly in headless
// Chromium (through wasmbrowsertest), against the fake started here on loopback. The test page
// is served from another origin than the fake, so every call is a real cross-origin fetch with
// its CORS preflight. It fails if Chromium is missing; CALIOPEN_SKIP_BROWSER=1 skips it.
func TestMastodonInBrowser(t *testing.T) {
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

	fake := mastodonfake.Start(t, domain)
	alice := fake.AddLocal("alice", "Alice")
	bob := fake.AddRemote("bob", "remote.example", "Bob")
	first := fake.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: "hello from the fake"})

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, "test", "-count=1", "-v", "-exec", execPath, "-run", "^TestBrowserSyncAndSend$", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm",
		browserEnvVar+"="+fake.BaseURL+" "+fake.Token(alice)+" "+first.ID)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("browser run:\n%s", noise.ReplaceAll(out, nil))
	if err != nil {
		t.Fatalf("browser test failed: %v", err)
	}
	if !regexp.MustCompile(`(?m)^--- PASS: TestBrowserSyncAndSend`).Match(out) || strings.Contains(string(out), "--- SKIP") {
		t.Fatal("TestBrowserSyncAndSend did not run and pass in the browser")
	}
	mine := fake.StatusesBy(alice)
	if len(mine) != 1 || !strings.Contains(mine[0].Content, "from the browser") {
		t.Fatalf("statuses posted from the browser: %+v", mine)
	}
	if fake.Requests("OPTIONS /api/v1/statuses") == 0 {
		t.Fatal("no CORS preflight reached the fake: the calls were not cross-origin")
	}
}
