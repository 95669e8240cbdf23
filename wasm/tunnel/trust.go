package tunnel

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"time"
)

// Anchor is a private certificate authority the user trusts for some domains only: a
// self-hosted organisation's CA, or the demo sandbox's. It never vouches for other names,
// and the embedded public roots stay trusted next to it.
type Anchor struct {
	CAPEM   string   `json:"caPem"`
	Domains []string `json:"domains"` // "example.org" covers it and every name under it
}

// Covers reports whether host is one of the anchor's domains or a name under one.
func (a Anchor) Covers(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for _, d := range a.Domains {
		d = strings.TrimSuffix(strings.ToLower(d), ".")
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}

// ExtraCAFor returns the PEM certificates of the anchors covering host.
func ExtraCAFor(anchors []Anchor, host string) []byte {
	var out []byte
	for _, a := range anchors {
		if a.Covers(host) {
			out = append(out, a.CAPEM...)
			out = append(out, '\n')
		}
	}
	return out
}

// TLSFor is TLSConfig for host with the dialer's anchors that cover it.
func (d *Dialer) TLSFor(host string, pinnedSHA256 ...string) (*tls.Config, error) {
	return TLSConfig(host, ExtraCAFor(d.Anchors, host), pinnedSHA256...)
}

// HTTPClient calls HTTPS servers through the tunnel, TLS ending here and verified against
// the embedded roots plus the anchors covering each server's name.
func (d *Dialer) HTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialTLSContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			cfg, err := d.TLSFor(host)
			if err != nil {
				return nil, err
			}
			return d.DialTLS(ctx, addr, cfg)
		},
		DialContext:         d.DialContext, // plain http:// URLs (autoconfig redirects may use them)
		TLSHandshakeTimeout: 20 * time.Second,
	}}
}
