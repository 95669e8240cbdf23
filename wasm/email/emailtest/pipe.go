package emailtest

import (
	"io"
	"net"
	"sync"
	"time"
)

// bufPipe returns two connected in-memory connections with unbounded buffers: unlike
// net.Pipe, a write never waits for the reader (as with TCP), so both sides may write at once
// (TLS close_notify on both ends).
func bufPipe() (net.Conn, net.Conn) {
	a, b := newBuffer(), newBuffer()
	return &pipeEnd{r: a, w: b}, &pipeEnd{r: b, w: a}
}

type buffer struct {
	mu     sync.Mutex
	cond   *sync.Cond
	data   []byte
	closed bool
}

func newBuffer() *buffer {
	b := &buffer{}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *buffer) close() {
	b.mu.Lock()
	b.closed = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

type pipeEnd struct {
	r, w *buffer
}

func (p *pipeEnd) Read(out []byte) (int, error) {
	b := p.r
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.data) == 0 && !b.closed {
		b.cond.Wait()
	}
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	n := copy(out, b.data)
	b.data = b.data[n:]
	return n, nil
}

func (p *pipeEnd) Write(in []byte) (int, error) {
	b := p.w
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, io.ErrClosedPipe
	}
	b.data = append(b.data, in...)
	b.cond.Broadcast()
	return len(in), nil
}

func (p *pipeEnd) Close() error {
	p.r.close()
	p.w.close()
	return nil
}

func (p *pipeEnd) LocalAddr() net.Addr                { return pipeAddr{} }
func (p *pipeEnd) RemoteAddr() net.Addr               { return pipeAddr{} }
func (p *pipeEnd) SetDeadline(t time.Time) error      { return nil }
func (p *pipeEnd) SetReadDeadline(t time.Time) error  { return nil }
func (p *pipeEnd) SetWriteDeadline(t time.Time) error { return nil }
