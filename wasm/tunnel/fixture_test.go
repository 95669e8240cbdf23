//go:build !js

package tunnel_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"caliopen/relay/auth"
	relaytunnel "caliopen/relay/tunnel"
	"caliopen/shared/testkit"
)

// Markers that must cross the relay only inside TLS.
const (
	imapPassword = "s3cret-pass-marker-7431"
	imapSubject  = "Subject-marker-9921 lunch plans"
	bodyMarker   = "body-marker-5518 meet at noon"
)

// fixture is a relay with a TLS IMAP server, an HTTPS API and an echo server behind it,
// all on loopback, and a record of every byte the relay forwarded.
type fixture struct {
	env      contractEnv
	recorder *testkit.Recorder
	smtp     *smtpBackend
}

func startFixture(t *testing.T) *fixture {
	t.Helper()
	caPEM, leaf := newTestPKI(t, "imap.caliopen.test", "api.caliopen.test", "smtp.caliopen.test")

	// TLS IMAP server (go-imap v2's in-memory server).
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("alice@caliopen.test", imapPassword)
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	msg := "From: Bob <bob@example.org>\r\nTo: alice@caliopen.test\r\nSubject: " + imapSubject +
		"\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\n" + bodyMarker + "\r\n"
	if _, err := user.Append("INBOX", bytes.NewReader([]byte(msg)), &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	imapSrv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:   imap.CapSet{imap.CapIMAP4rev1: {}},
		Logger: discardLogger{},
	})
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{leaf}}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsCfg)
	if err != nil {
		t.Fatal(err)
	}
	go imapSrv.Serve(ln)
	t.Cleanup(func() { imapSrv.Close() })
	imapPort := ln.Addr().(*net.TCPAddr).Port

	// HTTPS API (the shape of X's API: no CORS, so it goes through the tunnel).
	api := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from the API")
	}))
	api.TLS = tlsCfg
	api.StartTLS()
	t.Cleanup(api.Close)
	apiPort := api.Listener.Addr().(*net.TCPAddr).Port

	echoPort := testkit.StartEcho(t)

	// Submission server: STARTTLS, then AUTH PLAIN (go-smtp).
	smtpBE := &smtpBackend{user: "alice@caliopen.test", password: imapPassword}
	smtpSrv := smtp.NewServer(smtpBE)
	smtpSrv.Domain = "smtp.caliopen.test"
	smtpSrv.TLSConfig = tlsCfg
	smtpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go smtpSrv.Serve(smtpLn)
	t.Cleanup(func() { smtpSrv.Close() })
	smtpPort := smtpLn.Addr().(*net.TCPAddr).Port
	byeLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { byeLn.Close() })
	go func() {
		for {
			c, err := byeLn.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("* BYE\r\n"))
			c.Close()
		}
	}()
	byePort := byeLn.Addr().(*net.TCPAddr).Port
	srcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srcLn.Close() })
	go func() {
		for {
			c, err := srcLn.Accept()
			if err != nil {
				return
			}
			go func() {
				io.CopyN(c, zeros{}, sourceSize)
				c.Close()
			}()
		}
	}()
	srcPort := srcLn.Addr().(*net.TCPAddr).Port

	// The relay: loopback allowed only for these ports, names resolved by a fixed table.
	store, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, err := store.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	cfg := relaytunnel.DefaultConfig()
	cfg.Ports = []uint16{uint16(imapPort), uint16(apiPort), uint16(echoPort), uint16(byePort), uint16(smtpPort), uint16(srcPort), 993, 443}
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	cfg.OriginPatterns = []string{"127.0.0.1:*", "localhost:*"} // wasmbrowsertest's page origin
	rec := &testkit.Recorder{}
	srv := relaytunnel.New(cfg, store, relaytunnel.Options{
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Resolver: hostsResolver{"imap.caliopen.test": "127.0.0.1", "api.caliopen.test": "127.0.0.1", "smtp.caliopen.test": "127.0.0.1"},
		Dial:     rec.Dial,
	})
	hs := httptest.NewServer(srv)
	idleCfg := cfg
	idleCfg.IdleTimeout = 300 * time.Millisecond
	idleSrv := relaytunnel.New(idleCfg, store, relaytunnel.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	idleHS := httptest.NewServer(idleSrv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		idleSrv.Shutdown(ctx)
		hs.Close()
		idleHS.Close()
	})

	sum := sha256.Sum256(leaf.Leaf.Raw)
	return &fixture{recorder: rec, smtp: smtpBE, env: contractEnv{
		RelayURL:   "ws" + strings.TrimPrefix(hs.URL, "http") + "/tunnel",
		Token:      token,
		CAPEM:      string(caPEM),
		LeafSHA256: hex.EncodeToString(sum[:]),
		IMAPAddr:   fmt.Sprintf("imap.caliopen.test:%d", imapPort),
		IMAPName:   "imap.caliopen.test",
		User:       "alice@caliopen.test",
		Password:   imapPassword,
		Subject:    imapSubject,
		BodyMarker: bodyMarker,
		HTTPSURL:   fmt.Sprintf("https://api.caliopen.test:%d/", apiPort),
		EchoAddr:   fmt.Sprintf("127.0.0.1:%d", echoPort),
		ByeAddr:    fmt.Sprintf("127.0.0.1:%d", byePort),
		SMTPAddr:   fmt.Sprintf("smtp.caliopen.test:%d", smtpPort),
		SMTPName:   "smtp.caliopen.test",
		SourceAddr: fmt.Sprintf("127.0.0.1:%d", srcPort),
		IdleRelay:  "ws" + strings.TrimPrefix(idleHS.URL, "http") + "/tunnel",
	}}
}

