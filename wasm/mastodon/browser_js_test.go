//go:build js && wasm

package mastodon_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/email/outbox"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// TestBrowserSyncAndSend syncs, goes live over SSE and replies, from inside Chromium, against
// the fake TestMastodonInBrowser started (its URL, a token and a status id in
// CALIOPEN_MASTODON_FAKE).
func TestBrowserSyncAndSend(t *testing.T) {
	v := strings.Fields(os.Getenv("CALIOPEN_MASTODON_FAKE"))
	if len(v) != 3 {
		t.Skip("no CALIOPEN_MASTODON_FAKE: this test is run by TestMastodonInBrowser")
	}
	base, token, firstID := v[0], v[1], v[2]
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := repo.New(db)
	c, err := mastodon.Open(ctx, mastodon.Config{AccountID: "acct-1", Instance: base, Token: token,
		Self: "mastodon:alice@fake.example", Repo: r, MinBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.Sync(ctx); err != nil || n != 1 {
		t.Fatalf("sync: %d conversations, %v", n, err)
	}
	m, err := r.Message(ctx, model.MessageID("acct-1", firstID))
	if err != nil || m.From() != "mastodon:bob@remote.example" {
		t.Fatalf("synced message %+v %v", m, err)
	}

	t.Log("synced")
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); c.Run(runCtx, nil) }()
	for c.Status().State != mastodon.Live {
		if ctx.Err() != nil {
			t.Fatalf("the SSE stream never went live: %+v", c.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}

	t.Log("live")
	it, err := mastodon.Enqueue(ctx, r, "acct-1", &mastodon.Reply{ConversationID: m.ConversationID, InReplyToID: firstID,
		To: []string{"bob@remote.example"}, Text: "hello from the browser"})
	if err != nil {
		t.Fatal(err)
	}
	d := &outbox.Dispatcher{Repo: r, Handlers: map[string]outbox.Handler{"acct-1": &mastodon.Handler{Connector: c}}}
	if sent, err := d.RunOnce(ctx); sent != 1 || err != nil {
		got, _ := r.OutboxItem(ctx, it.ID)
		t.Fatalf("send: %d, %v (%s)", sent, err, got.LastError)
	}
	t.Log("sent")
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the live loop did not stop with its context")
	}
}
