package tunnel

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"caliopen/relay/auth"
	"caliopen/shared/testkit"
	client "caliopen/wasm/tunnel"
)

// fixture is a running relay with one user, a recording dial hook and a scripted resolver.
type fixture struct {
	t      testing.TB
	srv    *Server
	http   *httptest.Server
	url    string
	store  *auth.Store
	token  string
	logs   *syncBuffer
	dials  *dialRecorder
	lookup *scriptedResolver
}

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	f := &fixture{t: t, logs: &syncBuffer{}, dials: &dialRecorder{}, lookup: &scriptedResolver{answers: map[string][][]string{}}}
	var err error
	f.store, err = auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.token, err = f.store.Add("alice"); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(f.logs, nil))
	f.srv = New(cfg, f.store, Options{Logger: logger, Resolver: f.lookup, Dial: f.dials.dial})
	f.http = httptest.NewServer(f.srv)
	f.url = "ws" + strings.TrimPrefix(f.http.URL, "http")
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		f.srv.Shutdown(ctx)
		f.http.Close()
		if strings.Contains(f.logs.String(), f.token) {
			t.Error("a token appears in the relay's logs")
		}
	})
	return f
}

func (f *fixture) dialer() *client.Dialer { return f.dialerFor(f.token) }

func (f *fixture) dialerFor(token string) *client.Dialer {
	return &client.Dialer{RelayURL: f.url, Token: token, Timeout: 10 * time.Second}
}

// loopbackConfig allows the loopback address and the given ports, as tests need.
func loopbackConfig(ports ...uint16) Config {
	cfg := DefaultConfig()
	cfg.Ports = ports
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	return cfg
}

// startEcho runs a TCP echo server on loopback and returns its port.
func startEcho(t *testing.T) uint16 { return uint16(testkit.StartEcho(t)) }

// dialRecorder is the relay's dial hook: it records every dial and every byte forwarded.
type dialRecorder struct {
	mu        sync.Mutex
	addrs     []string
	up        bytes.Buffer // client → destination
	down      bytes.Buffer // destination → client
	fail      func(addr string) error
	block     bool   // wait for the context instead of dialling
	blackhole string // addresses with this prefix wait for the context
}

func (d *dialRecorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	fail, block := d.fail, d.block || (d.blackhole != "" && strings.HasPrefix(addr, d.blackhole))
	d.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if fail != nil {
		if err := fail(addr); err != nil {
			return nil, err
		}
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, d: d}, nil
}

func (d *dialRecorder) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.addrs)
}

func (d *dialRecorder) seen() (up, down []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return bytes.Clone(d.up.Bytes()), bytes.Clone(d.down.Bytes())
}

type recordingConn struct {
	net.Conn
	d *dialRecorder
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.d.mu.Lock()
	c.d.down.Write(p[:n])
	c.d.mu.Unlock()
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.d.mu.Lock()
	c.d.up.Write(p)
	c.d.mu.Unlock()
	return c.Conn.Write(p)
}

// scriptedResolver answers each name from a list of answers, one per lookup (the last
// repeats), so tests can play DNS rebinding; it counts lookups.
type scriptedResolver struct {
	mu      sync.Mutex
	answers map[string][][]string
	calls   map[string]int
	total   int
}

func (r *scriptedResolver) set(name string, answers ...[]string) {
	r.mu.Lock()
	r.answers[name] = answers
	r.mu.Unlock()
}

func (r *scriptedResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.total++
	i := r.calls[host]
	r.calls[host]++
	ans, ok := r.answers[host]
	if !ok || len(ans) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	a := ans[min(i, len(ans)-1)]
	out := make([]netip.Addr, len(a))
	for j, s := range a {
		out[j] = netip.MustParseAddr(s)
	}
	return out, nil
}

func (r *scriptedResolver) lookups() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wantKind asserts err is a tunnel error of the given kind.
func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: got %v, want %v", what, err, kind)
	}
}

// eventually polls cond for up to 10 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
