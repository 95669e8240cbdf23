package tunnel_test

// The contract suite: one set of tests that runs natively (TestContractNative, which starts
// its own relay and servers) and in headless Chromium (TestContractBrowser, started by
// TestTunnelInBrowser with the addresses of servers it runs natively).

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"caliopen/wasm/tunnel"
)

// contractEnv tells the suite where the relay and the servers behind it are.
type contractEnv struct {
	RelayURL   string
	Token      string
	CAPEM      string
	LeafSHA256 string // the IMAP server certificate's fingerprint, for the pinning test
	IMAPAddr   string // name:port of the TLS IMAP server, as the relay resolves it
	IMAPName   string
	User       string
	Password   string
	Subject    string
	BodyMarker string
	HTTPSURL   string // an HTTPS API behind the relay
	EchoAddr   string // a plain TCP echo server
	ByeAddr    string // a server that says "* BYE\r\n" and closes
	SMTPAddr   string // name:port of a submission server (STARTTLS, AUTH PLAIN)
	SMTPName   string
	SourceAddr string // sends sourceSize bytes and closes
	IdleRelay  string // a second relay whose idle timeout is 300 ms
}

// smtpBodyMarker is the body the SMTP test submits; only the server may see it.
const smtpBodyMarker = "smtp-body-marker-3317 see you tomorrow"

// sourceSize is what the bulk source sends.
const sourceSize = 16 << 20

// contractEnvVar carries the contractEnv (JSON, base64) into the browser test.
const contractEnvVar = "CALIOPEN_TUNNEL_CONTRACT"

func (e contractEnv) encode() string {
	b, _ := json.Marshal(e)
	return base64.StdEncoding.EncodeToString(b)
}

func decodeEnv(s string) (contractEnv, error) {
	var e contractEnv
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(b, &e)
}

