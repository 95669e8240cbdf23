//go:build !js

// The sandbox listens on loopback: its tests run natively only.

package sandbox_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	gomail "github.com/emersion/go-message/mail"

	"caliopen/relay/auth"
	relaytunnel "caliopen/relay/tunnel"
	"caliopen/shared/sandbox"
	"caliopen/wasm/email"
	"caliopen/wasm/email/autoconfig"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/pgp"
	"caliopen/wasm/tunnel"
	"caliopen/wasm/wkd"

	"net/http/httptest"
)

// world is a sandbox reached as the app reaches it: through a relay whose only way to the
// sandbox is its routes, with TLS trusting the sandbox CA.
type world struct {
	sb   *sandbox.Sandbox
	desc sandbox.Description
	tr   email.Transport
	http *http.Client
}

func start(t *testing.T, dir string) *world {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Dir: dir, AppOrigin: "http://127.0.0.1:8080", Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	store, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, err := store.Add("demo")
	if err != nil {
		t.Fatal(err)
	}
	cfg := relaytunnel.DefaultConfig()
	cfg.Routes = sb.Routes()
	relay := relaytunnel.New(cfg, store, relaytunnel.Options{Logger: slog.New(slog.DiscardHandler)})
	hs := httptest.NewServer(relay)
	t.Cleanup(hs.Close)
	d := &tunnel.Dialer{RelayURL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/", Token: token}
	desc := sb.Description()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(desc.TrustedCA)) {
		t.Fatal("no CA in the description")
	}
	tlsFor := func(host string) *tls.Config { return &tls.Config{ServerName: host, RootCAs: pool} }
	return &world{sb: sb, desc: desc, tr: email.Transport{Dial: d.DialContext, TLSConfig: tlsFor},
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{RootCAs: pool}}}}
}

