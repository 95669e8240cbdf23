// Package tunnel is the client side of Caliopen's blind relay tunnel: a Dialer whose
// DialContext returns a net.Conn carried over a WebSocket to the relay, which connects it
// to the named host and port. TLS runs on top, in the client (see TLSConfig), so the relay
// only ever forwards ciphertext.
//
// The same code runs natively and in the browser (GOOS=js GOARCH=wasm): coder/websocket
// uses the browser's WebSocket there. The Dialer plugs into imapclient, go-smtp,
// crypto/tls and http.Transport.DialContext. The wire protocol is caliopen/shared/tunnel.
package tunnel

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/coder/websocket"

	proto "caliopen/shared/tunnel"
)

// Dialer opens TCP connections through a Caliopen relay.
type Dialer struct {
	RelayURL string // the relay's tunnel endpoint, wss://host/tunnel (ws:// for tests)
	Token    string // the user's relay access token

	// Timeout bounds the whole open (WebSocket, relay's resolution and connect) when the
	// context has no earlier deadline. Zero means 30 seconds.
	Timeout time.Duration
}

// Dial is DialContext with a background context.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects to address ("host:port") through the relay. Failures are *Error
// values matching one of the Err* kinds.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &Error{Kind: ErrBadRequest, Address: address, Err: errors.New("network " + network + " not supported")}
	}
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &Error{Kind: ErrBadRequest, Address: address, Err: err}
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, &Error{Kind: ErrBadRequest, Address: address, Err: err}
	}
	open, err := proto.AppendOpen(nil, proto.Open{Token: d.Token, Host: host, Port: uint16(port)})
	if err != nil {
		return nil, &Error{Kind: ErrBadRequest, Address: address, Err: err}
	}

	timeout := d.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	ws, _, err := websocket.Dial(ctx, d.RelayURL, &websocket.DialOptions{Subprotocols: []string{proto.Subprotocol}})
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
		return nil, d.openFailed(ctx, address, err)
	}
	clear(open)
	typ, reply, err := ws.Read(ctx)
	if err != nil {
		ws.CloseNow()
		return nil, d.openFailed(ctx, address, err)
	}
	if typ != websocket.MessageBinary || proto.ParseReply(reply) != nil {
		ws.CloseNow()
		return nil, protocolError(address, "bad reply from relay")
	}
	// The connection outlives the dial context: http.Transport cancels it after dialing.
	nc := websocket.NetConn(context.Background(), ws, websocket.MessageBinary)
	return &conn{Conn: nc, addr: addr(address)}, nil
}

func (d *Dialer) openFailed(ctx context.Context, address string, err error) error {
	if e := fromClose(address, err); e != nil {
		return e
	}
	if ctx.Err() != nil {
		return &Error{Kind: ErrTimeout, Address: address, Err: err}
	}
	return &Error{Kind: ErrRelay, Address: address, Err: err}
}

// conn is the tunnelled connection: relay close codes become *Error values.
type conn struct {
	net.Conn
	addr addr
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		if e := fromClose(string(c.addr), err); e != nil {
			return n, e
		}
	}
	return n, err
}

func (c *conn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		if e := fromClose(string(c.addr), err); e != nil {
			return n, e
		}
	}
	return n, err
}

// RemoteAddr returns the destination as the client named it.
func (c *conn) RemoteAddr() net.Addr { return c.addr }

// addr is a tunnel endpoint address.
type addr string

func (a addr) Network() string { return "caliopen-tunnel" }
func (a addr) String() string  { return string(a) }
