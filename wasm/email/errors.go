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

// Protocols of an account's two servers.
const (
	ProtoIMAP = "imap"
	ProtoSMTP = "smtp"
)

// ServerError is a failure to connect to one of the account's servers (Proto says which):
// what the user is told to fix names the server, and a certificate pinned after it is the
// certificate of that server's host.
type ServerError struct {
	Proto  string // ProtoIMAP or ProtoSMTP
	Server Server
	Err    error
}

func (e *ServerError) Error() string { return e.Err.Error() }
func (e *ServerError) Unwrap() error { return e.Err }

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

// Codes of the problems only the user can fix (UserProblem).
const (
	ProblemAuth        = "auth"                  // the password was refused
	ProblemCertificate = "untrusted_certificate" // the certificate is not trusted, or not the pinned one
	ProblemInsecure    = "insecure"              // no encrypted connection is offered
)

// UserProblem says what err asks of the user, when only they can fix it (NeedsUser): a
// code (Problem*) and what it names: the server ("imap" or "smtp") and its host when known,
// and for a certificate its fingerprint, to compare and pin.
func UserProblem(err error) (code string, params map[string]string, ok bool) {
	params = map[string]string{}
	var se *ServerError
	if errors.As(err, &se) {
		params["server"], params["host"] = se.Proto, se.Server.Host
	}
	if fp, _, isCert := CertFingerprint(err); isCert {
		params["fingerprint"] = fp
		return ProblemCertificate, params, true
	}
	switch {
	case errors.Is(err, ErrAuth):
		return ProblemAuth, params, true
	case errors.Is(err, ErrInsecure):
		return ProblemInsecure, params, true
	}
	return "", nil, false
}
