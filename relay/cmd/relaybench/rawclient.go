package main

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	proto "caliopen/shared/tunnel"
)

// rawConn is a minimal WebSocket client for the bulk upload measure only. coder/websocket's
// client masks and writes its frames 4 KiB at a time (the size of its bufio.Writer), which
// caps a native client's upload well below what the relay can carry; this client masks a
// whole frame and writes it with one system call, so the measure shows the relay's cost.
// The product's clients are the browser's WebSocket and wasm/tunnel's Dialer, not this.
type rawConn struct {
	c   net.Conn
	br  *bufio.Reader
	buf []byte
}

func rawDial(relayURL, token, dest string) (*rawConn, error) {
	u, err := url.Parse(relayURL)
	if err != nil {
		return nil, err
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	rand.Read(key[:])
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n\r\n",
		u.Path, u.Host, base64.StdEncoding.EncodeToString(key[:]), proto.Subprotocol)
	br := bufio.NewReaderSize(c, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("upgrade: %s", resp.Status)
	}
	rc := &rawConn{c: c, br: br}
	host, port, _ := net.SplitHostPort(dest)
	var p uint16
	fmt.Sscan(port, &p)
	open, err := proto.AppendOpen(nil, proto.Open{Token: token, Host: host, Port: p})
	if err != nil {
		return nil, err
	}
	if _, err := rc.Write(open); err != nil {
		return nil, err
	}
	reply := make([]byte, 2)
	if _, err := io.ReadFull(rc, reply); err != nil {
		return nil, err
	}
	if proto.ParseReply(reply) != nil {
		return nil, errors.New("bad reply")
	}
	return rc, nil
}

// Write sends p as one masked binary frame.
func (r *rawConn) Write(p []byte) (int, error) {
	need := 14 + len(p)
	if cap(r.buf) < need {
		r.buf = make([]byte, need)
	}
	b := r.buf[:0]
	b = append(b, 0x82) // FIN, binary
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	var key [4]byte
	rand.Read(key[:])
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, p...)
	mask(b[start:], key)
	if _, err := r.c.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

func mask(p []byte, key [4]byte) {
	k := uint64(binary.LittleEndian.Uint32(key[:]))
	k |= k << 32
	i := 0
	for ; i+8 <= len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], binary.LittleEndian.Uint64(p[i:])^k)
	}
	for ; i < len(p); i++ {
		p[i] ^= key[i&3]
	}
}

// Read returns payload bytes of the relay's (unmasked, binary) frames.
func (r *rawConn) Read(p []byte) (int, error) {
	var h [2]byte
	if _, err := io.ReadFull(r.br, h[:]); err != nil {
		return 0, err
	}
	if h[0]&0x0f == 0x8 {
		return 0, io.EOF
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var e [2]byte
		io.ReadFull(r.br, e[:])
		n = uint64(binary.BigEndian.Uint16(e[:]))
	case 127:
		var e [8]byte
		io.ReadFull(r.br, e[:])
		n = binary.BigEndian.Uint64(e[:])
	}
	if n > uint64(len(p)) {
		return 0, errors.New("frame larger than the read buffer")
	}
	return io.ReadFull(r.br, p[:n])
}

func (r *rawConn) Close() error { return r.c.Close() }
