package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	proto "caliopen/shared/tunnel"
	client "caliopen/wasm/tunnel"
)

func TestEcho(t *testing.T) {
	port := startEcho(t)
	f := newFixture(t, loopbackConfig(port))
	c, err := f.dialer().DialContext(context.Background(), "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	msg := bytes.Repeat([]byte("caliopen-echo "), 50000) // 700 KB, several messages each way
	go c.Write(msg)
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatal("echo differs")
	}
	if c.RemoteAddr().String() != fmt.Sprintf("127.0.0.1:%d", port) {
		t.Fatalf("RemoteAddr %v", c.RemoteAddr())
	}
	c.Close()
	eventually(t, "tunnel closed log", func() bool { return strings.Contains(f.logs.String(), `"msg":"tunnel closed"`) })
	logs := f.logs.String()
	for _, want := range []string{`"user":"alice"`, `"bytes_up":700000`, `"bytes_down":700000`, `"outcome":"closed"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s: %s", want, logs)
		}
	}
	if strings.Contains(logs, "caliopen-echo") {
		t.Error("payload in logs")
	}
}

func TestUpstreamCloseEndsTunnel(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Write([]byte("* BYE\r\n"))
			c.Close()
		}
	}()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	f := newFixture(t, loopbackConfig(port))
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "* BYE\r\n" {
		t.Fatalf("ReadAll = %q, %v", b, err)
	}
}

func TestAuthRefusedBeforeAnyLookupOrDial(t *testing.T) {
	port := startEcho(t)
	f := newFixture(t, loopbackConfig(port))
	f.lookup.set("mail.example.org", []string{"127.0.0.1"})
	f.store.Add("bob")
	bobs, _ := f.store.Add("carol")
	f.store.Revoke("carol")
	for name, tok := range map[string]string{
		"unknown":   "crt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"no prefix": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"revoked":   bobs,
		"altered":   f.token[:len(f.token)-1] + "x",
	} {
		for _, dest := range []string{"mail.example.org", "127.0.0.1"} {
			_, err := f.dialerFor(tok).Dial("tcp", fmt.Sprintf("%s:%d", dest, port))
			wantKind(t, name+" "+dest, err, client.ErrAuth)
		}
	}
	if f.dials.count() != 0 || f.lookup.lookups() != 0 {
		t.Fatalf("refused tokens caused %d dials and %d lookups", f.dials.count(), f.lookup.lookups())
	}
	// Revoking a live user takes effect on the next open.
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	f.store.Revoke("alice")
	_, err = f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	wantKind(t, "after revoke", err, client.ErrAuth)
}

func TestOpenErrors(t *testing.T) {
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := uint16(closed.Addr().(*net.TCPAddr).Port)
	closed.Close()
	f := newFixture(t, loopbackConfig(closedPort, 993))
	f.lookup.set("refused.test", []string{"127.0.0.1"})

	_, err := f.dialer().Dial("tcp", "nowhere.example:993")
	wantKind(t, "unknown name", err, client.ErrDNS)

	_, err = f.dialer().Dial("tcp", fmt.Sprintf("refused.test:%d", closedPort))
	wantKind(t, "closed port", err, client.ErrUnreachable)

	_, err = f.dialer().Dial("tcp", "127.0.0.1:25")
	wantKind(t, "port 25", err, client.ErrDenied)
	if !strings.Contains(err.Error(), "port not allowed") {
		t.Errorf("denial does not say why: %v", err)
	}
}

func TestDialTimeout(t *testing.T) {
	cfg := loopbackConfig(993)
	cfg.DialTimeout = 200 * time.Millisecond
	f := newFixture(t, cfg)
	f.dials.block = true
	f.lookup.set("slow.example", []string{"93.184.216.34"})
	_, err := f.dialer().Dial("tcp", "slow.example:993")
	wantKind(t, "blocked dial", err, client.ErrTimeout)
}

func TestOpenTimeout(t *testing.T) {
	cfg := loopbackConfig(993)
	cfg.OpenTimeout = 200 * time.Millisecond
	f := newFixture(t, cfg)
	ws, _, err := websocket.Dial(context.Background(), f.url, &websocket.DialOptions{Subprotocols: []string{proto.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = ws.Read(context.Background())
	if websocket.CloseStatus(err) != websocket.StatusCode(proto.CodeTimeout) {
		t.Fatalf("silent client: %v", err)
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, loopbackConfig(993))
	good, _ := proto.AppendOpen(nil, proto.Open{Token: f.token, Host: "127.0.0.1", Port: 993})
	cases := []struct {
		name string
		sub  []string
		typ  websocket.MessageType
		open []byte
	}{
		{"no subprotocol", nil, websocket.MessageBinary, good},
		{"other subprotocol", []string{"binary"}, websocket.MessageBinary, good},
		{"text open", []string{proto.Subprotocol}, websocket.MessageText, good},
		{"garbage", []string{proto.Subprotocol}, websocket.MessageBinary, []byte("GET / HTTP/1.1")},
		{"version 2", []string{proto.Subprotocol}, websocket.MessageBinary, append([]byte{2}, good[1:]...)},
		{"oversized", []string{proto.Subprotocol}, websocket.MessageBinary, make([]byte, 4096)},
	}
	for _, c := range cases {
		ws, _, err := websocket.Dial(context.Background(), f.url, &websocket.DialOptions{Subprotocols: c.sub})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		ws.Write(context.Background(), c.typ, c.open)
		_, _, err = ws.Read(context.Background())
		if st := websocket.CloseStatus(err); st != websocket.StatusCode(proto.CodeBadRequest) && st != websocket.StatusMessageTooBig {
			t.Errorf("%s: close %v (%v), want bad request", c.name, st, err)
		}
		ws.CloseNow()
	}
	if f.dials.count() != 0 {
		t.Fatal("bad requests dialled")
	}
}

func TestTextMessageInTunnel(t *testing.T) {
	port := startEcho(t)
	f := newFixture(t, loopbackConfig(port))
	ws, _, err := websocket.Dial(context.Background(), f.url, &websocket.DialOptions{Subprotocols: []string{proto.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	open, _ := proto.AppendOpen(nil, proto.Open{Token: f.token, Host: "127.0.0.1", Port: port})
	ws.Write(context.Background(), websocket.MessageBinary, open)
	if _, reply, err := ws.Read(context.Background()); err != nil || proto.ParseReply(reply) != nil {
		t.Fatalf("reply %v %v", reply, err)
	}
	ws.Write(context.Background(), websocket.MessageText, []byte("hello"))
	_, _, err = ws.Read(context.Background())
	if websocket.CloseStatus(err) != websocket.StatusCode(proto.CodeBadRequest) {
		t.Fatalf("text message: %v", err)
	}
}

func TestShutdown(t *testing.T) {
	port := startEcho(t)
	f := newFixture(t, loopbackConfig(port))
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() { _, err := c.Read(make([]byte, 10)); readErr <- err }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if time.Since(began) > 3*time.Second {
		t.Errorf("shutdown took %v", time.Since(began))
	}
	wantKind(t, "open tunnel at shutdown", <-readErr, client.ErrShuttingDown)
	_, err = f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	wantKind(t, "open after shutdown", err, client.ErrShuttingDown)
}

func TestMetrics(t *testing.T) {
	port := startEcho(t)
	f := newFixture(t, loopbackConfig(port))
	reg := prometheus.NewRegistry()
	reg.MustRegister(f.srv.Collector())
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("ping"))
	io.ReadFull(c, make([]byte, 4))
	f.dialerFor("crt_nope").Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.Metric {
			key := mf.GetName()
			for _, l := range m.Label {
				key += "/" + l.GetValue()
			}
			switch {
			case m.Gauge != nil:
				got[key] = m.Gauge.GetValue()
			case m.Counter != nil:
				got[key] = m.Counter.GetValue()
			case m.Histogram != nil:
				got[key] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"caliopen_relay_tunnels_open":                                1,
		"caliopen_relay_tunnel_bytes_total/up":                       4,
		"caliopen_relay_tunnel_bytes_total/down":                     4,
		"caliopen_relay_tunnel_refusals_total/authentication failed": 1,
		"caliopen_relay_tunnel_dial_seconds":                         1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	c.Close()
}

// TestDialFallsBackToNextAddress: the first vetted address swallows the connection attempt;
// the relay must still reach the second within the dial timeout.
func TestDialFallsBackToNextAddress(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.AllowCIDRs = append(cfg.AllowCIDRs, netip.MustParsePrefix("2001:db8::/32"))
	cfg.DialTimeout = 2 * time.Second
	f := newFixture(t, cfg)
	f.lookup.set("dual.example", []string{"2001:db8::1", "127.0.0.1"})
	f.dials.blackhole = "[2001:db8::1]" // swallows the attempt until its context ends
	began := time.Now()
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("dual.example:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if d := time.Since(began); d > 1900*time.Millisecond {
		t.Fatalf("fallback took %v", d)
	}
}
