package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// authority is the sandbox's own certificate authority: it signs one server certificate
// for every sandbox name. The app trusts it only for the sandbox's domains (under .test,
// which RFC 2606 keeps out of the real DNS), never for other names.
type authority struct {
	certPEM []byte
	server  tls.Certificate
}

// newAuthority loads the CA kept in dir (an app that trusted it keeps working after a
// restart) or makes one, then issues a fresh server certificate for names.
func newAuthority(dir string, names []string) (*authority, error) {
	caKey, caDER, err := loadCA(dir)
	if err != nil {
		caKey, caDER, err = makeCA(dir, names)
	}
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour), DNSNames: names,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("sandbox certificate: %w", err)
	}
	return &authority{
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		server:  tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key},
	}, nil
}

const caFile = "ca.pem" // the CA's key and certificate, PEM

func loadCA(dir string) (*ecdsa.PrivateKey, []byte, error) {
	b, err := os.ReadFile(filepath.Join(dir, caFile))
	if err != nil {
		return nil, nil, err
	}
	var key *ecdsa.PrivateKey
	var der []byte
	for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
		switch blk.Type {
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(blk.Bytes)
		case "CERTIFICATE":
			der = blk.Bytes
		}
	}
	if err != nil || key == nil || der == nil {
		return nil, nil, fmt.Errorf("sandbox CA file damaged")
	}
	return key, der, nil
}

func makeCA(dir string, names []string) (*ecdsa.PrivateKey, []byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	caTpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "Caliopen sandbox CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(5 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign, PermittedDNSDomains: domainsOf(names), PermittedDNSDomainsCritical: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox CA: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return nil, nil, err
	}
	out := append(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	if err := os.WriteFile(filepath.Join(dir, caFile), out, 0o600); err != nil {
		return nil, nil, err
	}
	return caKey, caDER, nil
}

func (a *authority) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{a.server}, MinVersion: tls.VersionTLS12}
}

// domainsOf returns the registrable parts (the last two labels) of names, once each.
func domainsOf(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		d := registrable(n)
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}
