package email

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
)

// ErrInsecure is returned, before any credential is sent, when a server cannot be reached
// securely: settings without TLS, or a server that does not offer STARTTLS.
var ErrInsecure = errors.New("email: refusing to send a password over an unencrypted connection")

// ErrAuth is returned when the server refused the user name or password.
var ErrAuth = errors.New("email: the server refused the user name or password")

// CertFingerprint returns the hex SHA-256 fingerprint of the server certificate that failed
// verification in err (a *tls.CertificateVerificationError anywhere in its chain), and the
// certificate itself, so that the UI can show it and offer to pin it. ok is false when err is
// not a certificate verification failure.
func CertFingerprint(err error) (fingerprint string, cert *x509.Certificate, ok bool) {
	var ve *tls.CertificateVerificationError
	if !errors.As(err, &ve) || len(ve.UnverifiedCertificates) == 0 {
		return "", nil, false
	}
	cert = ve.UnverifiedCertificates[0]
	sum := sha256.Sum256(cert.Raw)
	return FormatFingerprint(sum[:]), cert, true
}

// FormatFingerprint writes a digest as colon-separated upper-case hex pairs.
func FormatFingerprint(sum []byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// PinnedConfig returns a TLS configuration that accepts exactly the certificate whose SHA-256
// fingerprint (as FormatFingerprint writes it) is given, whatever its chain: what the user
// chose after seeing CertFingerprint.
func PinnedConfig(serverName, fingerprint string) *tls.Config {
	want := strings.ToUpper(fingerprint)
	return &tls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // replaced by the pin check below
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("email: the server sent no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if FormatFingerprint(sum[:]) != want {
				return errors.New("email: the server certificate is not the pinned one")
			}
			return nil
		},
	}
}

// NeedsUser reports whether err is one that retrying cannot fix: a refused password, a server
// that cannot be reached securely, an untrusted certificate (see CertFingerprint).
func NeedsUser(err error) bool {
	_, _, badCert := CertFingerprint(err)
	return badCert || errors.Is(err, ErrAuth) || errors.Is(err, ErrInsecure)
}
