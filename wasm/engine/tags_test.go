package engine

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"caliopen/wasm/contacts"
	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// keyWith returns the key of the stored discussion whose people include uri.
func keyWith(t *testing.T, e *Engine, uri model.IdentityURI) (discussions.Key, Stored) {
	t.Helper()
	page, _, _, err := e.FilteredPage(context.Background(), discussions.Filter{Text: string(uri)}, "", 50)
	if err != nil || len(page) != 1 {
		t.Fatalf("discussion with %s: %d, %v", uri, len(page), err)
	}
	return page[0].Key, page[0]
}

func tagCounts(t *testing.T, e *Engine) map[string]int {
	t.Helper()
	tags, err := e.Tags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tc := range tags {
		out[tc.Name] = tc.Count
	}
	return out
}

// A tag put on a discussion holds for all its messages, those that come later too; it
// follows merges and splits of contacts, filters the list, is renamed and deleted
// everywhere, is logged for device sync, and stays after a restart.
func TestTagsOnDiscussions(t *testing.T) {
	ctx := context.Background()
	db, e := startOwnEngine(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if err := e.Ingest(ctx, []repo.MessageWrite{
		msg("e1", model.Email, "INBOX/1/1", tapE, "Tapioca", meMail, t0),
		msg("m1", model.Mastodon, "st1", tapM, "Tapioca", meMast, t0.Add(time.Hour)),
		msg("x1", model.X, "dm1", model.IdentityURI("x:77"), "Someone", meX, t0.Add(2*time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	mailKey, _ := keyWith(t, e, tapE)
	if found, err := e.TagDiscussion(ctx, mailKey, []string{"work", "cats"}, nil); err != nil || !found {
		t.Fatalf("tag: %v %v", found, err)
	}
	if found, _ := e.TagDiscussion(ctx, "nope", []string{"work"}, nil); found {
		t.Fatal("an unknown discussion was tagged")
	}
	if got := tagCounts(t, e); got["work"] != 1 || got["cats"] != 1 || len(got) != 2 {
		t.Fatalf("tags %v", got)
	}
	// The stored first page shows the tags; the filter keeps only the tagged discussion.
	page, _, _ := e.DiscussionPage(ctx, "", 10)
	for _, s := range page {
		if want := s.Key == mailKey; want != slices.Equal(s.Tags, []string{"cats", "work"}) {
			t.Fatalf("stored summary %s has tags %v", s.Key, s.Tags)
		}
	}
	tagged, _, total, err := e.FilteredPage(ctx, discussions.Filter{Tag: "work"}, "", 10)
	if err != nil || total != 1 || len(tagged) != 1 || tagged[0].Key != mailKey {
		t.Fatalf("filter by tag: %d %v", total, err)
	}

	// A reply that arrives later in the discussion is in it, tagged.
	if err := e.Ingest(ctx, []repo.MessageWrite{msg("e1", model.Email, "INBOX/1/2", tapE, "Tapioca", meMail, t0.Add(3*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if _, s := keyWith(t, e, tapE); s.Count != 2 || !slices.Equal(s.Tags, []string{"cats", "work"}) {
		t.Fatalf("after a new message: %+v", s.Summary)
	}

	// Merging Tapioca's identities joins the discussions: the merged one carries the tags.
	if err := e.Link(ctx, []model.IdentityURI{tapE, tapM}); err != nil {
		t.Fatal(err)
	}
	merged, s := keyWith(t, e, tapM)
	if s.Count != 3 || !slices.Equal(s.Tags, []string{"cats", "work"}) {
		t.Fatalf("merged: %+v", s.Summary)
	}
	// Tagging the merged discussion tags both participant sets; removing takes it off both.
	if _, err := e.TagDiscussion(ctx, merged, []string{"pets"}, []string{"cats"}); err != nil {
		t.Fatal(err)
	}
	if got := tagCounts(t, e); len(got) != 2 || got["pets"] != 1 || got["work"] != 1 {
		t.Fatalf("after retag: %v", got)
	}

	// Rename, into a new name and into an existing one (they become one), then delete.
	if err := e.RenameTag(ctx, "pets", "animals"); err != nil {
		t.Fatal(err)
	}
	if err := e.RenameTag(ctx, "work", "animals"); err != nil {
		t.Fatal(err)
	}
	if got := tagCounts(t, e); len(got) != 1 || got["animals"] != 1 {
		t.Fatalf("after renames: %v", got)
	}
	// A split leaves each side the tags of its own sets: both were tagged.
	if err := e.Split(ctx, contactOf(t, e, tapM), []model.IdentityURI{tapM}); err != nil {
		t.Fatal(err)
	}
	if got := tagCounts(t, e); got["animals"] != 2 {
		t.Fatalf("after the split: %v", got)
	}

	// After a restart, the same.
	e2 := startEngine(t, db)
	if got := tagCounts(t, e2); len(got) != 1 || got["animals"] != 2 {
		t.Fatalf("after restart: %v", got)
	}
	if err := e2.DeleteTag(ctx, "animals"); err != nil {
		t.Fatal(err)
	}
	if got := tagCounts(t, e2); len(got) != 0 {
		t.Fatalf("after delete: %v", got)
	}
	page, _, _ = e2.DiscussionPage(ctx, "", 10)
	for _, s := range page {
		if len(s.Tags) != 0 {
			t.Fatalf("%s still tagged %v", s.Key, s.Tags)
		}
	}

	// Every change is in the operation log, set by set, for device sync.
	ops, _ := e2.Repo.Ops(ctx, 0, 1000)
	var logged []repo.TagOp
	for _, op := range ops {
		if op.Kind == repo.OpTagSet {
			var to repo.TagOp
			if err := json.Unmarshal(op.Data, &to); err != nil || to.Set == "" {
				t.Fatalf("op %s: %v", op.Data, err)
			}
			logged = append(logged, to)
		}
	}
	// tag (1 set), retag (2 sets), rename pets (2 sets), rename work (1 set), delete (2 sets)
	if len(logged) != 8 {
		t.Fatalf("logged %d tag operations: %+v", len(logged), logged)
	}
}

func contactOf(t *testing.T, e *Engine, uri model.IdentityURI) contacts.ContactID {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.book.ContactOf(uri)
	if !ok {
		t.Fatalf("%s has no contact", uri)
	}
	return c
}

// Tags that come from another device before the messages they tag are held, counted 0, and
// tag the discussion once its messages arrive.
func TestTagsBeforeTheirMessages(t *testing.T) {
	ctx := context.Background()
	db, e := startOwnEngine(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	w := msg("e1", model.Email, "INBOX/1/1", tapE, "Tapioca", meMail, t0)
	set := discussions.SetKeyOf(w.Message)
	if err := e.SetTagsFromSync(ctx, set, []string{"later"}); err != nil {
		t.Fatal(err)
	}
	if got := tagCounts(t, e); len(got) != 1 || got["later"] != 0 {
		t.Fatalf("held tags: %v", got)
	}
	e = startEngine(t, db)
	if err := e.Ingest(ctx, []repo.MessageWrite{w}); err != nil {
		t.Fatal(err)
	}
	if _, s := keyWith(t, e, tapE); !slices.Equal(s.Tags, []string{"later"}) {
		t.Fatalf("arrived: %+v", s.Summary)
	}
	ops, _ := e.Repo.Ops(ctx, 0, 1000)
	for _, op := range ops {
		var to repo.TagOp
		if op.Kind == repo.OpTagSet && (json.Unmarshal(op.Data, &to) != nil || to.Origin != repo.OriginSync) {
			t.Fatalf("a change from sync logged as %s", op.Data)
		}
	}
}
