// Package relaytest starts a real relay tunnel on loopback for the tests of clients that go
// through it (natively or from WebAssembly in Chromium): one user with a token, a policy that
// lets the tunnel reach the test's loopback servers, and wasmbrowsertest's page origin allowed.
package relaytest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"caliopen/relay/auth"
	relaytunnel "caliopen/relay/tunnel"
	"caliopen/shared/testkit"
)

// Options say what the relay may reach.
type Options struct {
	Ports []int             // loopback destination ports allowed
	Hosts map[string]string // names the relay resolves, to addresses (others: not found)
	// Record keeps every forwarded byte in Relay.Recorder, to check that the relay saw only
	// ciphertext. Leave it off for large transfers.
	Record bool
}

// Relay is a running relay tunnel.
type Relay struct {
	URL      string            // the tunnel endpoint, ws://127.0.0.1:port/tunnel
	Token    string            // a valid user token
	Recorder *testkit.Recorder // nil unless Options.Record
}

// Start starts a relay tunnel for the test; it stops when the test ends.
func Start(t testing.TB, opt Options) *Relay {
	t.Helper()
	tokens, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, err := tokens.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	cfg := relaytunnel.DefaultConfig()
	cfg.Ports = nil
	for _, p := range opt.Ports {
		cfg.Ports = append(cfg.Ports, uint16(p))
	}
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	cfg.OriginPatterns = []string{"127.0.0.1:*", "localhost:*"} // wasmbrowsertest's page origin
	r := &Relay{Token: token}
	o := relaytunnel.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Resolver: hosts(opt.Hosts)}
	if opt.Record {
		r.Recorder = &testkit.Recorder{}
		o.Dial = r.Recorder.Dial
	}
	srv := relaytunnel.New(cfg, tokens, o)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	r.URL = "ws" + strings.TrimPrefix(hs.URL, "http") + "/tunnel"
	return r
}

// hosts resolves a fixed table of names.
type hosts map[string]string

func (h hosts) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := h[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
