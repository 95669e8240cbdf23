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
	eventually(t, "live", func() bool { return f.conn.Status().State == mastodon.Live && f.fake.OpenStreams() == 2 })

	for _, name := range []string{"direct", "user"} {
		if h := f.fake.LastHeaders("GET /api/v1/streaming/" + name); !strings.HasPrefix(h.Get("Authorization"), "Bearer ") {
			t.Fatalf("the %s stream was not opened with a bearer token", name)
		}
	}
	live := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "over the stream"})
	eventually(t, "the streamed status", func() bool { _, ok := f.message(t, live.ID); return ok })

	f.fake.DropStreams()
	missed := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "while the stream was down", InReplyTo: live.ID})
	eventually(t, "the status sent while down", func() bool { _, ok := f.message(t, missed.ID); return ok })
	eventually(t, "live again", func() bool { return f.conn.Status().State == mastodon.Live && f.fake.OpenStreams() == 2 })
	got := states()
	if !strings.Contains(strings.Trim(strings.Join(stateNames(got), " "), " "), "live polling connecting live") {
		t.Fatalf("states %v", got)
	}
}

// Edits and deletions arrive live on a real instance: not on the direct stream (Mastodon sends
// neither there), but on the user stream, which carries the edits of private mentions for a
// token with read:notifications and the deletions of every status that mentions the user.
func TestLiveEditAndDelete(t *testing.T) {
	f := newFixture(t)
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	st := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "first draft"})
	other := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "oops", InReplyTo: st.ID})
	alone := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice, f.fake.AddLocal("carol", "Carol")}, Text: "only one"})
	run(t, f.conn)
	eventually(t, "live with the statuses", func() bool {
		_, a := f.message(t, st.ID)
		_, b := f.message(t, other.ID)
		_, c := f.message(t, alone.ID)
		return f.conn.Status().State == mastodon.Live && a && b && c
	})
	conversations := f.fake.Requests("GET /api/v1/conversations")
	f.fake.Edit(st.ID, "final text")
	eventually(t, "the edit", func() bool {
		m, _ := f.message(t, st.ID)
		return !m.EditedAt.IsZero() && m.Snippet == "final text" && m.ConversationID != ""
	})
	f.fake.Delete(other.ID)
	eventually(t, "the deletion", func() bool { _, ok := f.message(t, other.ID); return !ok })
	// The only status of a conversation: Mastodon destroys the conversation without a word on
	// the direct stream; the user stream's delete still arrives.
	f.fake.Delete(alone.ID)
	eventually(t, "the deletion of a conversation's only status", func() bool { _, ok := f.message(t, alone.ID); return !ok })
	if n := f.fake.Requests("GET /api/v1/conversations"); n != conversations {
		t.Fatalf("%d conversation lists read while live: the changes came by REST, not the streams", n-conversations)
	}
}

// A token without read:notifications (one made before Caliopen asked for it, or a pasted one)
// gets no live edit from someone the user does not follow: Reconcile repairs it. An edit by
// someone the user follows arrives through the home timeline.
func TestEditsWithoutNotificationScope(t *testing.T) {
	f := newFixture(t)
	conn := f.open(t, f.fake.Token(f.alice, "profile", "read:statuses", "write:statuses", "write:conversations"))
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	carol := f.fake.AddRemote("carol", "other.example", "Carol")
	f.fake.Follow(f.alice, carol)
	fromBob := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "from bob"})
	fromCarol := f.fake.Post(mastodonfake.Post{Author: carol, To: []string{f.alice}, Text: "from carol"})
	run(t, conn)
	eventually(t, "live", func() bool { _, ok := f.message(t, fromCarol.ID); return conn.Status().State == mastodon.Live && ok })

	f.fake.Edit(fromBob.ID, "bob edited")
	f.fake.Edit(fromCarol.ID, "carol edited")
	eventually(t, "the followed account's edit", func() bool { m, _ := f.message(t, fromCarol.ID); return m.Snippet == "carol edited" })
	// A later event came through; bob's edit, sent before it, did not.
	late := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "later", InReplyTo: fromBob.ID})
	eventually(t, "a later status", func() bool { _, ok := f.message(t, late.ID); return ok })
	if m, _ := f.message(t, fromBob.ID); m.Snippet != "from bob" {
		t.Fatalf("an edit arrived live without read:notifications (%q): the fake sends more than Mastodon", m.Snippet)
	}
	if n, err := conn.Reconcile(context.Background()); err != nil || n != 1 {
		t.Fatalf("reconcile: %d changed, %v", n, err)
	}
	if m, _ := f.message(t, fromBob.ID); m.Snippet != "bob edited" || m.EditedAt.IsZero() {
		t.Fatalf("after reconciling: %+v", m)
	}
}

// Edits and deletions made while the app was closed are repaired when it connects: an edit,
// a conversation's last status deleted (its last_status_id falls below the sync cursor, so
// the min_id sync never lists it again) and a conversation deleted whole.
func TestOfflineEditsAndDeletionsAreRepaired(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	carol := f.fake.AddLocal("carol", "Carol")
	first := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "first"})
	last := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "last", InReplyTo: first.ID})
	solo := f.fake.Post(mastodonfake.Post{Author: carol, To: []string{f.alice}, Text: "solo"})
	seen, err := f.conn.Sync(ctx)
	if err != nil || seen != 2 {
		t.Fatalf("sync: %d, %v", seen, err)
	}
	// Offline: nothing streams.
	f.fake.Edit(first.ID, "first, edited")
	f.fake.Delete(last.ID)
	f.fake.Delete(solo.ID)
	if n, err := f.conn.Sync(ctx); err != nil || n != 0 {
		t.Fatalf("the min_id sync found %d conversations, %v (it cannot see these changes)", n, err)
	}
	run(t, f.conn)
	eventually(t, "the repairs", func() bool {
		m, _ := f.message(t, first.ID)
		_, l := f.message(t, last.ID)
		_, s := f.message(t, solo.ID)
		return m.Snippet == "first, edited" && !l && !s
	})
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
