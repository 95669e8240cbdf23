//go:build !js

package mastodon_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/wasm/mastodon"
)

// run starts the connector's live loop and records its states.
func run(t *testing.T, c *mastodon.Connector) (states func() []mastodon.State) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var seen []mastodon.State
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, func(s mastodon.Status) {
			mu.Lock()
			seen = append(seen, s.State)
			mu.Unlock()
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func() []mastodon.State {
		mu.Lock()
		defer mu.Unlock()
		return append([]mastodon.State{}, seen...)
	}
}

func TestLiveReconnectsAndCatchesUp(t *testing.T) {
	f := newFixture(t)
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	states := run(t, f.conn)
	eventually(t, "live", func() bool { return f.conn.Status().State == mastodon.Live && f.fake.OpenStreams() == 1 })

	if h := f.fake.LastHeaders("GET /api/v1/streaming/direct"); !strings.HasPrefix(h.Get("Authorization"), "Bearer ") {
		t.Fatal("the stream was not opened with a bearer token")
	}
	live := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "over the stream"})
	eventually(t, "the streamed status", func() bool { _, ok := f.message(t, live.ID); return ok })

	f.fake.DropStreams()
	missed := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "while the stream was down", InReplyTo: live.ID})
	eventually(t, "the status sent while down", func() bool { _, ok := f.message(t, missed.ID); return ok })
	eventually(t, "live again", func() bool { return f.conn.Status().State == mastodon.Live && f.fake.OpenStreams() == 1 })
	got := states()
	if !strings.Contains(strings.Trim(strings.Join(stateNames(got), " "), " "), "live polling connecting live") {
		t.Fatalf("states %v", got)
	}
}

func TestLiveEditAndDelete(t *testing.T) {
	f := newFixture(t)
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	st := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "first draft"})
	other := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "oops", InReplyTo: st.ID})
	run(t, f.conn)
	eventually(t, "live with both statuses", func() bool {
		_, a := f.message(t, st.ID)
		_, b := f.message(t, other.ID)
		return f.conn.Status().State == mastodon.Live && a && b
	})
	f.fake.Edit(st.ID, "final text")
	eventually(t, "the edit", func() bool {
		m, _ := f.message(t, st.ID)
		return !m.EditedAt.IsZero() && m.Snippet == "final text" && m.ConversationID != ""
	})
	f.fake.Delete(other.ID)
	eventually(t, "the deletion", func() bool { _, ok := f.message(t, other.ID); return !ok })
}

func stateNames(ss []mastodon.State) []string {
	var out []string
	for _, s := range ss {
		out = append(out, string(s))
	}
	return out
}

func TestLiveStopsOnRevokedToken(t *testing.T) {
	f := newFixture(t)
	tok := f.fake.Token(f.alice)
	c := f.open(t, tok)
	f.fake.Revoke(tok)
	errc := make(chan error, 1)
	go func() { errc <- c.Run(context.Background(), nil) }()
	select {
	case err := <-errc:
		if err == nil || c.Status().State != mastodon.Error || !strings.Contains(c.Status().Message, "sign in again") || c.Status().Problem != mastodon.ProblemTokenRefused {
			t.Fatalf("run: %v, status %+v", err, c.Status())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a revoked token kept the loop reconnecting")
	}
}
