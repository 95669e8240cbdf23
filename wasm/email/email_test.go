//go:build !js

package email_test

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
)

// An unknown certificate fails with its fingerprint; pinning that fingerprint then connects.
func TestCertFingerprintAndPin(t *testing.T) {
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "jo", "pw")
	acct := emailtest.Account(ca, im, nil, "jo", "pw")
	acct.TLSConfig = nil // system roots: the test CA is unknown
	ctx := emailtest.Context(t, 10*time.Second)
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
