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
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// handshakeTimeout bounds connecting, TLS and login when ctx has no earlier deadline.
const handshakeTimeout = 45 * time.Second

// DialIMAP connects to the account's IMAP server, secures the connection (implicit TLS or
// STARTTLS, never neither) and logs in. opts may carry an unilateral data handler; its TLS and
// dialer fields are ignored. A failure is a *ServerError naming the IMAP server.
func (a *Account) DialIMAP(ctx context.Context, opts *imapclient.Options) (*imapclient.Client, error) {
	c, err := a.dialIMAP(ctx, opts)
	if err != nil {
		return nil, &ServerError{Proto: ProtoIMAP, Server: a.Settings.IMAP, Err: err}
	}
	return c, nil
}

func (a *Account) dialIMAP(ctx context.Context, opts *imapclient.Options) (*imapclient.Client, error) {
	s := a.Settings.IMAP
	if s.Security != ImplicitTLS && s.Security != StartTLS {
		return nil, fmt.Errorf("%w: IMAP server %s is set to %q", ErrInsecure, s.Addr(), s.Security)
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	raw, err := a.dial(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("email: cannot reach IMAP server %s: %w", s.Addr(), err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	var conn net.Conn
	switch s.Security {
	case ImplicitTLS:
		cfg := a.tlsConfig(s.Host)
		cfg.NextProtos = []string{"imap"}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("email: TLS with IMAP server %s: %w", s.Addr(), err)
		}
		conn = tc
	case StartTLS:
		tc, err := imapStartTLS(raw, a.tlsConfig(s.Host))
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("email: IMAP server %s: %w", s.Addr(), err)
		}
		conn = tc
	}
	var o imapclient.Options
	if opts != nil {
		o = *opts
	}
	o.TLSConfig, o.Dialer = nil, nil
	c := imapclient.New(conn, &o)
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("email: IMAP server %s: %w", s.Addr(), err)
	}
	if !isTLS(conn) { // the invariant the whole package rests on
		c.Close()
		return nil, ErrInsecure
	}
	if c.State() == imap.ConnStateNotAuthenticated {
		if err := c.Login(a.Settings.Username, a.Password).Wait(); err != nil {
			c.Close()
			var ie *imap.Error
			if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
				return nil, fmt.Errorf("%w (%s)", ErrAuth, ie.Text)
			}
			return nil, fmt.Errorf("email: IMAP login at %s: %w", s.Addr(), err)
		}
	}
	return c, nil
}

// imapStartTLS runs the plaintext part of an IMAP STARTTLS connection by hand (greeting,
// CAPABILITY, STARTTLS) so that a server not offering STARTTLS is refused with ErrInsecure
// before any other command, then returns the TLS connection with a stand-in greeting for
// imapclient (the real one came before TLS).
func imapStartTLS(raw net.Conn, cfg *tls.Config) (net.Conn, error) {
	br := bufio.NewReader(raw)
	line, err := readLine(br)
	if err != nil {
		return nil, fmt.Errorf("no greeting: %w", err)
	}
	switch {
	case strings.HasPrefix(line, "* PREAUTH"):
		return nil, fmt.Errorf("%w: the server sent PREAUTH on an unencrypted connection", ErrInsecure)
	case !strings.HasPrefix(line, "* OK"):
		return nil, fmt.Errorf("unexpected greeting %q", truncate(line, 80))
	}
	caps, err := imapCommand(raw, br, "C1", "CAPABILITY")
	if err != nil {
		return nil, err
	}
	if !strings.Contains(" "+strings.ToUpper(caps+" "+line)+" ", " STARTTLS ") &&
		!strings.Contains(strings.ToUpper(caps+" "+line), " STARTTLS]") {
		return nil, fmt.Errorf("%w: the server does not offer STARTTLS", ErrInsecure)
	}
	if _, err := imapCommand(raw, br, "C2", "STARTTLS"); err != nil {
		return nil, err
	}
	if br.Buffered() > 0 { // bytes injected before the handshake (CVE-2011-0411 style)
		return nil, errors.New("the server sent data after STARTTLS before the TLS handshake")
	}
	tc := tls.Client(raw, cfg)
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("TLS after STARTTLS: %w", err)
	}
	return &prefixConn{Conn: tc, prefix: strings.NewReader("* OK TLS established\r\n")}, nil
}

