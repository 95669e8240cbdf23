// Package tunnel is the wire protocol of Caliopen's blind relay tunnel: one TCP connection
// carried over one WebSocket. Both the relay (relay/tunnel) and the client core (wasm/tunnel)
// import it, so the two sides cannot disagree.
//
// The protocol, in order:
//
//  1. The client opens a WebSocket to the relay's tunnel endpoint (for example
//     wss://relay.example/tunnel) offering the subprotocol [Subprotocol]. Browsers cannot set
//     headers on a WebSocket, and URLs end up in access logs, so the credential is never in the
//     URL nor in the subprotocol: it travels in the first frame.
//
//  2. The client sends one binary message, the open request (at most [MaxOpenSize] bytes):
//
//     version  u8      = 1 ([Version])
//     tokenLen u8      1..255
//     token    [tokenLen]byte   printable ASCII (0x21..0x7e)
//     hostLen  u8      1..253
//     host     [hostLen]byte    a DNS name (letters, digits, '-', '.', '_') or an IP literal
//     port     u16     big endian, 1..65535
//
//     Nothing may follow the port. [ParseOpen] is strict: any deviation is a bad request.
//
//  3. The relay checks the token, then the destination (policy, limits), resolves the name once,
//     checks every address and dials a vetted address. On success it sends one binary message,
//     the reply: version u8 = 1, status u8 = 0 ([StatusOK]). On failure it sends no reply: it
//     closes the WebSocket with one of the close codes below and a short reason.
//
//  4. After the reply, every binary message in either direction carries the next bytes of the
//     TCP stream; message boundaries mean nothing. A text message is a protocol error.
//
//  5. When the TCP connection ends, the relay closes the WebSocket with 1000 (normal closure);
//     when the client closes the WebSocket, the relay closes the TCP connection. Errors after
//     the open use the same close codes as refusals (timeout, limit, shutting down).
//
// The close codes mirror HTTP status codes in the 4000–4999 range that WebSocket reserves for
// applications, so a browser's CloseEvent.code tells the client exactly what happened.
package tunnel

import (
	"errors"
	"fmt"
	"strconv"
)

// Subprotocol is the WebSocket subprotocol naming this protocol and its version.
const Subprotocol = "caliopen-tunnel.v1"

// Version is the open-request and reply version byte.
const Version = 1

// Size limits of the open request.
const (
	MaxTokenLen = 255
	MaxHostLen  = 253
	// MaxOpenSize is the largest valid open request: version, two lengths, token, host, port.
	MaxOpenSize = 1 + 1 + MaxTokenLen + 1 + MaxHostLen + 2
)

// StatusOK is the only reply status: failures are close codes.
const StatusOK = 0

// Code is a WebSocket close code used by the tunnel.
type Code uint16

// Close codes. CodeNormal is the WebSocket normal closure (the TCP stream ended).
const (
	CodeNormal       Code = 1000
	CodeBadRequest   Code = 4400 // malformed open request or protocol misuse
	CodeAuthFailed   Code = 4401 // missing, unknown or revoked token
	CodeDenied       Code = 4403 // destination refused by policy; the reason says why
	CodeDNS          Code = 4404 // the host name does not resolve
	CodeLimit        Code = 4429 // a limit was reached (tunnels, opens per minute, bytes)
	CodeUnreachable  Code = 4502 // connection refused, host unreachable, reset
	CodeShuttingDown Code = 4503 // the relay is shutting down
	CodeTimeout      Code = 4504 // dial, idle or lifetime timeout
)

var codeNames = map[Code]string{
	CodeNormal:       "closed",
	CodeBadRequest:   "bad request",
	CodeAuthFailed:   "authentication failed",
	CodeDenied:       "destination denied",
	CodeDNS:          "name resolution failed",
	CodeLimit:        "limit reached",
	CodeUnreachable:  "destination unreachable",
	CodeShuttingDown: "relay shutting down",
	CodeTimeout:      "timed out",
}

// String returns a readable name for the code.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return "close code " + strconv.Itoa(int(c))
}

// Known reports whether c is one of the codes above.
func (c Code) Known() bool {
	_, ok := codeNames[c]
	return ok
}

// MaxReasonLen is the longest close reason WebSocket allows (125-byte control payload minus the code).
const MaxReasonLen = 123

// Reason truncates s to a valid close reason.
func Reason(s string) string {
	if len(s) > MaxReasonLen {
		s = s[:MaxReasonLen]
	}
	return s
}

// Open is the client's open request.
type Open struct {
	Token string
	Host  string
	Port  uint16
}

// ErrBadOpen is wrapped by every error ParseOpen and AppendOpen return.
var ErrBadOpen = errors.New("tunnel: bad open request")

func badOpen(what string) error { return fmt.Errorf("%w: %s", ErrBadOpen, what) }

// AppendOpen validates o and appends its encoding to b.
func AppendOpen(b []byte, o Open) ([]byte, error) {
	if err := o.validate(); err != nil {
		return b, err
	}
	b = append(b, Version, byte(len(o.Token)))
	b = append(b, o.Token...)
	b = append(b, byte(len(o.Host)))
	b = append(b, o.Host...)
	return append(b, byte(o.Port>>8), byte(o.Port)), nil
}

// ParseOpen parses an open request. It accepts exactly the encoding AppendOpen produces.
func ParseOpen(p []byte) (Open, error) {
	var o Open
	if len(p) > MaxOpenSize {
		return o, badOpen("too long")
	}
	if len(p) < 1 || p[0] != Version {
		return o, badOpen("unsupported version")
	}
	p = p[1:]
	tok, p, ok := field(p)
	if !ok {
		return o, badOpen("truncated token")
	}
	host, p, ok := field(p)
	if !ok {
		return o, badOpen("truncated host")
	}
	if len(p) != 2 {
		return o, badOpen("bad port length")
	}
	o = Open{Token: string(tok), Host: string(host), Port: uint16(p[0])<<8 | uint16(p[1])}
	if err := o.validate(); err != nil {
		return Open{}, err
	}
	return o, nil
}

// field splits a length-prefixed field off p.
func field(p []byte) (f, rest []byte, ok bool) {
	if len(p) < 1 {
		return nil, nil, false
	}
	n := int(p[0])
	if len(p) < 1+n {
		return nil, nil, false
	}
	return p[1 : 1+n], p[1+n:], true
}

func (o Open) validate() error {
	if len(o.Token) == 0 || len(o.Token) > MaxTokenLen {
		return badOpen("token length")
	}
	for i := 0; i < len(o.Token); i++ {
		if c := o.Token[i]; c < 0x21 || c > 0x7e {
			return badOpen("token character")
		}
	}
	if len(o.Host) == 0 || len(o.Host) > MaxHostLen {
		return badOpen("host length")
	}
	for i := 0; i < len(o.Host); i++ {
		if !hostByte(o.Host[i]) {
			return badOpen("host character")
		}
	}
	if o.Port == 0 {
		return badOpen("port zero")
	}
	return nil
}

// hostByte allows the characters of DNS names and of IPv4/IPv6 literals (':' and '%' for
// zones are allowed here; the relay's policy refuses zoned addresses).
func hostByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '.', c == '_', c == ':', c == '%':
		return true
	}
	return false
}

// Reply is the relay's success reply.
var Reply = []byte{Version, StatusOK}

// ParseReply checks the relay's reply.
func ParseReply(p []byte) error {
	if len(p) != 2 || p[0] != Version || p[1] != StatusOK {
		return errors.New("tunnel: bad reply from relay")
	}
	return nil
}
