// Package tunnel is the client side of Caliopen's blind relay tunnel: a Dialer whose
// DialContext returns a net.Conn carried over a WebSocket to the relay, which connects it
// to the named host and port. TLS runs on top, in the client (see TLSConfig), so the relay
// only ever forwards ciphertext.
//
// The Dialer plugs into imapclient, go-smtp, crypto/tls and http.Transport.DialContext.
// Everything but the WebSocket itself is shared: relay_native.go carries the stream over
// coder/websocket, relay_js.go over the browser's WebSocket. The wire protocol is
// caliopen/shared/tunnel.
package tunnel

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	proto "caliopen/shared/tunnel"
)

// Dialer opens TCP connections through a Caliopen relay.
type Dialer struct {
	RelayURL string // the relay's tunnel endpoint, wss://host/tunnel (ws:// for tests)
	Token    string // the user's relay access token
	// Anchors are private CAs trusted, for their domains only, by TLS over this dialer
	// (TLSFor, HTTPClient).
	Anchors []Anchor

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
	c, err := dialRelay(ctx, d.RelayURL, open, address)
	clear(open)
	return c, err
}

// addr is a tunnel endpoint address.
type addr string

func (a addr) Network() string { return "caliopen-tunnel" }
func (a addr) String() string  { return string(a) }

// tokenCheckAddress is a destination no relay allows (the unspecified address): opening a
// tunnel to it reaches no server, and the relay refuses it after checking the token.
const tokenCheckAddress = "0.0.0.0:9"

// CheckToken asks the relay whether it accepts the dialer's token, without reaching any
// server. The relay checks the token before the destination, so a refusal of the
// destination (ErrDenied, for one) says the token is good. It returns nil, or the *Error
// that says what is wrong: ErrAuth (the token is refused), ErrRelay (the relay cannot be
// reached), ErrTimeout, ErrShuttingDown or ErrProtocol.
func (d *Dialer) CheckToken(ctx context.Context) error {
	c, err := d.DialContext(ctx, "tcp", tokenCheckAddress)
	if err == nil { // a relay that lets anything through: it took the token
		c.Close()
		return nil
	}
	for _, bad := range []error{ErrAuth, ErrRelay, ErrTimeout, ErrShuttingDown, ErrProtocol} {
		if errors.Is(err, bad) {
			return err
		}
	}
	if ctx.Err() != nil {
		return &Error{Kind: ErrTimeout, Address: tokenCheckAddress, Err: ctx.Err()}
	}
	return nil
}
