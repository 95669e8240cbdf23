//go:build !js

package mastodon_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/wasm/email"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/store/repo"
)

func TestSendRetriedPostsOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	first := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "coffee?"})
	if _, err := f.conn.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	m, _ := f.message(t, first.ID)

	it, err := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{ConversationID: m.ConversationID,
		InReplyToID: first.ID, To: []string{"bob@remote.example"}, Text: "yes, at 10"})
	if err != nil {
		t.Fatal(err)
	}
	// The instance accepts the first attempt but its answer never arrives in time.
	f.fake.StallPosts(1, 5*time.Second)
	f.conn.Client().Timeout = 300 * time.Millisecond
	d := &outbox.Dispatcher{Repo: f.repo, Handlers: map[string]outbox.Handler{"acct-1": &mastodon.Handler{Connector: f.conn}},
		Backoff: email.Backoff{Min: 10 * time.Millisecond, Max: 10 * time.Millisecond}}
	if sent, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatal("the lost answer counted as sent")
	}
	time.Sleep(30 * time.Millisecond)
	f.conn.Client().Timeout = 5 * time.Second
	if sent, err := d.RunOnce(ctx); sent != 1 || err != nil {
		t.Fatalf("retry: sent %d, %v", sent, err)
	}
	mine := f.fake.StatusesBy(f.alice)
	if len(mine) != 1 {
		t.Fatalf("%d statuses posted, want exactly 1", len(mine))
	}
	if f.fake.Requests("POST /api/v1/statuses") != 2 {
		t.Fatalf("%d POSTs, want 2 (one lost, one retried)", f.fake.Requests("POST /api/v1/statuses"))
	}
	if h := f.fake.LastHeaders("POST /api/v1/statuses"); h.Get("Idempotency-Key") != it.IdempotencyKey {
		t.Fatalf("Idempotency-Key %q, want %q", h.Get("Idempotency-Key"), it.IdempotencyKey)
	}
	st := mine[0]
	if st.Visibility != "direct" || st.InReplyToID == nil || *st.InReplyToID != first.ID ||
		len(st.Mentions) != 1 || st.Mentions[0].Acct != "bob@remote.example" {
		t.Fatalf("posted %+v", st)
	}
	got, err := f.repo.OutboxItem(ctx, it.ID)
	if err != nil || got.State != repo.Sent || got.RemoteID != st.ID {
		t.Fatalf("outbox item %+v %v", got, err)
	}
	sent, ok := f.message(t, st.ID)
	if !ok || !sent.Outgoing || sent.ConversationID != m.ConversationID || !strings.Contains(sent.Snippet, "yes, at 10") {
		t.Fatalf("sent copy %+v", sent)
	}
}

// later is a handler whose clock is two hours ahead, and the fake's too: the instance has
// forgotten every Idempotency-Key of the first attempts.
func later(f *fixture) *mastodon.Handler {
	f.fake.Advance(2 * time.Hour)
	return &mastodon.Handler{Connector: f.conn, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }}
}

func dispatcher(f *fixture, h outbox.Handler) *outbox.Dispatcher {
	return &outbox.Dispatcher{Repo: f.repo, Handlers: map[string]outbox.Handler{"acct-1": h},
		Backoff: email.Backoff{Min: time.Millisecond, Max: time.Millisecond}}
}

