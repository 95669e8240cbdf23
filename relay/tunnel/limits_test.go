package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	proto "caliopen/shared/tunnel"
	client "caliopen/wasm/tunnel"
)

func TestLimitPerUser(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.MaxTunnelsPerUser = 2
	f := newFixture(t, cfg)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var open []net.Conn
	for range 2 {
		c, err := f.dialer().Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	_, err := f.dialer().Dial("tcp", addr)
	wantKind(t, "third tunnel", err, client.ErrLimit)
	if !strings.Contains(err.Error(), "per-user") {
		t.Errorf("reason missing: %v", err)
	}
	bobTok, _ := f.store.Add("bob")
	if c, err := f.dialerFor(bobTok).Dial("tcp", addr); err != nil {
		t.Fatalf("another user is limited too: %v", err)
	} else {
		c.Close()
	}
	open[0].Close()
	eventually(t, "slot released", func() bool {
		c, err := f.dialer().Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	open[1].Close()
}

func TestLimitTotal(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.MaxTunnels = 2
	f := newFixture(t, cfg)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	bobTok, _ := f.store.Add("bob")
	a, err := f.dialer().Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := f.dialerFor(bobTok).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = f.dialer().Dial("tcp", addr)
	wantKind(t, "third tunnel in total", err, client.ErrLimit)
}

func TestLimitOpensPerMinute(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.OpensPerMinute = 3
	f := newFixture(t, cfg)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for range 3 {
		c, err := f.dialer().Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	_, err := f.dialer().Dial("tcp", addr)
	wantKind(t, "fourth open in a minute", err, client.ErrLimit)
}

func TestIdleTimeout(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.IdleTimeout = 600 * time.Millisecond
	f := newFixture(t, cfg)
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	// Traffic every 50 ms for two idle periods keeps the tunnel open.
	buf := make([]byte, 4)
	for range 24 {
		c.Write([]byte("ping"))
		if _, err := io.ReadFull(c, buf); err != nil {
			t.Fatalf("active tunnel closed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	began := time.Now()
	_, err = c.Read(buf)
	wantKind(t, "idle tunnel", err, client.ErrTimeout)
	if d := time.Since(began); d < 500*time.Millisecond {
		t.Fatalf("closed after %v of idleness", d)
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Errorf("not a net.Error timeout: %v", err)
	}
}

func TestMaxLifetime(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.MaxLifetime = 300 * time.Millisecond
	f := newFixture(t, cfg)
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	buf := make([]byte, 4)
	for {
		c.Write([]byte("ping"))
		if _, err = io.ReadFull(c, buf); err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
		if time.Since(began) > 10*time.Second {
			t.Fatal("lifetime not enforced")
		}
	}
	wantKind(t, "old tunnel", err, client.ErrTimeout)
	if !strings.Contains(err.Error(), "lifetime") {
		t.Errorf("reason missing: %v", err)
	}
}

func TestBytesPerSecond(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.BytesPerSecond = 100_000
	f := newFixture(t, cfg)
	c, err := f.dialer().Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// 100 KB up and 100 KB back: 200 KB against a 100 KB burst and 100 KB/s takes ≥ 1 s.
	msg := bytes.Repeat([]byte{'x'}, 100_000)
	began := time.Now()
	go c.Write(msg)
	if _, err := io.ReadFull(c, make([]byte, len(msg))); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(began); d < 800*time.Millisecond {
		t.Fatalf("200 KB moved in %v at 100 KB/s", d)
	}
}

func TestKeepAlive(t *testing.T) {
	port := startEcho(t)
	cfg := loopbackConfig(port)
	cfg.PingInterval = 500 * time.Millisecond
	f := newFixture(t, cfg)
	addr := fmt.Sprintf("127.0.0.1:%d", port)

	// A client that keeps reading answers pings: its idle tunnel survives.
	c, err := f.dialer().Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, 4)
		io.ReadFull(c, b)
		got <- b
	}()

	// A client that does not read does not answer: the relay drops it.
	d, err := f.dialer().Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	eventually(t, "silent client dropped", func() bool { return f.srv.OpenTunnels() <= 1 })

	c.Write([]byte("ping"))
	if b := <-got; string(b) != "ping" {
		t.Fatalf("kept-alive tunnel returned %q", b)
	}
}

func TestLimitPending(t *testing.T) {
	cfg := loopbackConfig(993)
	cfg.MaxPending = 2
	f := newFixture(t, cfg)
	ctx := context.Background()
	for range 2 { // unauthenticated, silent WebSockets hold the pending slots
		ws, _, err := websocket.Dial(ctx, f.url, &websocket.DialOptions{Subprotocols: []string{proto.Subprotocol}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
	}
	eventually(t, "pending counted", func() bool { return f.srv.pending.Load() == 2 })
	_, err := f.dialer().Dial("tcp", "127.0.0.1:993")
	wantKind(t, "third pending", err, client.ErrLimit)
}
