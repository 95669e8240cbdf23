//go:build js && wasm

package tunnel

// The browser twin of relay_native.go: the tunnel stream over the browser's WebSocket.
//
// coder/websocket also runs in the browser, but its js Conn keeps the peer's close code to
// itself (Read returns net.ErrClosed after any close), so "denied" could not be told from
// "unreachable", nor a normal end from an error. The WebSocket API is small; this file
// uses it directly through syscall/js.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall/js"
	"time"

	proto "caliopen/shared/tunnel"
)

// maxBuffered bounds the bytes queued in the browser's send buffer before Write waits.
const maxBuffered = 4 << 20

func dialRelay(ctx context.Context, relayURL string, open []byte, address string) (net.Conn, error) {
	c, err := newBrowserConn(relayURL, address)
	if err != nil {
		return nil, &Error{Kind: ErrRelay, Address: address, Err: err}
	}
	select {
	case <-c.opened:
	case <-c.closed:
		return nil, c.failed(ctx, true)
	case <-ctx.Done():
		c.Close()
		return nil, &Error{Kind: ErrTimeout, Address: address, Err: ctx.Err()}
	}
	if p := c.ws.Get("protocol").String(); p != proto.Subprotocol {
		c.Close()
		return nil, protocolError(address, "relay did not accept subprotocol %s", proto.Subprotocol)
	}
	if _, err := c.Write(open); err != nil {
		c.Close()
		return nil, c.failed(ctx, false)
	}
	reply, err := c.readMessage(ctx)
	if err != nil {
		c.Close()
		return nil, c.failed(ctx, false)
	}
	if proto.ParseReply(reply) != nil {
		c.Close()
		return nil, protocolError(address, "bad reply from relay")
	}
	return c, nil
}

// browserConn is a net.Conn over a browser WebSocket carrying binary messages.
type browserConn struct {
	ws        js.Value
	addr      addr
	listeners []listener

	opened chan struct{}
	closed chan struct{} // closed by the close event
	signal chan struct{} // a message arrived

	mu          sync.Mutex
	queue       []js.Value // received messages (Uint8Array views), oldest first
	cur         js.Value   // the message being read
	off         int        // bytes of cur already read
	left        int        // bytes of cur not yet read
	text        bool       // a text message arrived: protocol error
	closeCode   int
	closeReason string
	closing     bool

	readDL, writeDL deadline
}

func newBrowserConn(relayURL, address string) (c *browserConn, err error) {
	defer func() {
		if r := recover(); r != nil { // the WebSocket constructor throws on a bad URL
			err = fmt.Errorf("cannot open WebSocket: %v", r)
		}
	}()
	ctor := js.Global().Get("WebSocket")
	if ctor.IsUndefined() {
		return nil, errors.New("no WebSocket in this JavaScript environment")
	}
	c = &browserConn{
		addr:   addr(address),
		opened: make(chan struct{}),
		closed: make(chan struct{}),
		signal: make(chan struct{}, 1),
	}
	c.readDL.init()
	c.writeDL.init()
	c.ws = ctor.New(relayURL, js.ValueOf([]any{proto.Subprotocol}))
	c.ws.Set("binaryType", "arraybuffer")
	c.on("open", func(js.Value) { close(c.opened) })
	c.on("message", c.onMessage)
	c.on("close", c.onClose)
	return c, nil
}

type listener struct {
	event string
	fn    js.Func
}

func (c *browserConn) on(event string, f func(js.Value)) {
	fn := js.FuncOf(func(this js.Value, args []js.Value) any {
		f(args[0])
		return nil
	})
	c.listeners = append(c.listeners, listener{event, fn})
	c.ws.Call("addEventListener", event, fn)
}

