//go:build !js

package autoconfig_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/autoconfig"
	"caliopen/wasm/email/emailtest"
)

// configServer serves the config file at host and path only, whatever host a request names;
// asked lists what was requested.
func configServer(t *testing.T, host, path string) (*http.Client, *[]string) {
	asked := &[]string{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*asked = append(*asked, r.Host+r.URL.RequestURI())
		if r.Host == host && r.URL.Path == path {
			w.Write([]byte(config))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, srv.Listener.Addr().String())
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test server's certificate names no test host
	}}, asked
}

// Both well-known locations, in order, over the injected HTTP client.
func TestDiscoverFromWellKnown(t *testing.T) {
	hc, asked := configServer(t, "example.org", "/.well-known/autoconfig/mail/config-v1.1.xml")
	d := &autoconfig.Discoverer{HTTP: hc}
	res, err := d.Discover(context.Background(), "jo@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(*asked) != 2 || (*asked)[0] != "autoconfig.example.org/mail/config-v1.1.xml?emailaddress=jo%40example.org" {
		t.Fatalf("asked %v", *asked)
	}
	if !strings.Contains(res.Source, "/.well-known/autoconfig/") || res.Settings.IMAP.Port != 993 {
		t.Fatalf("%+v", res)
	}
}

// A domain serving no config file of its own is looked up in the ISPDB, after its own
// locations, by domain only.
func TestDiscoverFromTheISPDB(t *testing.T) {
	hc, asked := configServer(t, "autoconfig.thunderbird.net", "/v1.1/example.org")
	d := &autoconfig.Discoverer{HTTP: hc, ISPDB: autoconfig.ThunderbirdISPDB}
	res, err := d.Discover(context.Background(), "jo@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if len(*asked) != 3 || (*asked)[2] != "autoconfig.thunderbird.net/v1.1/example.org" || res.Source != "https://autoconfig.thunderbird.net/v1.1/example.org" || res.Settings.IMAP.Port != 993 {
		t.Fatalf("asked %v, found %+v", *asked, res)
	}
}

// Without config files: the usual host names are probed; the first that answers securely wins.
func TestDiscoverByGuessing(t *testing.T) {
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "jo", "pw")
	sm := emailtest.StartSMTP(t, ca, "jo", "pw")
	routes := map[string]int{"mail.example.test:993": im.Port, "smtp.example.test:587": sm.StartTLS}
	var d net.Dialer
	tr := email.Transport{
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if p, ok := routes[addr]; ok {
				return d.DialContext(ctx, network, "127.0.0.1:"+strconv.Itoa(p))
			}
			return nil, errors.New("connection refused")
		},
		TLSConfig: func(string) *tls.Config { return &tls.Config{RootCAs: ca.Pool, ServerName: "localhost"} },
	}
	noHTTP := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("offline") })}
	disc := &autoconfig.Discoverer{HTTP: noHTTP, Transport: tr, ProbeTimeout: 2 * time.Second}
	res, err := disc.Discover(context.Background(), "jo@example.test")
	if err != nil {
		t.Fatal(err)
	}
	want := email.Settings{Address: "jo@example.test", Username: "jo@example.test",
		IMAP: email.Server{Host: "mail.example.test", Port: 993, Security: email.ImplicitTLS},
		SMTP: email.Server{Host: "smtp.example.test", Port: 587, Security: email.StartTLS}}
	if res.Source != "guess" || res.Settings.IMAP != want.IMAP || res.Settings.SMTP != want.SMTP {
		t.Fatalf("%+v", res)
	}
	// Nothing answers: the manual form.
	routes = nil
	if _, err := disc.Discover(context.Background(), "jo@example.test"); !errors.Is(err, autoconfig.ErrNotFound) {
		t.Fatal(err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
