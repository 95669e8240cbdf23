//go:build !js

package mastodon_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/wasm/email"
	"caliopen/wasm/email/outbox"
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

func TestSendRefusalIsPermanent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.AddRemote("bob", "remote.example", "Bob")
	if _, err := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{Text: "to nobody"}); !errors.Is(err, mastodon.ErrNoRecipient) {
		t.Fatalf("no recipient: %v", err)
	}
	it, _ := mastodon.Enqueue(ctx, f.repo, "acct-1", &mastodon.Reply{To: []string{"bob@remote.example"}, Text: strings.Repeat("x", 600)})
	d := &outbox.Dispatcher{Repo: f.repo, Handlers: map[string]outbox.Handler{"acct-1": &mastodon.Handler{Connector: f.conn}}}
	d.RunOnce(ctx)
	got, _ := f.repo.OutboxItem(ctx, it.ID)
	if got.State != repo.Failed || !strings.Contains(got.LastError, "500") {
		t.Fatalf("a refused status should fail for good: %+v", got)
	}
}