// onMessage runs on the browser's event loop: it must not block.
func (c *browserConn) onMessage(e js.Value) {
	data := e.Get("data")
	c.mu.Lock()
	if data.Type() == js.TypeString {
		c.text = true
	} else {
		// Keep the browser's buffer; Read copies straight from it into the caller's slice.
		c.queue = append(c.queue, js.Global().Get("Uint8Array").New(data))
	}
	c.mu.Unlock()
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

func (c *browserConn) onClose(e js.Value) {
	c.mu.Lock()
	c.closeCode = e.Get("code").Int()
	c.closeReason = e.Get("reason").String()
	c.mu.Unlock()
	close(c.closed)
	for _, l := range c.listeners {
		c.ws.Call("removeEventListener", l.event, l.fn)
	}
	// Release after this handler returns: the running one must not be freed under it.
	go func() {
		for _, l := range c.listeners {
			l.fn.Release()
		}
	}()
}

// failed explains why the open did not complete.
func (c *browserConn) failed(ctx context.Context, beforeOpen bool) error {
	select {
	case <-c.closed:
		c.mu.Lock()
		code, reason := c.closeCode, c.closeReason
		c.mu.Unlock()
		if e := fromClose(string(c.addr), code, reason, nil); e != nil {
			return e
		}
		if beforeOpen {
			return &Error{Kind: ErrRelay, Address: string(c.addr), Err: fmt.Errorf("WebSocket closed with code %d", code)}
		}
		return protocolError(string(c.addr), "relay closed the tunnel during the open (code %d)", code)
	default:
	}
	if ctx.Err() != nil {
		return &Error{Kind: ErrTimeout, Address: string(c.addr), Err: ctx.Err()}
	}
	return protocolError(string(c.addr), "tunnel open failed")
}

// readMessage returns the next whole message (the relay's reply).
func (c *browserConn) readMessage(ctx context.Context) ([]byte, error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			u8 := c.queue[0]
			c.queue = c.queue[1:]
			c.mu.Unlock()
			m := make([]byte, u8.Get("length").Int())
			js.CopyBytesToGo(m, u8)
			return m, nil
		}
		text := c.text
		c.mu.Unlock()
		if text {
			return nil, errors.New("text message from relay")
		}
		select {
		case <-c.signal:
		case <-c.closed:
			c.mu.Lock()
			empty := len(c.queue) == 0
			c.mu.Unlock()
			if empty {
				return nil, net.ErrClosed
			}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *browserConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		for c.left == 0 && len(c.queue) > 0 {
			c.cur, c.queue = c.queue[0], c.queue[1:]
			c.off, c.left = 0, c.cur.Get("length").Int()
		}
		if c.left > 0 {
			n := min(len(p), c.left)
			src := c.cur
			if c.off > 0 || n < c.left {
				src = c.cur.Call("subarray", c.off, c.off+n)
			}
			js.CopyBytesToGo(p[:n], src)
			c.off += n
			c.left -= n
			if c.left == 0 {
				c.cur = js.Undefined()
			}
			c.mu.Unlock()
			return n, nil
		}
		text := c.text
		c.mu.Unlock()
		if text {
			c.Close()
			return 0, protocolError(string(c.addr), "text message in tunnel")
		}
		select {
		case <-c.closed:
			c.mu.Lock()
			pending := len(c.queue) > 0
			c.mu.Unlock()
			if !pending {
				return 0, c.endError()
			}
		case <-c.signal:
		case <-c.readDL.wait():
			return 0, os.ErrDeadlineExceeded
		}
	}
}

// endError is what Read returns once the stream is over and drained.
func (c *browserConn) endError() error {
	c.mu.Lock()
	code, reason, closing := c.closeCode, c.closeReason, c.closing
	c.mu.Unlock()
	if e := fromClose(string(c.addr), code, reason, nil); e != nil {
		return e
	}
	if closing {
		return net.ErrClosed
	}
	if code == int(proto.CodeNormal) || code == 1001 {
		return io.EOF
	}
	return &Error{Kind: ErrRelay, Address: string(c.addr), Err: fmt.Errorf("WebSocket closed with code %d", code)}
}

func (c *browserConn) Write(p []byte) (int, error) {
	for {
		select {
		case <-c.closed:
			return 0, c.endError()
		case <-c.writeDL.wait():
			return 0, os.ErrDeadlineExceeded
		default:
		}
		if c.ws.Get("bufferedAmount").Int() <= maxBuffered {
			break
		}
		time.Sleep(2 * time.Millisecond) // the browser gives no event when its buffer drains
	}
	if len(p) == 0 {
		return 0, nil
	}
	u8 := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(u8, p)
	if err := callSend(c.ws, u8); err != nil {
		return 0, err
	}
	return len(p), nil
}

func callSend(ws, data js.Value) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("WebSocket send: %v", r)
		}
	}()
	ws.Call("send", data)
	return nil
}

// Close starts the closing handshake; it does not wait for it.
func (c *browserConn) Close() error {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return nil
	}
	c.closing = true
	c.mu.Unlock()
	defer func() { recover() }()
	c.ws.Call("close", int(proto.CodeNormal))
	return nil
}

func (c *browserConn) LocalAddr() net.Addr  { return addr("browser") }
func (c *browserConn) RemoteAddr() net.Addr { return c.addr }

func (c *browserConn) SetDeadline(t time.Time) error {
	c.readDL.set(t)
	c.writeDL.set(t)
	return nil
}
func (c *browserConn) SetReadDeadline(t time.Time) error  { c.readDL.set(t); return nil }
func (c *browserConn) SetWriteDeadline(t time.Time) error { c.writeDL.set(t); return nil }

// deadline is a settable deadline whose wait channel closes when it passes (the shape of
// net.Pipe's pipeDeadline).
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	cancel chan struct{}
}

func (d *deadline) init() { d.cancel = make(chan struct{}) }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.cancel // the timer fired: wait for it to close cancel
	}
	d.timer = nil
	closed := isClosedChan(d.cancel)
	if t.IsZero() {
		if closed {
			d.cancel = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.cancel = make(chan struct{})
		}
		cancel := d.cancel
		d.timer = time.AfterFunc(dur, func() { close(cancel) })
		return
	}
	if !closed {
		close(d.cancel)
	}
}

func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

func isClosedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
