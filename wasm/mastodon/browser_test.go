//go:build !js

package mastodon_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"caliopen/relay/relaytest"
	"caliopen/shared/fakes/mastodonfake"
	"caliopen/shared/testkit"
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
	fake := mastodonfake.Start(t, domain)
	alice := fake.AddLocal("alice", "Alice")
	bob := fake.AddRemote("bob", "remote.example", "Bob")
	// The instance's file storage: another host, which sends no CORS header (the browser's
	// fetch is refused, the relay tunnel brings the file).
	var mu sync.Mutex
	var mediaOrigins []string
	media := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		mediaOrigins = append(mediaOrigins, r.Header.Get("Origin"))
		mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("png bytes of " + r.URL.Path))
	}))
	t.Cleanup(media.Close)
	mediaPort := media.Listener.Addr().(*net.TCPAddr).Port
	relay := relaytest.Start(t, relaytest.Options{Ports: []int{mediaPort}})
	first := fake.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: "hello from the fake",
		Media: []mastodonfake.MediaAttachment{{ID: "61", Type: "image", URL: media.URL + "/system/cat.png"}}})

	testkit.RunInBrowser(t, "TestBrowserSyncAndSend",
		browserEnvVar+"="+fake.BaseURL+" "+fake.Token(alice)+" "+first.ID+" "+fake.Token(bob)+" "+relay.URL+" "+relay.Token)
	mu.Lock()
	defer mu.Unlock()
	if len(mediaOrigins) != 2 || mediaOrigins[0] == "" || mediaOrigins[1] != "" {
		t.Fatalf("media requests with Origin %q: want the browser's refused fetch, then one through the tunnel", mediaOrigins)
	}
	var mine []string
	for _, st := range fake.StatusesBy(alice) {
		mine = append(mine, st.Content)
	}
	if len(mine) != 1 || !strings.Contains(mine[0], "from the browser") {
		t.Fatalf("statuses posted from the browser: %q", mine)
	}
	if fake.Requests("OPTIONS /api/v1/statuses") == 0 {
		t.Fatal("no CORS preflight reached the fake: the calls were not cross-origin")
	}
	// The conversations were listed by the first sync and the catch-up when the streams
	// opened, never after: the status Bob posted and edited while live came over SSE.
	if n := fake.Requests("GET /api/v1/conversations"); n != 2 {
		t.Fatalf("the conversation list was read %d times, want 2: the live status came by REST", n)
	}
	if fake.Requests("GET /api/v1/streaming/direct") != 1 || fake.Requests("GET /api/v1/streaming/user") != 1 {
		t.Fatal("the browser did not open the direct and user streams once each")
	}
}
