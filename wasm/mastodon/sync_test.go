//go:build !js

package mastodon_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
)

func TestSyncPaginatesBothWays(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var oldest mastodonfake.Status
	var oldestAuthor string
	for i := range 45 { // 45 conversations: a full page of 40, then 5 older ones
		who := f.fake.AddRemote(fmt.Sprintf("user%d", i), "remote.example", "")
		st := f.fake.Post(mastodonfake.Post{Author: who, To: []string{f.alice}, Text: fmt.Sprintf("hello %d", i)})
		if i == 0 {
			oldest, oldestAuthor = st, who
		}
	}
	n, err := f.conn.Sync(ctx)
	if err != nil || n != 40 {
		t.Fatalf("first sync: %d, %v", n, err)
	}
	more, err := f.conn.Backfill(ctx)
	if err != nil || more {
		t.Fatalf("backfill: more=%v err=%v", more, err)
	}
	if c, _ := f.repo.CountMessages(ctx, "acct-1"); c != 45 {
		t.Fatalf("%d messages after backfill, want 45", c)
	}
	if more, err := f.conn.Backfill(ctx); more || err != nil {
		t.Fatalf("second backfill: %v %v", more, err)
	}
	// Newer: three new conversations plus a new status in the oldest one (which only the
	// backfill had brought: it moves to the top), fetched with min_id.
	for i := range 3 {
		who := f.fake.AddRemote(fmt.Sprintf("late%d", i), "remote.example", "")
		f.fake.Post(mastodonfake.Post{Author: who, To: []string{f.alice}, Text: "late"})
	}
	revived := f.fake.Post(mastodonfake.Post{Author: oldestAuthor, To: []string{f.alice}, Text: "still there?", InReplyTo: oldest.ID})
	n, err = f.conn.Sync(ctx)
	if err != nil || n != 4 {
		t.Fatalf("newer sync: %d, %v", n, err)
	}
	if n, err := f.conn.Sync(ctx); err != nil || n != 0 {
		t.Fatalf("idle sync: %d, %v", n, err)
	}
	if c, _ := f.repo.CountMessages(ctx, "acct-1"); c != 49 {
		t.Fatalf("%d messages, want 49", c)
	}
	a, _ := f.message(t, oldest.ID)
	b, ok := f.message(t, revived.ID)
	if !ok || b.ConversationID != a.ConversationID || b.Flags.Seen {
		t.Fatalf("the new status of the old conversation: %+v (conversation of the first: %s)", b, a.ConversationID)
	}
}

func TestSyncMapsThreads(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("Bob", "remote.example", "Bob B.")
	carol := f.fake.AddLocal("carol", "Carol")
	alt := "A grey cat asleep on a keyboard"
	first := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice, carol}, Text: "<b>plans</b> for friday?",
		SpoilerText: "weekend", Media: []mastodonfake.MediaAttachment{{ID: "77", Type: "image", URL: f.fake.BaseURL + "/media/cat.jpg", Description: &alt}}})
	reply := f.fake.Post(mastodonfake.Post{Author: f.alice, To: []string{bob, carol}, Text: "cinema!", InReplyTo: first.ID})
	last := f.fake.Post(mastodonfake.Post{Author: carol, To: []string{f.alice, bob}, Text: "yes", InReplyTo: reply.ID})

	if _, err := f.conn.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	m, ok := f.message(t, first.ID)
	if !ok {
		t.Fatal("the thread's first status was not fetched through its context")
	}
	if m.From() != "mastodon:bob@remote.example" || m.Subject != "weekend" || !m.HasAttachments || !m.Flags.Seen || m.Outgoing {
		t.Fatalf("first: %+v", m)
	}
	// Behind its content warning: lists show the warning, not the text; its media are sensitive.
	if m.ContentWarning != "weekend" || m.Snippet != "" || !m.Sensitive {
		t.Fatalf("content warning %q, snippet %q, sensitive %v", m.ContentWarning, m.Snippet, m.Sensitive)
	}
	want := map[model.IdentityURI]bool{"mastodon:alice@" + domain: true, "mastodon:carol@" + domain: true}
	for _, p := range m.Participants[1:] {
		if !want[p.URI] || p.Role != model.RoleTo {
			t.Fatalf("participant %+v", p)
		}
	}
	body, err := f.repo.Body(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body.HTML, "<b>plans") || !strings.Contains(body.Text, "<b>plans</b> for friday?") {
		t.Fatalf("body not escaped as text: %q / %q", body.HTML, body.Text)
	}
	if len(body.Attachments) != 1 || body.Attachments[0].Name != "cat.jpg" || body.Attachments[0].ContentType != "image/jpeg" ||
		body.Attachments[0].Description != alt {
		t.Fatalf("attachments %+v", body.Attachments)
	}
	r, _ := f.message(t, reply.ID)
	if !r.Outgoing || r.InReplyToRemote != first.ID || r.ConversationID == "" || r.ContentWarning != "" || r.Sensitive {
		t.Fatalf("reply: %+v", r)
	}
	if r.Snippet != "cinema!" {
		t.Fatalf("snippet %q (the leading mentions belong out of it)", r.Snippet)
	}
	l, _ := f.message(t, last.ID)
	if l.Flags.Seen || l.ConversationID != r.ConversationID {
		t.Fatalf("last status of an unread conversation: %+v", l)
	}
	if err := f.conn.MarkRead(ctx, l.ConversationID); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.message(t, last.ID); !l.Flags.Seen {
		t.Fatal("mark read did not mark the message seen")
	}
	if f.fake.Requests("POST /api/v1/conversations/:id/read") != 1 {
		t.Fatal("mark read did not reach the instance")
	}
	// Participants became identities with their stable account URI.
	id, err := f.repo.Identity(ctx, "mastodon:bob@remote.example")
	if err != nil || id.AccountURI != "https://remote.example/users/Bob" || id.Handle != "@Bob@remote.example" {
		t.Fatalf("identity %+v %v", id, err)
	}
	own, _ := f.repo.Identity(ctx, "mastodon:alice@"+domain)
	if !own.Own {
		t.Fatal("the user's identity is not marked own")
	}
}

