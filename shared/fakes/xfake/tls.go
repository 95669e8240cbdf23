package xfake

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// StartTLS serves the fake over HTTPS on a loopback port with a certificate for names (and
// 127.0.0.1) signed by a throwaway CA, which it returns in PEM for the client's trust.
func (s *Server) StartTLS(names ...string) (srv *httptest.Server, caPEM []byte, err error) {
	caPEM, cert, err := newPKI(names)
	if err != nil {
		return nil, nil, err
	}
	srv = httptest.NewUnstartedServer(s)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	return srv, caPEM, nil
}

// ServeTLS is StartTLS on a listener the caller opened (a port chosen in advance, for a
// relay that must be told which ports it may reach). It returns the server, the CA and the
// server's certificate, whose public key a browser may be told to trust.
func (s *Server) ServeTLS(l net.Listener, names ...string) (srv *httptest.Server, caPEM []byte, leaf *x509.Certificate, err error) {
	caPEM, cert, err := newPKI(names)
	if err != nil {
		return nil, nil, nil, err
	}
	if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
		return nil, nil, nil, err
	}
	srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: s}, TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}
	srv.StartTLS()
	return srv, caPEM, leaf, nil
}

func newPKI(names []string) ([]byte, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "xfake test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	cn := "api.x.test"
	if len(names) > 0 {
		cn = names[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: names, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
