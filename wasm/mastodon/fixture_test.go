//go:build !js

package mastodon_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

const domain = "fake.example"

// fixture is a fake instance with the user alice, and a connector for her.
type fixture struct {
	fake  *mastodonfake.Server
	alice string // account id on the fake
	repo  *repo.Repo
	conn  *mastodon.Connector
}

// loopback sends every request, whatever its host, to the fake's listener (so that
// "fake.example" resolves to it, for WebFinger).
func loopback(fake *mastodonfake.Server) http.RoundTripper {
	u, _ := url.Parse(fake.BaseURL)
	return &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, u.Host)
	}}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fake := mastodonfake.Start(t, domain)
	fake.Heartbeat = 200 * time.Millisecond
	f := &fixture{fake: fake, alice: fake.AddLocal("alice", "Alice")}
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	f.repo = repo.New(db)
	f.conn = f.open(t, fake.Token(f.alice))
	return f
}

func (f *fixture) open(t *testing.T, token string) *mastodon.Connector {
	t.Helper()
	c, err := mastodon.Open(context.Background(), mastodon.Config{
		AccountID: "acct-1", Instance: f.fake.BaseURL, Token: token, Self: model.IdentityURI("mastodon:alice@" + domain),
		Repo: f.repo, PollInterval: 100 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
		IdleTimeout: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) message(t *testing.T, statusID string) (model.Message, bool) {
	t.Helper()
	m, err := f.repo.Message(context.Background(), model.MessageID("acct-1", statusID))
	if err != nil {
		return m, false
	}
	return m, true
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
