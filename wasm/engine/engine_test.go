package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

func msg(account string, n model.Network, remote string, from model.IdentityURI, name string, to model.IdentityURI, at time.Time) repo.MessageWrite {
	m := &model.Message{
		AccountID: account, Network: n, RemoteID: remote, Date: at, ReceivedAt: at,
		Participants: []model.Participant{{URI: from, Role: model.RoleFrom, Name: name}, {URI: to, Role: model.RoleTo}},
		Snippet:      "hello from " + string(from),
	}
	m.ID = model.MessageID(account, remote)
	return repo.MessageWrite{Message: m, Body: &model.Body{Text: m.Snippet}}
}

func startEngine(t *testing.T, db store.DB) *Engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	e := New(ctx, db, nil)
	if err := e.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	return e
}

// startOwnEngine starts an engine over a new database in memory, with the user's own
// identities on the three networks.
func startOwnEngine(t *testing.T) (store.DB, *Engine) {
	t.Helper()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	for _, own := range []model.IdentityURI{meMail, meMast, meX} {
		if err := e.SetOwnIdentity(context.Background(), model.Identity{URI: own}); err != nil {
			t.Fatal(err)
		}
	}
	return db, e
}

const (
	meMail = model.IdentityURI("email:me@example.org")
	meMast = model.IdentityURI("mastodon:me@mamot.fr")
	meX    = model.IdentityURI("x:100")
	tapX   = model.IdentityURI("x:4242")
	tapM   = model.IdentityURI("mastodon:tapioca@mamot.fr")
	tapE   = model.IdentityURI("email:tapioca@example.net")
)

// The seed's story through the engine: three networks, three discussions; the user links the
// identities and they become one, also after a restart; pages come from the store.
func TestStoryLinkAndRestart(t *testing.T) {
	ctx := context.Background()
	db, e := startOwnEngine(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	err := e.Ingest(ctx, []repo.MessageWrite{
		msg("x1", model.X, "dm1", tapX, "Tapioca", meX, t0),
		msg("m1", model.Mastodon, "st1", tapM, "Tapioca", meMast, t0.Add(time.Hour)),
		msg("e1", model.Email, "INBOX/1/1", tapE, "Tapioca the cat", meMail, t0.Add(2*time.Hour)),
		msg("e1", model.Email, "INBOX/1/2", meMail, "", tapE, t0.Add(3*time.Hour)), // my reply
	})
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := e.DiscussionPage(ctx, "", 10)
	if err != nil || len(page) != 3 {
		t.Fatalf("before linking: %d discussions, %v", len(page), err)
	}
	if page[0].Count != 2 {
		t.Fatalf("the email discussion holds the reply too: %+v", page[0])
	}
	if err := e.Link(ctx, []model.IdentityURI{tapX, tapM, tapE}); err != nil {
		t.Fatal(err)
	}
	page, _, _ = e.DiscussionPage(ctx, "", 10)
	if len(page) != 1 || page[0].Count != 4 || len(page[0].Networks) != 3 {
		t.Fatalf("after linking: %+v", page)
	}
	people := page[0].People
	if len(people) != 1 || people[0].Name == "" {
		t.Fatalf("people: %+v", people)
	}
	msgs, _, err := e.Discussion(ctx, page[0].Key)
	if err != nil || len(msgs) != 4 || !msgs[0].Date.Before(msgs[3].Date) {
		t.Fatalf("messages: %d %v", len(msgs), err)
	}

	// A new engine on the same database (a reload of the app) sees the same, from the log.
	e2 := startEngine(t, db)
	page2, _, _ := e2.DiscussionPage(ctx, "", 10)
	if len(page2) != 1 || page2[0].Key != page[0].Key || page2[0].Count != 4 {
		t.Fatalf("after restart: %+v", page2)
	}
}

// The stored summaries always equal the index's, whatever the sequence of changes.
func TestStoredSummariesFollowTheIndex(t *testing.T) {
	ctx := context.Background()
	db, _ := store.OpenMemory(repo.Schema())
	e := startEngine(t, db)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var batch []repo.MessageWrite
	for i := 0; i < 300; i++ {
		from := model.IdentityURI(fmt.Sprintf("email:p%d@example.org", i%40))
		batch = append(batch, msg("a", model.Email, fmt.Sprint("INBOX/1/", i), from, "", meMail, t0.Add(time.Duration(i)*time.Minute)))
	}
	if err := e.Ingest(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i += 4 {
		ids := []model.IdentityURI{model.IdentityURI(fmt.Sprintf("email:p%d@example.org", i)), model.IdentityURI(fmt.Sprintf("email:p%d@example.org", i+1))}
		if err := e.Link(ctx, ids); err != nil {
			t.Fatal(err)
		}
	}
	stored, _, _ := e.DiscussionPage(ctx, "", 1000)
	e.mu.Lock()
	fromIndex, _, _ := e.index.Page("", 1000)
	e.mu.Unlock()
	if len(stored) != len(fromIndex) || len(stored) != 30 {
		t.Fatalf("stored %d, index %d, want 30", len(stored), len(fromIndex))
	}
	for i := range stored {
		if stored[i].Key != fromIndex[i].Key || stored[i].Count != fromIndex[i].Count || !stored[i].LastDate.Equal(fromIndex[i].LastDate) {
			t.Fatalf("summary %d differs: %+v vs %+v", i, stored[i], fromIndex[i])
		}
	}
}

// A connector writes through the repository, not the engine: the engine still files its
// messages, flag changes and deletions into discussions in the same transaction.
func TestConnectorWritesAreObserved(t *testing.T) {
	ctx := context.Background()
	db, _ := store.OpenMemory(repo.Schema())
	e := startEngine(t, db)
	if err := e.SetOwnIdentity(ctx, model.Identity{URI: meMail}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	w := msg("acct", model.Email, "INBOX/9/1", tapE, "Tapioca", meMail, t0)
	err := e.Repo.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Cursors}, func(tx *repo.Tx) error {
		if err := tx.PutMessage(w.Message, w.Body); err != nil {
			return err
		}
		return tx.SetCursor("acct", "INBOX", []byte("uid=1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	page, _, _ := e.DiscussionPage(ctx, "", 10)
	if len(page) != 1 || page[0].Unread != 1 || page[0].People[0].Name != "Tapioca" {
		t.Fatalf("after a connector write: %+v", page)
	}
	if err := e.Repo.UpdateMessage(ctx, w.Message.ID, func(m *model.Message) error { m.Flags.Seen = true; return nil }); err != nil {
		t.Fatal(err)
	}
	page, _, _ = e.DiscussionPage(ctx, "", 10)
	if page[0].Unread != 0 {
		t.Fatalf("after marking seen: %+v", page[0])
	}
	if err := e.Repo.DeleteMessage(ctx, w.Message.ID); err != nil {
		t.Fatal(err)
	}
	if page, _, _ = e.DiscussionPage(ctx, "", 10); len(page) != 0 {
		t.Fatalf("after deletion: %+v", page)
	}
	// A write that fails leaves neither the message nor its summary.
	boom := errors.New("boom")
	err = e.Repo.Update(ctx, []string{repo.Messages, repo.Bodies}, func(tx *repo.Tx) error {
		if err := tx.PutMessage(w.Message, w.Body); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if page, _, _ = e.DiscussionPage(ctx, "", 10); len(page) != 0 {
		t.Fatalf("after a failed write: %+v", page)
	}
	e.mu.Lock()
	n, _ := e.index.Len()
	e.mu.Unlock()
	if n != 0 {
		t.Fatalf("the index kept %d messages of a failed write", n)
	}
}