// imapCommand sends one tagged command and returns the untagged lines it got before OK.
func imapCommand(w io.Writer, br *bufio.Reader, tag, cmd string) (string, error) {
	if _, err := io.WriteString(w, tag+" "+cmd+"\r\n"); err != nil {
		return "", err
	}
	var untagged []string
	for {
		line, err := readLine(br)
		if err != nil {
			return "", fmt.Errorf("%s: %w", cmd, err)
		}
		if strings.HasPrefix(line, tag+" ") {
			if !strings.HasPrefix(strings.ToUpper(line[len(tag)+1:]), "OK") {
				return "", fmt.Errorf("%s refused: %q", cmd, truncate(line, 80))
			}
			return strings.Join(untagged, " "), nil
		}
		untagged = append(untagged, line)
		if len(untagged) > 100 {
			return "", fmt.Errorf("%s: too many lines", cmd)
		}
	}
}

func readLine(br *bufio.Reader) (string, error) {
	var b []byte
	for {
		chunk, more, err := br.ReadLine()
		if err != nil {
			return "", err
		}
		b = append(b, chunk...)
		if len(b) > 8192 {
			return "", errors.New("line too long")
		}
		if !more {
			return string(b), nil
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func isTLS(c net.Conn) bool {
	if p, ok := c.(*prefixConn); ok {
		c = p.Conn
	}
	_, ok := c.(*tls.Conn)
	return ok
}

// prefixConn reads prefix before the connection.
type prefixConn struct {
	net.Conn
	prefix *strings.Reader
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if c.prefix.Len() > 0 {
		return c.prefix.Read(p)
	}
	return c.Conn.Read(p)
}

// DialSMTP connects to the account's submission server, secures the connection (implicit TLS or
// STARTTLS, never neither) and authenticates with PLAIN or LOGIN. A failure is a *ServerError
// naming the SMTP server.
func (a *Account) DialSMTP(ctx context.Context) (*smtp.Client, error) {
	c, err := a.dialSMTP(ctx)
	if err != nil {
		return nil, &ServerError{Proto: ProtoSMTP, Server: a.Settings.SMTP, Err: err}
	}
	return c, nil
}

func (a *Account) dialSMTP(ctx context.Context) (*smtp.Client, error) {
	s := a.Settings.SMTP
	if s.Security != ImplicitTLS && s.Security != StartTLS {
		return nil, fmt.Errorf("%w: SMTP server %s is set to %q", ErrInsecure, s.Addr(), s.Security)
	}
	ctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	raw, err := a.dial(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("email: cannot reach SMTP server %s: %w", s.Addr(), err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	var c *smtp.Client
	switch s.Security {
	case ImplicitTLS:
		tc := tls.Client(raw, a.tlsConfig(s.Host))
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("email: TLS with SMTP server %s: %w", s.Addr(), err)
		}
		c = smtp.NewClient(tc)
	case StartTLS:
		c, err = smtp.NewClientStartTLS(raw, a.tlsConfig(s.Host))
		if err != nil {
			raw.Close()
			if strings.Contains(err.Error(), "support STARTTLS") {
				return nil, fmt.Errorf("%w: SMTP server %s does not offer STARTTLS", ErrInsecure, s.Addr())
			}
			return nil, fmt.Errorf("email: SMTP server %s: %w", s.Addr(), err)
		}
	}
	if _, ok := c.TLSConnectionState(); !ok {
		c.Close()
		return nil, ErrInsecure
	}
	if err := c.Hello("localhost"); err != nil && !strings.Contains(err.Error(), "called twice") {
		c.Close()
		return nil, fmt.Errorf("email: SMTP server %s: %w", s.Addr(), err)
	}
	var auth sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		auth = sasl.NewPlainClient("", a.Settings.Username, a.Password)
	case c.SupportsAuth(sasl.Login):
		auth = sasl.NewLoginClient(a.Settings.Username, a.Password)
	default:
		c.Close()
		return nil, fmt.Errorf("email: SMTP server %s offers neither AUTH PLAIN nor LOGIN", s.Addr())
	}
	if err := c.Auth(auth); err != nil {
		c.Close()
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code == 535 {
			return nil, fmt.Errorf("%w (%s)", ErrAuth, se.Message)
		}
		return nil, fmt.Errorf("email: SMTP authentication at %s: %w", s.Addr(), err)
	}
	return c, nil
}
