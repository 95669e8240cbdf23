package tunnel

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// Roots returns a fresh pool holding the Mozilla NSS roots from
// golang.org/x/crypto/x509roots/fallback/bundle. WebAssembly has no system trust store, so
// the core carries its own; the bundle is parsed once and cloned per call.
func Roots() *x509.CertPool { return rootPool().Clone() }

var rootPool = sync.OnceValue(func() *x509.CertPool {
	p := x509.NewCertPool()
	for r := range bundle.Roots() {
		cert, err := x509.ParseCertificate(r.Certificate)
		if err != nil {
			continue // a root Go cannot parse cannot anchor a chain either
		}
		if r.Constraint != nil {
			p.AddCertWithConstraint(cert, r.Constraint)
		} else {
			p.AddCert(cert)
		}
	}
	return p
})

// TLSConfig returns the client TLS configuration for one account's server.
//
//   - serverName is the name to verify (and send as SNI).
//   - extraCAPEM, if not empty, adds the account's own CA certificates to the NSS roots.
//   - pinnedSHA256, if any is not empty, are hex SHA-256 fingerprints of the server's leaf
//     certificate (DER; colons and case ignored). A pinned server is accepted with exactly
//     one of those certificates, signed by any CA or self-signed, which is what a self-hosted
//     server with its own certificate needs; chain and name checks are then replaced by the
//     pin. Any other certificate fails with a *tls.CertificateVerificationError carrying it,
//     so that the user can be shown the new certificate's fingerprint.
func TLSConfig(serverName string, extraCAPEM []byte, pinnedSHA256 ...string) (*tls.Config, error) {
	cfg := &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12}
	var pins [][]byte
	for _, p := range pinnedSHA256 {
		if strings.TrimSpace(p) == "" {
			continue
		}
		pin, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(p), ":", ""))
		if err != nil || len(pin) != sha256.Size {
			return nil, errors.New("tunnel: pinned certificate fingerprint must be 64 hex digits")
		}
		pins = append(pins, pin)
	}
	if len(pins) > 0 {
		cfg.InsecureSkipVerify = true // replaced by the pin check below
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("tls: server sent no certificate")
			}
			got := sha256.Sum256(cs.PeerCertificates[0].Raw)
			for _, pin := range pins {
				if subtle.ConstantTimeCompare(got[:], pin) == 1 {
					return nil
				}
			}
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates,
				Err: fmt.Errorf("tls: certificate of %s does not match the pinned fingerprint (got %x)", serverName, got)}
		}
		return cfg, nil
	}
	pool := Roots()
	if len(extraCAPEM) > 0 && !pool.AppendCertsFromPEM(extraCAPEM) {
		return nil, errors.New("tunnel: no certificate found in the extra CA PEM")
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// DialTLS opens a tunnel to address and completes the TLS handshake in the client, which is
// where TLS ends: the relay only forwards the records. cfg usually comes from TLSConfig.
func (d *Dialer) DialTLS(ctx context.Context, address string, cfg *tls.Config) (*tls.Conn, error) {
	raw, err := d.DialContext(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	c := tls.Client(raw, cfg)
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}
