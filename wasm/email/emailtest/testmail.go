// Package emailtest starts the real servers the email connector's tests talk to: go-imap's
// in-memory IMAP server and a go-smtp submission server, both behind TLS from a throw-away CA,
// and the Dovecot + Postfix peers from ../shared/peers.
package emailtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"caliopen/wasm/email"
)

// CA is a test certificate authority with one server certificate for localhost/127.0.0.1.
type CA struct {
	Pool   *x509.CertPool
	PEM    []byte // the CA certificate, for clients that take PEM (tunnel.TLSConfig)
	Server tls.Certificate
}

// NewCA makes a CA and a server certificate.
func NewCA(t testing.TB) *CA {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Caliopen test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &CA{Pool: pool, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Server: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
}

// ServerConfig is the servers' TLS configuration.
func (ca *CA) ServerConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{ca.Server}}
}

// Transport dials plain TCP and trusts the CA.
func (ca *CA) Transport() email.Transport {
	var d net.Dialer
	return email.Transport{
		Dial:      d.DialContext,
		TLSConfig: func(string) *tls.Config { return &tls.Config{RootCAs: ca.Pool} },
	}
}

func port(ln net.Listener) int { return ln.Addr().(*net.TCPAddr).Port }

// IMAP is an in-process go-imap server with users.
type IMAP struct {
	Mem   *imapmemserver.Server
	Users map[string]*imapmemserver.User
	Port  int // implicit TLS
	// Dial reaches a pipe server (StartIMAPPipe).
	Dial email.DialFunc

	mu        sync.Mutex
	passwords map[string]string
	cert      *tls.Certificate
	conns     []*imapserver.Conn
}

// SetPassword changes a user's password, as a provider does when the user changes it there:
// the sessions open are closed, and the next login needs the new password.
func (s *IMAP) SetPassword(user, password string) {
	s.mu.Lock()
	s.passwords[user] = password
	s.mu.Unlock()
	s.DropConnections()
}

// SetCertificate makes the server present another certificate (a renewed or replaced one)
// from its next connection; the connections open are closed.
func (s *IMAP) SetCertificate(cert tls.Certificate) {
	s.mu.Lock()
	s.cert = &cert
	s.mu.Unlock()
	s.DropConnections()
}

// DropConnections closes every open connection, as a server restarting does.
func (s *IMAP) DropConnections() {
	s.mu.Lock()
	conns := s.conns
	s.conns = nil
	s.mu.Unlock()
	for _, c := range conns {
		c.NetConn().Close()
	}
}

func (s *IMAP) tlsConfig(ca *CA) *tls.Config {
	return &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cert != nil {
			return s.cert, nil
		}
		return &ca.Server, nil
	}}
}

// session is a user's session that logs in with the user's current password.
type session struct {
	*imapmemserver.UserSession // nil until logged in
	s                          *IMAP
}

func (ss *session) Login(username, password string) error {
	ss.s.mu.Lock()
	want, ok := ss.s.passwords[username]
	u := ss.s.Users[username]
	ss.s.mu.Unlock()
	if !ok || u == nil || password != want {
		return imapserver.ErrAuthFailed
	}
	ss.UserSession = imapmemserver.NewUserSession(u)
	return nil
}

// StartIMAP starts an in-memory IMAP server on loopback with implicit TLS and a user
// (username, password) holding INBOX, Sent, Drafts, Trash, Archive.
func StartIMAP(t testing.TB, ca *CA, users ...string) *IMAP {
	t.Helper()
	return StartIMAPCaps(t, ca, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}, users...)
}

// StartIMAPPipe is StartIMAP reached through in-memory connections (IMAP.Dial) instead of
// TCP: it runs where no socket can be opened, in the browser's WebAssembly.
func StartIMAPPipe(t testing.TB, ca *CA, users ...string) *IMAP {
	t.Helper()
	return startIMAP(t, ca, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}, true, users...)
}

