//go:build !js

package mastodon_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/wasm/mastodon"
)

// authorize opens the authorization URL as the browser would and returns where the instance
// sends it back.
func authorize(t *testing.T, p *mastodon.Pending, rt http.RoundTripper) string {
	t.Helper()
	hc := &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(p.AuthorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s", resp.Status)
	}
	return resp.Header.Get("Location")
}

func TestSignInWithPKCE(t *testing.T) {
	fake := mastodonfake.Start(t, domain)
	alice := fake.AddLocal("alice", "Alice")
	fake.SignIn(alice)
	rt := loopback(fake)
	s := &mastodon.SignIn{RedirectURI: "https://app.example/oauth/mastodon", Transport: rt, AllowHTTP: true}
	ctx := context.Background()

	p, err := s.Start(ctx, "@alice@"+domain) // WebFinger on the handle's domain finds the instance
	if err != nil {
		t.Fatal(err)
	}
	if p.Instance != fake.BaseURL {
		t.Fatalf("instance %q, want %q", p.Instance, fake.BaseURL)
	}
	q := mustQuery(t, p.AuthorizeURL)
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		t.Fatalf("authorize URL without PKCE or state: %s", p.AuthorizeURL)
	}
	if q.Get("scope") != mastodon.Scopes {
		t.Fatalf("scope %q", q.Get("scope"))
	}
	back := authorize(t, p, rt)

	// A callback with another state is refused before the code is used.
	forged := strings.Replace(back, "state="+url.QueryEscape(p.State), "state=forged", 1)
	if _, err := s.Finish(ctx, p, forged); !errors.Is(err, mastodon.ErrStateMismatch) {
		t.Fatalf("forged state: %v", err)
	}
	// A wrong verifier is refused by the instance.
	wrong := *p
	wrong.Verifier = "not-the-verifier-not-the-verifier-not-the-verifier"
	if _, err := s.Finish(ctx, &wrong, back); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("wrong verifier: %v", err)
	}

	p2, err := s.Start(ctx, fake.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	creds, err := s.Finish(ctx, p2, authorize(t, p2, rt))
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessToken == "" || creds.Account.URI != "mastodon:alice@"+domain || !creds.Account.Own {
		t.Fatalf("credentials: %+v", creds)
	}
	if creds.Account.AccountURI != fake.BaseURL+"/users/alice" {
		t.Fatalf("account URI %q", creds.Account.AccountURI)
	}
	// The token works for the connector's calls (read and write scopes were granted).
	if _, err := mastodon.NewClient(creds.Instance, creds.AccessToken, rt).VerifyCredentials(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestSignInLegacyAndPastedToken(t *testing.T) {
	fake := mastodonfake.Start(t, domain)
	fake.Legacy = true
	alice := fake.AddLocal("alice", "Alice")
	fake.SignIn(alice)
	rt := loopback(fake)
	s := &mastodon.SignIn{RedirectURI: "https://app.example/cb", Transport: rt, AllowHTTP: true}
	ctx := context.Background()
	p, err := s.Start(ctx, fake.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	if q := mustQuery(t, p.AuthorizeURL); q.Get("code_challenge") != "" || q.Get("scope") != mastodon.LegacyScopes {
		t.Fatalf("pre-4.3 instance: %s", p.AuthorizeURL)
	}
	if _, err := s.Finish(ctx, p, authorize(t, p, rt)); err != nil {
		t.Fatal(err)
	}

	creds, err := s.WithToken(ctx, fake.BaseURL, fake.Token(alice, "read:accounts"))
	if err != nil || creds.Account.URI != "mastodon:alice@"+domain {
		t.Fatalf("pasted token: %+v %v", creds, err)
	}
	if _, err := s.WithToken(ctx, fake.BaseURL, "bogus"); err == nil {
		t.Fatal("a bad token was accepted")
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
