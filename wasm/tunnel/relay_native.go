//go:build !(js && wasm)

package tunnel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	proto "caliopen/shared/tunnel"
)

// dialRelay opens the WebSocket with coder/websocket, sends the open request, waits for
// the reply and returns the stream. This is the native twin of relay_js.go.
func dialRelay(ctx context.Context, relayURL string, open []byte, address string) (net.Conn, error) {
	ws, _, err := websocket.Dial(ctx, relayURL, &websocket.DialOptions{Subprotocols: []string{proto.Subprotocol}})
	if err != nil {
		if ctx.Err() != nil {
			return nil, &Error{Kind: ErrTimeout, Address: address, Err: err}
		}
		return nil, &Error{Kind: ErrRelay, Address: address, Err: err}
	}
	if ws.Subprotocol() != proto.Subprotocol {
		ws.CloseNow()
		return nil, protocolError(address, "relay did not accept subprotocol %s", proto.Subprotocol)
	}
	if err := ws.Write(ctx, websocket.MessageBinary, open); err != nil {
		ws.CloseNow()
		return nil, openFailed(ctx, address, err)
	}
	typ, reply, err := ws.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, openFailed(ctx, address, err)
	}
	if typ != websocket.MessageBinary || proto.ParseReply(reply) != nil {
		ws.CloseNow()
		return nil, protocolError(address, "bad reply from relay")
	}
	// The stream outlives the dial context: http.Transport cancels it after dialing.
	nc := websocket.NetConn(context.Background(), ws, websocket.MessageBinary)
	return &nativeConn{Conn: nc, addr: addr(address)}, nil
}

func openFailed(ctx context.Context, address string, err error) error {
	if e := fromCloseError(address, err); e != nil {
		return e
	}
	if ctx.Err() != nil {
		return &Error{Kind: ErrTimeout, Address: address, Err: err}
	}
	return &Error{Kind: ErrRelay, Address: address, Err: err}
}

// fromCloseError returns the *Error for a WebSocket error carrying a tunnel close code.
func fromCloseError(address string, err error) *Error {
	var ce websocket.CloseError
	if !errors.As(err, &ce) {
		return nil
	}
	return fromClose(address, int(ce.Code), ce.Reason, err)
}

// nativeConn is the tunnelled stream: relay close codes become *Error values and a passed
// deadline becomes os.ErrDeadlineExceeded, as net.Conn users expect. (coder/websocket's
// NetConn closes the connection when a deadline interrupts a read or write.)
type nativeConn struct {
	net.Conn
	addr   addr
	readDL atomic.Int64 // unix nanoseconds, 0 for none
	wrDL   atomic.Int64
}

func (c *nativeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	return n, c.mapErr(err, &c.readDL)
}

func (c *nativeConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	return n, c.mapErr(err, &c.wrDL)
}

func (c *nativeConn) mapErr(err error, dl *atomic.Int64) error {
	if err == nil {
		return nil
	}
	if e := fromCloseError(string(c.addr), err); e != nil {
		return e
	}
	if d := dl.Load(); d != 0 && time.Now().UnixNano() >= d {
		return fmt.Errorf("%w (%v)", os.ErrDeadlineExceeded, err)
	}
	return err
}

func (c *nativeConn) SetDeadline(t time.Time) error {
	c.readDL.Store(unixNano(t))
	c.wrDL.Store(unixNano(t))
	return c.Conn.SetDeadline(t)
}

func (c *nativeConn) SetReadDeadline(t time.Time) error {
	c.readDL.Store(unixNano(t))
	return c.Conn.SetReadDeadline(t)
}

func (c *nativeConn) SetWriteDeadline(t time.Time) error {
	c.wrDL.Store(unixNano(t))
	return c.Conn.SetWriteDeadline(t)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// RemoteAddr returns the destination as the client named it.
func (c *nativeConn) RemoteAddr() net.Addr { return c.addr }
