package emailtest

import (
	"crypto/tls"

	"caliopen/wasm/email"
	"caliopen/wasm/tunnel"
)

// TunnelTransport reaches servers through a relay tunnel, TLS ending here (in the browser when
// compiled to WebAssembly) and trusting caPEM besides the embedded roots: the app's transport
// with a test CA.
func TunnelTransport(relayURL, token string, caPEM []byte) email.Transport {
	d := &tunnel.Dialer{RelayURL: relayURL, Token: token}
	return email.Transport{Dial: d.DialContext, TLSConfig: func(host string) *tls.Config {
		cfg, err := tunnel.TLSConfig(host, caPEM, "")
		if err != nil {
			panic(err) // a test fixture's PEM is well formed
		}
		return cfg
	}}
}