// A first attempt whose answer was lost, then an outage longer than the hour Mastodon keeps an
// Idempotency-Key: the retry finds the status the first attempt posted instead of posting it
// again, for a reply (among its parent's replies) and for a first message (among the newest
// conversations).
func TestSendAfterLongOutagePostsOnce(t *testing.T) {
	for _, reply := range []bool{true, false} {
		f := newFixture(t)
		ctx := context.Background()
		bob := f.fake.AddRemote("bob", "remote.example", "Bob")
		first := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "coffee?"})
		r := &mastodon.Reply{To: []string{"bob@remote.example"}, Text: "yes, at 10"}
		if reply {
			r.InReplyToID = first.ID
		}
		// Another item of the same text, already sent: not to be taken for this one.
		other := f.fake.Post(mastodonfake.Post{Author: f.alice, To: []string{bob}, Text: "yes, at 10"})
		done, _ := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{To: r.To, Text: r.Text})
		f.repo.Claim(ctx, time.Minute)
		f.repo.Ack(ctx, done.ID, other.ID)

		it, err := mastodon.Enqueue(ctx, f.repo, "acct-1", r)
		if err != nil {
			t.Fatal(err)
		}
		f.fake.StallPosts(1, 5*time.Second)
		f.conn.Client().Timeout = 300 * time.Millisecond
		if sent, _ := dispatcher(f, &mastodon.Handler{Connector: f.conn}).RunOnce(ctx); sent != 0 {
			t.Fatal("the lost answer counted as sent")
		}
		f.conn.Client().Timeout = 5 * time.Second
		time.Sleep(5 * time.Millisecond)
		if sent, err := dispatcher(f, later(f)).RunOnce(ctx); sent != 1 || err != nil {
			t.Fatalf("reply=%v: retry sent %d, %v", reply, sent, err)
		}
		mine := f.fake.StatusesBy(f.alice)
		got, _ := f.repo.OutboxItem(ctx, it.ID)
		if len(mine) != 2 || f.fake.Requests("POST /api/v1/statuses") != 1 || got.State != repo.Sent || got.RemoteID != mine[1].ID {
			t.Fatalf("reply=%v: %d statuses, %d POSTs, item %+v", reply, len(mine), f.fake.Requests("POST /api/v1/statuses"), got)
		}
	}
}

// After a first attempt that never reached the instance and a long outage, the look-up finds
// nothing and the reply is posted, once.
func TestSendAfterFailureAndOutagePostsOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	first := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "coffee?"})
	it, _ := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{InReplyToID: first.ID, To: []string{"bob@remote.example"}, Text: "yes, at 10"})
	f.fake.FailPosts(1)
	if sent, _ := dispatcher(f, &mastodon.Handler{Connector: f.conn}).RunOnce(ctx); sent != 0 {
		t.Fatal("a 503 counted as sent")
	}
	time.Sleep(5 * time.Millisecond)
	if sent, err := dispatcher(f, later(f)).RunOnce(ctx); sent != 1 || err != nil {
		t.Fatalf("retry sent %d, %v", sent, err)
	}
	if n := len(f.fake.StatusesBy(f.alice)); n != 1 || f.fake.Requests("GET /api/v1/statuses/:id/context") == 0 {
		t.Fatalf("%d statuses posted (the thread was read %d times)", n, f.fake.Requests("GET /api/v1/statuses/:id/context"))
	}
	if got, _ := f.repo.OutboxItem(ctx, it.ID); got.State != repo.Sent || got.Attempts != 2 {
		t.Fatalf("item %+v", got)
	}
}

// A send the instance's rate limit puts off waits for X-RateLimit-Reset without counting as an
// attempt, and the outbox shows that time as the next attempt.
func TestRateLimitedSendWaitsForReset(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.AddRemote("bob", "remote.example", "Bob")
	it, _ := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{To: []string{"bob@remote.example"}, Text: "when you can"})
	f.fake.SetRateLimit(1, time.Second)
	f.conn.Client().VerifyCredentials(ctx) // spends the window
	d := dispatcher(f, &mastodon.Handler{Connector: f.conn})
	start := time.Now()
	if sent, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatal("sent through a spent rate limit")
	}
	got, _ := f.repo.OutboxItem(ctx, it.ID)
	if got.State != repo.Queued || got.Attempts != 0 || !got.Deferred || got.NextAttempt.Before(start) ||
		got.NextAttempt.After(start.Add(2*time.Second)) || !strings.Contains(got.LastError, "rate limit") {
		t.Fatalf("deferred item: %+v", got)
	}
	posts := f.fake.Requests("POST /api/v1/statuses")
	for range 3 { // due later: nothing is tried, nothing is counted
		d.RunOnce(ctx)
	}
	if again, _ := f.repo.OutboxItem(ctx, it.ID); again.Attempts != 0 || f.fake.Requests("POST /api/v1/statuses") != posts {
		t.Fatalf("tried before the reset: %+v", again)
	}
	time.Sleep(time.Until(got.NextAttempt))
	if sent, err := d.RunOnce(ctx); sent != 1 || err != nil {
		t.Fatalf("after the reset: sent %d, %v", sent, err)
	}
	if done, _ := f.repo.OutboxItem(ctx, it.ID); done.Attempts != 1 || done.Deferred {
		t.Fatalf("sent item %+v", done)
	}
}

