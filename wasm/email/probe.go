package email

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
)

// Probe checks, without logging in, that a server speaks proto ("imap" or "smtp") with the
// server's security: a verified TLS handshake and a greeting, or a greeting offering STARTTLS.
func Probe(ctx context.Context, t Transport, s Server, proto string) error {
	raw, err := t.dial(ctx, s)
	if err != nil {
		return err
	}
	defer raw.Close()
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	var conn net.Conn = raw
	if s.Security == ImplicitTLS {
		tc := tls.Client(raw, t.tlsConfig(s.Host))
		if err := tc.HandshakeContext(ctx); err != nil {
			return err
		}
		conn = tc
	}
	br := bufio.NewReader(conn)
	greeting, err := readLine(br)
	if err != nil {
		return fmt.Errorf("no greeting: %w", err)
	}
	switch proto {
	case "imap":
		if !strings.HasPrefix(greeting, "* OK") && !strings.HasPrefix(greeting, "* PREAUTH") {
			return fmt.Errorf("not an IMAP server: %q", truncate(greeting, 60))
		}
		if s.Security == StartTLS {
			caps, err := imapCommand(conn, br, "P1", "CAPABILITY")
			if err != nil {
				return err
			}
			if !strings.Contains(strings.ToUpper(caps+" "+greeting), "STARTTLS") {
				return ErrInsecure
			}
		}
		io.WriteString(conn, "P2 LOGOUT\r\n")
	case "smtp":
		if !strings.HasPrefix(greeting, "220") {
			return fmt.Errorf("not an SMTP server: %q", truncate(greeting, 60))
		}
		for strings.HasPrefix(greeting, "220-") { // multi-line greeting
			if greeting, err = readLine(br); err != nil {
				return err
			}
		}
		if s.Security == StartTLS {
			io.WriteString(conn, "EHLO localhost\r\n")
			starttls := false
			for {
				l, err := readLine(br)
				if err != nil {
					return err
				}
				if len(l) < 4 || !strings.HasPrefix(l, "250") {
					return fmt.Errorf("EHLO refused: %q", truncate(l, 60))
				}
				if strings.EqualFold(strings.TrimSpace(l[4:]), "STARTTLS") {
					starttls = true
				}
				if l[3] == ' ' {
					break
				}
			}
			if !starttls {
				return ErrInsecure
			}
		}
		io.WriteString(conn, "QUIT\r\n")
	default:
		return errors.New("email: unknown protocol " + proto)
	}
	return nil
}
