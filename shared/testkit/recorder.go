package testkit

import (
	"bytes"
	"context"
	"net"
	"sync"
)

// Recorder is a relay dial hook for tests: every byte the relay forwards to or from a
// destination is kept, so a test can check what the relay could have read (nothing but
// ciphertext).
type Recorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Dial connects like net.Dialer and records the connection's traffic both ways.
func (r *Recorder) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, r: r}, nil
}

// Bytes returns a copy of everything recorded so far.
func (r *Recorder) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.buf.Bytes())
}

type recordingConn struct {
	net.Conn
	r *Recorder
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.r.mu.Lock()
	c.r.buf.Write(p[:n])
	c.r.mu.Unlock()
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.r.mu.Lock()
	c.r.buf.Write(p)
	c.r.mu.Unlock()
	return c.Conn.Write(p)
}
