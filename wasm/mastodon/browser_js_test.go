//go:build js && wasm

package mastodon_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/email/outbox"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/tunnel"
)

// TestBrowserSyncAndSend syncs, goes live over SSE, receives a status and its edit over the
// streams, and replies, from inside Chromium, against the fake TestMastodonInBrowser started
// (its URL, Alice's token, a status id and Bob's token in CALIOPEN_MASTODON_FAKE).
func TestBrowserSyncAndSend(t *testing.T) {
	v := strings.Fields(os.Getenv("CALIOPEN_MASTODON_FAKE"))
	if len(v) != 6 {
		t.Skip("no CALIOPEN_MASTODON_FAKE: this test is run by TestMastodonInBrowser")
	}
	base, token, firstID, bobToken := v[0], v[1], v[2], v[3]
	relay := &tunnel.Dialer{RelayURL: v[4], Token: v[5]}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := repo.New(db)
	c, err := mastodon.Open(ctx, mastodon.Config{AccountID: "acct-1", Instance: base, Token: token,
		Self: "mastodon:alice@fake.example", Repo: r, MinBackoff: 100 * time.Millisecond,
		MediaTransport: &http.Transport{DialContext: relay.DialContext}})
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
	// The media host sends no CORS header: fetch is refused, the tunnel brings the file.
	data, err := c.FetchAttachment(ctx, m.ID, "61")
	if err != nil || string(data) != "png bytes of /system/cat.png" {
		t.Fatalf("attachment: %q %v", data, err)
	}
	t.Log("attachment through the tunnel")
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
	// Bob writes, then edits, from his own client (a cross-origin fetch from this page). Only
	// the streams can bring them: the connector polls REST only while they are down.
	var posted struct{ ID string }
	bob(t, ctx, base, bobToken, http.MethodPost, "/api/v1/statuses", url.Values{"status": {"@alice over the stream"}, "visibility": {"direct"}}, &posted)
	id := model.MessageID("acct-1", posted.ID)
	waitFor(t, ctx, "the status over the direct stream", func() bool { _, err := r.Message(ctx, id); return err == nil })
	bob(t, ctx, base, bobToken, http.MethodPut, "/api/v1/statuses/"+posted.ID, url.Values{"status": {"@alice edited over the stream"}}, nil)
	waitFor(t, ctx, "the edit over the user stream", func() bool {
		m, err := r.Message(ctx, id)
		return err == nil && !m.EditedAt.IsZero() && m.Snippet == "edited over the stream"
	})
	t.Log("received live")

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

// bob calls the instance as Bob, with a form body, and decodes the answer into out (if any).
func bob(t *testing.T, ctx context.Context, base, token, method, path string, form url.Values, out any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %s", method, path, resp.Status)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