// StartIMAPCaps is StartIMAP advertising only caps (e.g. IMAP4rev1 alone: no MOVE, no
// UIDPLUS, no ESEARCH, no SPECIAL-USE).
func StartIMAPCaps(t testing.TB, ca *CA, caps imap.CapSet, users ...string) *IMAP {
	t.Helper()
	return startIMAP(t, ca, caps, false, users...)
}

func startIMAP(t testing.TB, ca *CA, caps imap.CapSet, pipe bool, users ...string) *IMAP {
	t.Helper()
	mem := imapmemserver.New()
	s := &IMAP{Mem: mem, Users: map[string]*imapmemserver.User{}, passwords: map[string]string{}}
	for i := 0; i+1 < len(users); i += 2 {
		u := imapmemserver.NewUser(users[i], users[i+1])
		s.passwords[users[i]] = users[i+1]
		for _, mb := range []string{"INBOX", "Sent", "Drafts", "Trash", "Archive"} {
			if err := u.Create(mb, nil); err != nil {
				t.Fatal(err)
			}
		}
		mem.AddUser(u)
		s.Users[users[i]] = u
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			return &session{s: s}, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true, // the listener is TLS already
		Logger:       discardLogger{},
	})
	var ln net.Listener
	if pipe {
		p := newPipeListener()
		s.Dial = p.dial
		ln = tls.NewListener(p, s.tlsConfig(ca))
	} else {
		var err error
		if ln, err = tls.Listen("tcp", "127.0.0.1:0", s.tlsConfig(ca)); err != nil {
			t.Fatal(err)
		}
		s.Port = port(ln)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Append adds a raw message to a user's mailbox.
func (s *IMAP) Append(t testing.TB, user, mailbox string, raw []byte, flags ...imap.Flag) {
	t.Helper()
	if _, err := s.Users[user].Append(mailbox, literal{io.NewSectionReader(bytesReaderAt(raw), 0, int64(len(raw))), int64(len(raw))}, &imap.AppendOptions{Flags: flags}); err != nil {
		t.Fatal(err)
	}
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type literal struct {
	io.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// SMTP is an in-process submission server recording what it accepted.
type SMTP struct {
	Port        int            // implicit TLS
	StartTLS    int            // STARTTLS port
	Dial        email.DialFunc // reaches a pipe server (StartSMTPPipe)
	mu          sync.Mutex
	Received    []Mail
	FailFirst   int // refuse this many DATA commands with a 451
	failed      int
	Logins      int
	OnDelivered func(Mail)
	// BeforeAccept, when set, runs once a message's data is read and before it is accepted
	// (a test holds a send in flight there).
	BeforeAccept func()
	password     string // when set, replaces the password the server was started with
}

// SetPassword changes the password the server accepts from now on.
func (s *SMTP) SetPassword(password string) {
	s.mu.Lock()
	s.password = password
	s.mu.Unlock()
}

// Mail is one accepted message.
type Mail struct {
	From string
	To   []string
	Data []byte
}

// Messages returns what was accepted so far.
func (s *SMTP) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.Received...)
}

// SetFailFirst makes the next n DATA commands fail with a temporary error.
func (s *SMTP) SetFailFirst(n int) {
	s.mu.Lock()
	s.FailFirst, s.failed = n, 0
	s.mu.Unlock()
}

// StartSMTPPipe is StartSMTP reached through in-memory connections (SMTP.Dial, implicit TLS)
// instead of TCP: it runs in the browser's WebAssembly.
func StartSMTPPipe(t testing.TB, ca *CA, user, password string) *SMTP {
	t.Helper()
	s := &SMTP{}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, user: user, pw: password}, nil })
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ErrorLog = discardLogger{}
	p := newPipeListener()
	s.Dial = p.dial
	go srv.Serve(tls.NewListener(p, ca.ServerConfig()))
	t.Cleanup(func() { srv.Close() })
	return s
}