func runContract(t *testing.T, env contractEnv) {
	d := &tunnel.Dialer{RelayURL: env.RelayURL, Token: env.Token, Timeout: 20 * time.Second}

	t.Run("IMAPOverTLS", func(t *testing.T) {
		cfg, err := tunnel.TLSConfig(env.IMAPName, []byte(env.CAPEM), "")
		if err != nil {
			t.Fatal(err)
		}
		fetchMessage(t, d, env, cfg)
	})

	t.Run("PinnedCertificate", func(t *testing.T) {
		cfg, err := tunnel.TLSConfig(env.IMAPName, nil, env.LeafSHA256)
		if err != nil {
			t.Fatal(err)
		}
		fetchMessage(t, d, env, cfg)

		wrong := strings.Repeat("ab", 32)
		cfg, _ = tunnel.TLSConfig(env.IMAPName, nil, wrong)
		raw, err := d.DialContext(context.Background(), "tcp", env.IMAPAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		// A certificate other than the pinned one is refused as unverified, and the refusal
		// carries it (the app shows its fingerprint to pin it again).
		var ve *tls.CertificateVerificationError
		err = tls.Client(raw, cfg).Handshake()
		if err == nil || !strings.Contains(err.Error(), "pinned") || !errors.As(err, &ve) || len(ve.UnverifiedCertificates) == 0 {
			t.Fatalf("wrong pin: handshake error %v", err)
		}
		if got := sha256.Sum256(ve.UnverifiedCertificates[0].Raw); hex.EncodeToString(got[:]) != strings.ToLower(strings.ReplaceAll(env.LeafSHA256, ":", "")) {
			t.Fatalf("the refused certificate is not the server's: %x", got)
		}
		// Several pins for one host: any of them is accepted.
		cfg, err = tunnel.TLSConfig(env.IMAPName, nil, wrong, env.LeafSHA256)
		if err != nil {
			t.Fatal(err)
		}
		fetchMessage(t, d, env, cfg)
	})

	t.Run("UntrustedCertificateRefused", func(t *testing.T) {
		cfg, _ := tunnel.TLSConfig(env.IMAPName, nil, "") // public roots only
		raw, err := d.DialContext(context.Background(), "tcp", env.IMAPAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if err := tls.Client(raw, cfg).Handshake(); err == nil {
			t.Fatal("a test-CA certificate verified against the public roots")
		}
	})

	t.Run("SMTPStartTLS", func(t *testing.T) {
		raw, err := d.DialContext(context.Background(), "tcp", env.SMTPAddr)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _ := tunnel.TLSConfig(env.SMTPName, []byte(env.CAPEM), "")
		c, err := smtp.NewClientStartTLS(raw, cfg)
		if err != nil {
			t.Fatalf("STARTTLS: %v", err)
		}
		defer c.Close()
		if err := c.Auth(sasl.NewPlainClient("", env.User, env.Password)); err != nil {
			t.Fatalf("AUTH: %v", err)
		}
		msg := "Subject: " + env.Subject + "\r\n\r\n" + smtpBodyMarker + "\r\n"
		if err := c.SendMail(env.User, []string{"bob@example.org"}, strings.NewReader(msg)); err != nil {
			t.Fatalf("send: %v", err)
		}
		if err := c.Quit(); err != nil {
			t.Fatalf("QUIT: %v", err)
		}
	})

	t.Run("HTTPSThroughTunnel", func(t *testing.T) {
		cfg, _ := tunnel.TLSConfig("", []byte(env.CAPEM), "")
		hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: cfg}}
		resp, err := hc.Get(env.HTTPSURL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "hello from the API" {
			t.Fatalf("GET %s: %d %q", env.HTTPSURL, resp.StatusCode, b)
		}
	})

	t.Run("Echo", func(t *testing.T) {
		c, err := d.DialContext(context.Background(), "tcp", env.EchoAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		msg := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		go c.Write(msg)
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("echo: %v", err)
		}
	})

	t.Run("BulkDownload", func(t *testing.T) {
		c, err := d.DialContext(context.Background(), "tcp", env.SourceAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		began := time.Now()
		n, err := io.Copy(io.Discard, c)
		if err != nil || n != sourceSize {
			t.Fatalf("read %d bytes, %v", n, err)
		}
		t.Logf("%d MiB in %v: %.0f MB/s", n>>20, time.Since(began).Round(time.Millisecond), float64(n)/(1<<20)/time.Since(began).Seconds())
	})

	t.Run("DestinationClosesIsEOF", func(t *testing.T) {
		c, err := d.DialContext(context.Background(), "tcp", env.ByeAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		b, err := io.ReadAll(c)
		if err != nil || string(b) != "* BYE\r\n" {
			t.Fatalf("ReadAll = %q, %v; want the greeting then EOF", b, err)
		}
	})

	t.Run("IdleTimeoutInStream", func(t *testing.T) {
		idle := &tunnel.Dialer{RelayURL: env.IdleRelay, Token: env.Token}
		c, err := idle.DialContext(context.Background(), "tcp", env.EchoAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_, err = c.Read(make([]byte, 16))
		if !errors.Is(err, tunnel.ErrTimeout) {
			t.Fatalf("idle tunnel: %v, want ErrTimeout", err)
		}
	})

	t.Run("ReadDeadline", func(t *testing.T) {
		c, err := d.DialContext(context.Background(), "tcp", env.EchoAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		_, err = c.Read(make([]byte, 16))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read past deadline: %v", err)
		}
	})

	t.Run("Denied", func(t *testing.T) {
		for _, addr := range []string{"10.0.0.1:993", "169.254.169.254:443", "[::1]:993", "2130706433:993"} {
			_, err := d.DialContext(context.Background(), "tcp", addr)
			if !errors.Is(err, tunnel.ErrDenied) {
				t.Errorf("%s: %v, want ErrDenied", addr, err)
			}
		}
	})

	t.Run("CheckToken", func(t *testing.T) {
		if err := d.CheckToken(context.Background()); err != nil {
			t.Fatalf("good token: %v", err)
		}
		bad := &tunnel.Dialer{RelayURL: env.RelayURL, Token: "crt_not-a-real-token"}
		if err := bad.CheckToken(context.Background()); !errors.Is(err, tunnel.ErrAuth) {
			t.Fatalf("bad token: %v, want ErrAuth", err)
		}
		gone := &tunnel.Dialer{RelayURL: "ws://127.0.0.1:1/tunnel", Token: "crt_x", Timeout: 5 * time.Second}
		if err := gone.CheckToken(context.Background()); !errors.Is(err, tunnel.ErrRelay) {
			t.Fatalf("no relay: %v, want ErrRelay", err)
		}
	})

	t.Run("BadToken", func(t *testing.T) {
		bad := &tunnel.Dialer{RelayURL: env.RelayURL, Token: "crt_not-a-real-token"}
		_, err := bad.DialContext(context.Background(), "tcp", env.EchoAddr)
		if !errors.Is(err, tunnel.ErrAuth) {
			t.Fatalf("bad token: %v, want ErrAuth", err)
		}
	})

	t.Run("RelayDown", func(t *testing.T) {
		down := &tunnel.Dialer{RelayURL: "ws://127.0.0.1:1/tunnel", Token: env.Token, Timeout: 5 * time.Second}
		_, err := down.DialContext(context.Background(), "tcp", env.EchoAddr)
		if !errors.Is(err, tunnel.ErrRelay) && !errors.Is(err, tunnel.ErrTimeout) {
			t.Fatalf("relay down: %v", err)
		}
	})
}

// fetchMessage logs in over TLS through the tunnel, selects INBOX and fetches message 1.
func fetchMessage(t *testing.T, d *tunnel.Dialer, env contractEnv, cfg *tls.Config) {
	t.Helper()
	conn, err := d.DialTLS(context.Background(), env.IMAPAddr, cfg)
	if err != nil {
		t.Fatalf("tunnel and TLS handshake: %v", err)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(env.User, env.Password).Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || sel.NumMessages != 1 {
		t.Fatalf("select: %v, %+v", err, sel)
	}
	section := &imap.FetchItemBodySection{}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Envelope: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v (%d messages)", err, len(msgs))
	}
	if msgs[0].Envelope.Subject != env.Subject {
		t.Fatalf("subject %q", msgs[0].Envelope.Subject)
	}
	if !bytes.Contains(msgs[0].FindBodySection(section), []byte(env.BodyMarker)) {
		t.Fatal("body marker missing")
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatalf("logout: %v", err)
	}
}