func TestSandboxThroughRelay(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := start(t, dir)

	// Autoconfig finds the servers; the IMAP login works; the story is in the mailbox.
	disc := autoconfig.Discoverer{HTTP: w.http, Transport: w.tr}
	res, err := disc.Discover(ctx, w.desc.Email.Address)
	if err != nil {
		t.Fatal(err)
	}
	if res.Settings.IMAP.Host != sandbox.IMAPHost || res.Settings.SMTP.Host != sandbox.SMTPHost {
		t.Fatalf("autoconfig: %+v", res.Settings)
	}
	settings := res.Settings
	settings.Address, settings.Name = w.desc.Email.Address, w.desc.Email.Name
	acct := &email.Account{ID: "demo", Settings: settings, Password: w.desc.Email.Password, Transport: w.tr}
	inbox := func() uint32 {
		c, err := acct.DialIMAP(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
		if err != nil {
			t.Fatal(err)
		}
		return *st.NumMessages
	}
	seeded := inbox()
	if seeded < 300 {
		t.Fatalf("INBOX holds %d messages", seeded)
	}

	// Camille's key is in the sandbox's WKD, and it is the key of her signed mail.
	key, err := wkd.New(w.http).Lookup(ctx, "camille@"+sandbox.MailDomain)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := pgp.ParsePublic(key)
	if err != nil || pub.Address() != "camille@"+sandbox.MailDomain {
		t.Fatalf("WKD key %v %v", pub, err)
	}

	// The demo key opens with the demo passphrase.
	me, err := pgp.ImportSecret([]byte(w.desc.Key), []byte(w.desc.KeyPassphrase))
	if err != nil {
		t.Fatal(err)
	}

	// Mail to Camille with the user's Autocrypt key: she answers, encrypted to that key.
	header, err := pgp.AutocryptHeader(me, "mutual")
	if err != nil {
		t.Fatal(err)
	}
	var h gomail.Header
	h.SetAddressList("From", []*gomail.Address{{Name: "Alex Martin", Address: w.desc.Email.Address}})
	h.SetAddressList("To", []*gomail.Address{{Address: "camille@" + sandbox.MailDomain}})
	h.SetSubject("Numbers received")
	h.SetMessageID("test-1@" + sandbox.MailDomain)
	h.Set("Autocrypt", header)
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	var raw strings.Builder
	mw, _ := gomail.CreateSingleInlineWriter(&raw, h)
	io.WriteString(mw, "Thanks Camille.\r\n")
	mw.Close()
	if err := smtpsend.Submit(ctx, acct, &smtpsend.Envelope{MessageID: "<test-1@" + sandbox.MailDomain + ">",
		From: w.desc.Email.Address, Rcpt: []string{"camille@" + sandbox.MailDomain}, Raw: []byte(raw.String())}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for inbox() == seeded {
		if time.Now().After(deadline) {
			t.Fatal("Camille did not answer")
		}
		time.Sleep(200 * time.Millisecond)
	}

	if last := lastInbox(t, ctx, acct); !strings.Contains(last, "multipart/encrypted") || !strings.Contains(last, "camille@caliopen.test") {
		t.Fatalf("Camille's answer is not encrypted:\n%.600s", last)
	}
	// The opened answer is signed by the key WKD gave, and readable with the demo key.
	opened, err := pgp.Open([]byte(lastInbox(t, ctx, acct)), pgp.Keys{Own: []*pgp.SecretKey{me}})
	if err != nil {
		t.Fatal(err)
	}
	if !opened.Security.Encrypted || opened.Security.Signature == "" {
		t.Fatalf("security %+v", opened.Security)
	}

	// The timeline delivers mail; a restart keeps what was delivered and the CA.
	for range 2 {
		if err := w.sb.Next(); err != nil {
			t.Fatal(err)
		}
	}
	before := inbox()
	w.sb.Close()
	w2 := start(t, dir)
	if w2.desc.TrustedCA != w.desc.TrustedCA || w2.desc.Key != w.desc.Key {
		t.Fatal("a restart changed the CA or the demo key")
	}
	acct.Transport = w2.tr
	if after := inbox(); after != before {
		t.Fatalf("INBOX had %d messages, %d after a restart", before, after)
	}
}

// lastInbox returns the newest message of INBOX, whole.
func lastInbox(t *testing.T, ctx context.Context, acct *email.Account) string {
	t.Helper()
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(sel.NumMessages), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("fetch: %v", err)
	}
	for _, b := range msgs[0].BodySection {
		return string(b.Bytes)
	}
	return ""
}

// The mail provider's password page changes the demo password, as a user does at their
// provider: the open IMAP session ends, the old password no longer opens IMAP or SMTP, the new
// one does, and the description the relay serves says it.
func TestPasswordChangedAtTheProvider(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w := start(t, dir)
	res, err := (&autoconfig.Discoverer{HTTP: w.http, Transport: w.tr}).Discover(ctx, w.desc.Email.Address)
	if err != nil {
		t.Fatal(err)
	}
	settings := res.Settings
	settings.Address = w.desc.Email.Address
	old := &email.Account{ID: "demo", Settings: settings, Password: w.desc.Email.Password, Transport: w.tr}
	open, err := old.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()

	if !strings.HasPrefix(w.desc.Email.PasswordPage, "http://127.0.0.1:") {
		t.Fatalf("password page %q", w.desc.Email.PasswordPage)
	}
	page, err := http.Get(w.desc.Email.PasswordPage)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(body), `<form method="post">`) {
		t.Fatalf("the password page: %s", body)
	}
	r, err := http.PostForm(w.desc.Email.PasswordPage, map[string][]string{"password": {"a new demo password"}})
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("changing the password: %v %v", r, err)
	}
	r.Body.Close()

	if err := open.Noop().Wait(); err == nil {
		t.Fatal("the session opened with the old password is still open")
	}
	if _, err := old.DialIMAP(ctx, nil); !errors.Is(err, email.ErrAuth) {
		t.Fatalf("IMAP with the old password: %v", err)
	}
	if _, err := old.DialSMTP(ctx); !errors.Is(err, email.ErrAuth) {
		t.Fatalf("SMTP with the old password: %v", err)
	}
	now := *old
	now.Password = "a new demo password"
	c, err := now.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	sc, err := now.DialSMTP(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc.Close()
	if w.sb.Description().Email.Password != "a new demo password" {
		t.Fatal("the description keeps the old password")
	}
	b, err := os.ReadFile(w.sb.DescriptionFile())
	if err != nil || !strings.Contains(string(b), "a new demo password") {
		t.Fatalf("the description file: %v", err)
	}
}