// StartSMTP starts a submission server (implicit TLS and STARTTLS) accepting user/password.
func StartSMTP(t testing.TB, ca *CA, user, password string) *SMTP {
	t.Helper()
	s := &SMTP{}
	be := smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s, user: user, pw: password}, nil })
	for _, implicit := range []bool{true, false} {
		srv := smtp.NewServer(be)
		srv.Domain = "localhost"
		srv.TLSConfig = ca.ServerConfig()
		srv.ErrorLog = discardLogger{}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if implicit {
			s.Port = port(ln)
			ln = tls.NewListener(ln, ca.ServerConfig())
		} else {
			s.StartTLS = port(ln)
		}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}
	return s
}

type smtpSession struct {
	s        *SMTP
	user, pw string
	authed   bool
	m        Mail
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, u, p string) error {
		ss.s.mu.Lock()
		want := ss.pw
		if ss.s.password != "" {
			want = ss.s.password
		}
		ss.s.mu.Unlock()
		if u != ss.user || p != want {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		ss.s.mu.Lock()
		ss.s.Logins++
		ss.s.mu.Unlock()
		return nil
	}), nil
}
func (ss *smtpSession) Reset()        { ss.m = Mail{} }
func (ss *smtpSession) Logout() error { return nil }
func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.m.From = from
	return nil
}
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.m.To = append(ss.m.To, to)
	return nil
}
func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	hold := ss.s.BeforeAccept
	ss.s.mu.Unlock()
	if hold != nil {
		hold()
	}
	ss.s.mu.Lock()
	if ss.s.failed < ss.s.FailFirst {
		ss.s.failed++
		ss.s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.m.Data = b
	ss.s.Received = append(ss.s.Received, ss.m)
	cb := ss.s.OnDelivered
	ss.s.mu.Unlock()
	if cb != nil {
		cb(ss.m)
	}
	return nil
}

// Account is an account on the in-process servers.
func Account(ca *CA, im *IMAP, sm *SMTP, user, password string) *email.Account {
	return &email.Account{
		ID: "acct-" + user,
		Settings: email.Settings{
			Address: user + "@example.test", Username: user,
			IMAP: email.Server{Host: "127.0.0.1", Port: im.Port, Security: email.ImplicitTLS},
			SMTP: email.Server{Host: "127.0.0.1", Port: smtpPort(sm), Security: email.ImplicitTLS},
		},
		Password:  password,
		Transport: ca.Transport(),
	}
}

func smtpPort(sm *SMTP) int {
	if sm == nil {
		return 1
	}
	return sm.Port
}

// Context is a test context bounded to d.
func Context(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Eventually polls cond until it holds or d passes.
func Eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var errNoPeers = errors.New("testmail: peers not found")

func itoa(n int) string { return strconv.Itoa(n) }

// pipeListener hands out in-memory connections.
type pipeListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error { l.once.Do(func() { close(l.done) }); return nil }

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	c1, c2 := bufPipe()
	select {
	case l.ch <- c2:
		return c1, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// PipeTransport routes port 993 to im and 465 to sm, both pipe servers, trusting ca.
func PipeTransport(ca *CA, im *IMAP, sm *SMTP) email.Transport {
	return email.Transport{
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if strings.HasSuffix(addr, ":465") {
				return sm.Dial(ctx, network, addr)
			}
			return im.Dial(ctx, network, addr)
		},
		TLSConfig: func(string) *tls.Config { return &tls.Config{RootCAs: ca.Pool} },
	}
}

// PipeAccount is an account on pipe servers (localhost:993 and :465).
func PipeAccount(ca *CA, im *IMAP, sm *SMTP, user, password string) *email.Account {
	a := Account(ca, im, sm, user, password)
	a.Settings.IMAP.Host, a.Settings.IMAP.Port = "localhost", 993
	a.Settings.SMTP.Host, a.Settings.SMTP.Port = "localhost", 465
	a.Transport = PipeTransport(ca, im, sm)
	return a
}