// checkBlind asserts that the relay forwarded bytes, and never one of the plaintext markers.
func (f *fixture) checkBlind(t *testing.T) {
	t.Helper()
	seen := f.recorder.Bytes()
	if len(seen) < 1000 {
		t.Fatalf("the relay forwarded only %d bytes", len(seen))
	}
	// The SMTP test's message reached the server.
	if got := f.smtp.received(); !strings.Contains(got, smtpBodyMarker) {
		t.Errorf("the submission server did not receive the message: %q", got)
	}
	// The echo test sends clear text on purpose: the recorder must see it, or the check
	// below proves nothing.
	if !bytes.Contains(seen, []byte("0123456789abcdef")) {
		t.Fatal("the recorder did not see the echo test's clear text")
	}
	for _, m := range []string{imapPassword, imapSubject, bodyMarker, smtpBodyMarker, "alice@caliopen.test", "hello from the API", "LOGIN"} {
		if bytes.Contains(seen, []byte(m)) {
			t.Errorf("the relay saw %q in clear", m)
		}
	}
}

func TestContractNative(t *testing.T) {
	f := startFixture(t)
	runContract(t, f.env)
	f.checkBlind(t)
}

// smtpBackend is a go-smtp backend that accepts one user and keeps what it receives.
type smtpBackend struct {
	user, password string
	mu             sync.Mutex
	data           strings.Builder
}

func (b *smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{b: b}, nil }

func (b *smtpBackend) received() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.data.String()
}

type smtpSession struct {
	b    *smtpBackend
	auth bool
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.password {
			return errors.New("invalid credentials")
		}
		s.auth = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.b.mu.Lock()
	s.b.data.Write(b)
	s.b.mu.Unlock()
	return err
}

func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

type hostsResolver map[string]string

func (h hostsResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := h[host]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// zeros is an endless source of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

// newTestPKI makes a throwaway CA and a server certificate for names (and 127.0.0.1).
func newTestPKI(t *testing.T, names ...string) (caPEM []byte, leaf tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Caliopen test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: names, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
}