func TestSendRefusalIsPermanent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.AddRemote("bob", "remote.example", "Bob")
	if _, err := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{Text: "to nobody"}); !errors.Is(err, mastodon.ErrNoRecipient) {
		t.Fatalf("no recipient: %v", err)
	}
	it, _ := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{To: []string{"bob@remote.example"}, Text: strings.Repeat("x", 600)})
	claimed, _ := f.repo.Claim(ctx, time.Minute)
	_, err := (&mastodon.Handler{Connector: f.conn}).Send(ctx, claimed)
	var perm *smtpsend.PermanentError
	var ae *mastodon.APIError
	if !errors.As(err, &perm) || !errors.As(err, &ae) || ae.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an over-long status: %v (want a permanent 422)", err)
	}
	f.repo.Requeue(ctx, it.ID)
	dispatcher(f, &mastodon.Handler{Connector: f.conn}).RunOnce(ctx)
	if got, _ := f.repo.OutboxItem(ctx, it.ID); got.State != repo.Failed {
		t.Fatalf("a refused status should fail for good: %+v", got)
	}
}

// A status's length is counted as the instance counts it (links as 23, mentions without their
// domain, the content warning included, emoji sequences as one): a reply at the limit is
// accepted, one character more is refused, here and by the instance alike.
func TestLengthAsTheInstanceCounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.AddRemote("bob", "remote.example", "Bob")
	info := f.conn.Instance()
	if info.MaxCharacters != 500 || info.URLLength != 23 {
		t.Fatalf("instance %+v", info)
	}
	link := "https://example.org/" + strings.Repeat("long/", 30)
	r := &mastodon.Reply{To: []string{"bob@remote.example"}, SpoilerText: "cw", Text: "see " + link + " 👩‍👩‍👧 "}
	// "@bob " (5) + "see " (4) + 23 + " " + 1 + " " + "cw" (2) = 37: fill up to 500.
	r.Text += strings.Repeat("x", 500-r.Length(info))
	if n := r.Length(info); n != 500 || r.TooLong(info) {
		t.Fatalf("length %d at the limit", n)
	}
	over := *r
	over.Text += "y"
	if !over.TooLong(info) {
		t.Fatalf("length %d over the limit not refused", over.Length(info))
	}
	for _, c := range []struct {
		r    *mastodon.Reply
		code int
	}{{r, 0}, {&over, http.StatusUnprocessableEntity}} {
		it, _ := mastodon.Enqueue(ctx, f.repo, "acct-1", c.r)
		claimed, _ := f.repo.Claim(ctx, time.Minute)
		_, err := (&mastodon.Handler{Connector: f.conn}).Send(ctx, claimed)
		var ae *mastodon.APIError
		if c.code == 0 && err != nil || c.code != 0 && (!errors.As(err, &ae) || ae.Status != c.code) {
			t.Fatalf("length %d: the instance answered %v", c.r.Length(info), err)
		}
		f.repo.Fail(ctx, it.ID, errors.New("done"), time.Time{})
	}
}
