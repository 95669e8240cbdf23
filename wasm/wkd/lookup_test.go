//go:build !js

package wkd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// directory is a fake WKD: hosts is Host -> path -> body (with query).
type directory struct {
	hosts map[string]map[string][]byte
	hits  atomic.Int32
}

func (d *directory) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.hits.Add(1)
	body, ok := d.hosts[r.Host][r.URL.RequestURI()]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(body)
}

// client returns a client whose transport sends every host in served to srv and fails DNS
// for any other.
func client(srv *httptest.Server, served ...string) *http.Client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		for _, h := range served {
			if h == host {
				return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
			}
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	tr.TLSClientConfig = &tls.Config{RootCAs: tr.TLSClientConfig.RootCAs}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

func pubKey(t *testing.T, email string) []byte {
	t.Helper()
	k, err := crypto.PGP().KeyGeneration().AddUserId("", email).New().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := k.GetPublicKey()
	return b
}

func TestLookup(t *testing.T) {
	joe := pubKey(t, "Joe.Doe@example.com")
	other := pubKey(t, "someone@example.com")
	ann := pubKey(t, "ann@direct.example.com")
	hu := "/.well-known/openpgpkey/"
	d := &directory{hosts: map[string]map[string][]byte{
		// advanced method for example.com; the direct host must not be asked
		"openpgpkey.example.com": {
			hu + "example.com/policy":                               {},
			hu + "example.com/hu/" + Hash("joe.doe") + "?l=Joe.Doe": append(append([]byte{}, other...), joe...),
			hu + "example.com/hu/" + Hash("mallory") + "?l=mallory": other,
		},
		"example.com": {
			hu + "policy":                       {},
			hu + "hu/" + Hash("bob") + "?l=bob": pubKey(t, "bob@example.com"),
		},
		// direct method: openpgpkey.direct.example.com does not resolve
		"direct.example.com": {
			hu + "policy":                       {},
			hu + "hu/" + Hash("ann") + "?l=ann": ann,
		},
		// a domain without policy file
		"openpgpkey.nopolicy.example.com": {},
	}}
	srv := httptest.NewTLSServer(d)
	defer srv.Close()
	c := New(client(srv, "openpgpkey.example.com", "example.com", "direct.example.com", "openpgpkey.nopolicy.example.com", "nopolicy.example.com"))
	ctx := context.Background()

	got, err := c.Lookup(ctx, "Joe.Doe@example.com")
	if err != nil || !bytes.Equal(got, joe) {
		t.Fatalf("advanced: %v (got %d bytes)", err, len(got))
	}
	if _, err := c.Lookup(ctx, "bob@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("direct used although the openpgpkey subdomain answers: %v", err)
	}
	if _, err := c.Lookup(ctx, "mallory@example.com"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "does not carry") {
		t.Errorf("key without the address accepted: %v", err)
	}
	if got, err := c.Lookup(ctx, "ann@direct.example.com"); err != nil || !bytes.Equal(got, ann) {
		t.Errorf("direct: %v", err)
	}
	if _, err := c.Lookup(ctx, "x@nopolicy.example.com"); !errors.Is(err, ErrNoWKD) {
		t.Errorf("no policy: %v", err)
	}
	if _, err := c.Lookup(ctx, "x@unknown.example.com"); !errors.Is(err, ErrNoWKD) {
		t.Errorf("unresolvable domain: %v", err)
	}

	// cached: no request until the TTL passes
	before := d.hits.Load()
	now := time.Now()
	c.now = func() time.Time { return now }
	if _, err := c.Lookup(ctx, "joe.doe@EXAMPLE.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(ctx, "bob@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if d.hits.Load() != before {
		t.Errorf("cached lookups went to the network")
	}
	c.now = func() time.Time { return now.Add(25 * time.Hour) }
	if _, err := c.Lookup(ctx, "Joe.Doe@example.com"); err != nil || d.hits.Load() == before {
		t.Errorf("expired cache entry not refreshed: %v", err)
	}
}