func TestFetchAttachmentLazily(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	st := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "look",
		Media: []mastodonfake.MediaAttachment{{ID: "9", Type: "image", URL: f.fake.BaseURL + "/media/cat.png"}}})
	if _, err := f.conn.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	id := model.MessageID("acct-1", st.ID)
	if _, err := f.repo.Attachment(ctx, id, "9"); err == nil {
		t.Fatal("the attachment was fetched before it was asked for")
	}
	data, err := f.conn.FetchAttachment(ctx, id, "9")
	if err != nil || string(data) != "media:cat.png" {
		t.Fatalf("%q %v", data, err)
	}
	if h := f.fake.LastHeaders("GET /media/cat.png"); h.Get("Authorization") != "" {
		t.Fatal("the token was sent with a media download")
	}
	body, _ := f.repo.Body(ctx, id)
	if !body.Attachments[0].Fetched {
		t.Fatal("attachment not marked fetched")
	}
}

func TestSyncFindsDeletionsMadeOffline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	a := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "one"})
	b := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "two", InReplyTo: a.ID})
	if _, err := f.conn.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	f.fake.Delete(b.ID) // no stream open: only REST can tell
	c := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "three", InReplyTo: a.ID})
	if _, err := f.conn.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.message(t, b.ID); ok {
		t.Fatal("the status deleted meanwhile is still stored")
	}
	for _, id := range []string{a.ID, c.ID} {
		if _, ok := f.message(t, id); !ok {
			t.Fatalf("status %s lost", id)
		}
	}
}

func TestProfileFactsFromLookup(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	at := "2026-05-01T10:00:00.000Z"
	f.fake.SetProfile(bob, "<p>also on x.com/bob</p>",
		mastodonfake.Field{Name: "Web", Value: `<a href="https://bob.example" rel="me nofollow noopener" target="_blank">bob.example</a>`, VerifiedAt: &at},
		mastodonfake.Field{Name: "Blog", Value: `<a href="https://blog.example">blog</a>`})
	id, err := f.conn.Profile(ctx, "@bob@remote.example")
	if err != nil {
		t.Fatal(err)
	}
	p := id.Profile
	if id.URI != "mastodon:bob@remote.example" || p == nil || p.Note != "also on x.com/bob" || len(p.Fields) != 2 {
		t.Fatalf("identity %+v", id)
	}
	if p.Fields[0].URL != "https://bob.example" || p.Fields[0].VerifiedAt.IsZero() || !p.Fields[1].VerifiedAt.IsZero() {
		t.Fatalf("fields %+v", p.Fields)
	}
	if stored, err := f.repo.Identity(ctx, id.URI); err != nil || stored.Profile == nil {
		t.Fatalf("stored %+v %v", stored, err)
	}
}

// refusingMedia stands for a browser whose fetch of a media host without CORS headers fails:
// the API answers, the media host does not.
type refusingMedia struct{ base http.RoundTripper }

func (r refusingMedia) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasPrefix(req.URL.Path, "/media/") {
		return nil, errors.New("fetch() failed: TypeError: Failed to fetch (no Access-Control-Allow-Origin)")
	}
	return r.base.RoundTrip(req)
}

// An attachment whose host refuses the direct fetch comes through MediaTransport (the relay
// tunnel, in the app).
func TestFetchAttachmentFallsBackWhenRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.fake.AddRemote("bob", "remote.example", "Bob")
	st := f.fake.Post(mastodonfake.Post{Author: bob, To: []string{f.alice}, Text: "look",
		Media: []mastodonfake.MediaAttachment{{ID: "9", Type: "image", URL: f.fake.BaseURL + "/media/cat.png"}}})
	for _, fallback := range []http.RoundTripper{nil, http.DefaultTransport} {
		c, err := mastodon.Open(ctx, mastodon.Config{AccountID: "acct-1", Instance: f.fake.BaseURL, Token: f.fake.Token(f.alice),
			Self: model.IdentityURI("mastodon:alice@" + domain), Repo: f.repo, Transport: refusingMedia{http.DefaultTransport}, MediaTransport: fallback})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		data, err := c.FetchAttachment(ctx, model.MessageID("acct-1", st.ID), "9")
		if fallback == nil && err == nil || fallback != nil && (err != nil || string(data) != "media:cat.png") {
			t.Fatalf("fallback %v: %q %v", fallback != nil, data, err)
		}
	}
	if n := f.fake.Requests("GET /media/cat.png"); n != 1 {
		t.Fatalf("the media host was reached %d times, want once (through the fallback)", n)
	}
}
