package x

import (
	"net/http"
	"time"

	"caliopen/wasm/tunnel"
)

// NewHTTPClient returns the http.Client for X: every connection is dialled through the relay
// tunnel and TLS (from tunnel.TLSConfig) is negotiated here, so the relay forwards only
// ciphertext. Redirects are not followed: the API never redirects, and a redirect is
// reported instead of being followed through the tunnel.
// extraCAPEM adds CA certificates to the built-in roots (tests, a sandbox); nil for X.
func NewHTTPClient(d *tunnel.Dialer, extraCAPEM []byte) (*http.Client, error) {
	cfg, err := tunnel.TLSConfig("", extraCAPEM, "")
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			TLSClientConfig:     cfg,
			ForceAttemptHTTP2:   false,
			MaxIdleConnsPerHost: 2,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       60 * time.Second,
	}, nil
}
