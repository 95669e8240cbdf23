package email_test

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/internal/testmail"
)

// An unknown certificate fails with its fingerprint; pinning that fingerprint then connects.
func TestCertFingerprintAndPin(t *testing.T) {
	ca := testmail.NewCA(t)
	im := testmail.StartIMAP(t, ca, "jo", "pw")
	acct := testmail.Account(ca, im, nil, "jo", "pw")
	acct.TLSConfig = nil // system roots: the test CA is unknown
	ctx := testmail.Context(t, 10*time.Second)
	_, err := acct.DialIMAP(ctx, nil)
	fp, cert, ok := email.CertFingerprint(err)
	if !ok {
		t.Fatalf("no fingerprint in %v", err)
	}
	sum := sha256.Sum256(ca.Server.Certificate[0])
	if fp != email.FormatFingerprint(sum[:]) || cert.Subject.CommonName != "localhost" || len(fp) != 95 {
		t.Fatalf("fingerprint %s", fp)
	}
	acct.TLSConfig = func(host string) *tls.Config { return email.PinnedConfig(host, fp) }
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	// Another certificate is refused under that pin.
	acct.TLSConfig = func(host string) *tls.Config { return email.PinnedConfig(host, "00:11") }
	if _, err := acct.DialIMAP(ctx, nil); err == nil {
		t.Fatal("a certificate other than the pinned one was accepted")
	}
	// A wrong password is a typed error.
	acct.TLSConfig = func(host string) *tls.Config { return email.PinnedConfig(host, fp) }
	acct.Password = "nope"
	if _, err := acct.DialIMAP(ctx, nil); !errors.Is(err, email.ErrAuth) {
		t.Fatal(err)
	}
}

func TestBackoff(t *testing.T) {
	b := email.Backoff{Min: time.Second, Max: 10 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		if got := b.Delay(n); got != want {
			t.Errorf("Delay(%d) = %s, want %s", n, got, want)
		}
	}
}

func TestSettingsRoundTripThroughModel(t *testing.T) {
	s := email.Settings{Address: "jo@example.org", Username: "jo", Aliases: []string{"j@example.org"}, ServerFilesSent: true,
		IMAP: email.Server{Host: "imap.example.org", Port: 993, Security: email.ImplicitTLS},
		SMTP: email.Server{Host: "smtp.example.org", Port: 587, Security: email.StartTLS}}
	a := s.NewModelAccount("a1", "vault:a1")
	back, err := email.SettingsFromModel(a)
	if err != nil {
		t.Fatal(err)
	}
	if back.IMAP != s.IMAP || back.SMTP != s.SMTP || back.Username != "jo" || !back.ServerFilesSent || !back.Own("J@example.org") || a.Identity != "email:jo@example.org" {
		t.Fatalf("%+v", back)
	}
	a.Settings["imap.security"] = "none"
	if _, err := email.SettingsFromModel(a); !errors.Is(err, email.ErrInsecure) {
		t.Fatal(err)
	}
}
