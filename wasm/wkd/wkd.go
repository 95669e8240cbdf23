// Package wkd looks up OpenPGP keys in Web Key Directories
// (draft-koch-openpgp-webkey-service): the advanced method on the openpgpkey subdomain
// first, the direct method on the domain only when that subdomain does not answer, the
// policy file checked, results cached. It takes an *http.Client, so the app can dial
// through the relay tunnel with TLS in the browser.
//
// Written here because the one Go WKD library (emersion/go-openpgp-wkd) follows draft 06:
// direct method only, the default HTTP client, and the frozen x/crypto/openpgp keys.
package wkd

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// zbase32 is z-base-32 (used by WKD for the hashed local part): the standard library's
// base32 with that alphabet, no padding; a SHA-1 is exactly 32 characters.
var zbase32 = base32.NewEncoding("ybndrfg8ejkmcpqxot1uwisza345h769").WithPadding(base32.NoPadding)

// maxKeySize bounds a directory's answer.
const maxKeySize = 1 << 20

// Errors of a lookup.
var (
	ErrNotFound   = errors.New("wkd: no key published for this address")
	ErrNoWKD      = errors.New("wkd: the domain publishes no Web Key Directory")
	ErrBadAddress = errors.New("wkd: not an e-mail address")
)

// Hash returns the WKD hash of a local part: z-base-32 of the SHA-1 of the local part with
// ASCII letters lower-cased.
func Hash(local string) string {
	sum := sha1.Sum([]byte(asciiLower(local)))
	return zbase32.EncodeToString(sum[:])
}

// method is one of WKD's two URL layouts.
type method struct {
	name       string
	host, base string // base ends with "/"
}

func methods(addr string) (local, domain string, ms []method, err error) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", nil, ErrBadAddress
	}
	local, domain = addr[:at], strings.ToLower(addr[at+1:])
	advHost := "openpgpkey." + domain
	return local, domain, []method{
		{"advanced", advHost, "https://" + advHost + "/.well-known/openpgpkey/" + domain + "/"},
		{"direct", domain, "https://" + domain + "/.well-known/openpgpkey/"},
	}, nil
}

// URLs returns the advanced and direct key URLs for addr, with the ?l= parameter.
func URLs(addr string) (advanced, direct string, err error) {
	local, _, ms, err := methods(addr)
	if err != nil {
		return "", "", err
	}
	q := "hu/" + Hash(local) + "?l=" + url.QueryEscape(local)
	return ms[0].base + q, ms[1].base + q, nil
}

// Client looks up keys and caches the answers. Safe for concurrent use.
type Client struct {
	HTTP    *http.Client
	TTL     time.Duration // how long a found key is cached (default 24 h)
	MissTTL time.Duration // how long "no key" is cached (default 1 h)
	now     func() time.Time
	mu      sync.Mutex
	cache   map[string]cached
}

type cached struct {
	keys    []byte
	err     error
	expires time.Time
}

// New returns a client using hc.
func New(hc *http.Client) *Client {
	return &Client{HTTP: hc, TTL: 24 * time.Hour, MissTTL: time.Hour, now: time.Now, cache: map[string]cached{}}
}

// Lookup returns the binary public key(s) published for addr whose user ids carry addr.
// ErrNotFound and ErrNoWKD are cached for MissTTL; network errors are not cached.
func (c *Client) Lookup(ctx context.Context, addr string) ([]byte, error) {
	addr = strings.TrimSpace(addr)
	key := strings.ToLower(addr)
	c.mu.Lock()
	if e, ok := c.cache[key]; ok && c.now().Before(e.expires) {
		c.mu.Unlock()
		return e.keys, e.err
	}
	c.mu.Unlock()
	keys, err := c.lookup(ctx, addr)
	switch {
	case err == nil:
		c.store(key, cached{keys: keys, expires: c.now().Add(c.TTL)})
	case errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoWKD):
		c.store(key, cached{err: err, expires: c.now().Add(c.MissTTL)})
	}
	return keys, err
}

func (c *Client) store(key string, e cached) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cache[key] = e
}

// lookup tries the advanced method, then the direct one only if the openpgpkey subdomain
// gave no HTTP answer at all (it does not resolve or does not accept connections).
func (c *Client) lookup(ctx context.Context, addr string) ([]byte, error) {
	local, _, ms, err := methods(addr)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for _, m := range ms {
		keys, answered, err := c.try(ctx, m, local, addr)
		if answered {
			return keys, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("%w (%v)", ErrNoWKD, lastErr)
}

// try runs one method: the policy file must exist, then the key is fetched. answered is
// false when the host gave no HTTP response.
func (c *Client) try(ctx context.Context, m method, local, addr string) (keys []byte, answered bool, err error) {
	status, _, err := c.get(ctx, m.base+"policy")
	if err != nil {
		return nil, false, err
	}
	if status != http.StatusOK {
		return nil, true, fmt.Errorf("%w: no policy file at %s (%d)", ErrNoWKD, m.host, status)
	}
	status, body, err := c.get(ctx, m.base+"hu/"+Hash(local)+"?l="+url.QueryEscape(local))
	if err != nil {
		return nil, true, err
	}
	if status == http.StatusNotFound {
		return nil, true, ErrNotFound
	}
	if status != http.StatusOK {
		return nil, true, fmt.Errorf("wkd: %s answered %d", m.host, status)
	}
	keys, err = keysFor(body, addr)
	return keys, true, err
}

func (c *Client) get(ctx context.Context, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySize+1))
	if err != nil {
		return 0, nil, err
	}
	if len(body) > maxKeySize {
		return 0, nil, errors.New("wkd: answer too large")
	}
	return resp.StatusCode, body, nil
}

// keysFor keeps the keys of a directory answer that carry addr in a user id (the draft asks
// clients to filter), as binary public keys.
func keysFor(body []byte, addr string) ([]byte, error) {
	kr, err := crypto.NewKeyRingFromBinary(body)
	if err != nil {
		return nil, fmt.Errorf("wkd: the answer is not an OpenPGP key: %w", err)
	}
	var out bytes.Buffer
	for _, k := range kr.GetKeys() {
		for _, id := range k.GetEntity().Identities {
			if id.UserId != nil && strings.EqualFold(id.UserId.Email, addr) {
				pub, err := k.GetPublicKey()
				if err == nil {
					out.Write(pub)
				}
				break
			}
		}
	}
	if out.Len() == 0 {
		return nil, fmt.Errorf("%w: the published key does not carry %s", ErrNotFound, addr)
	}
	return out.Bytes(), nil
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
