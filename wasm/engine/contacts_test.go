package engine

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

const tapSignature = "-- \nTapioca\nMastodon: @Tapioca@mamot.fr · X: @Tapioca42\nhttps://tapioca.example"

// tapiocaWorld stores Tapioca's messages from three networks as connectors do: Mastodon and
// X with their profiles (the Mastodon one verified by the instance, the X one naming the same
// site), the email with a signature naming both handles.
func tapiocaWorld(t *testing.T, e *Engine) {
	t.Helper()
	ctx := context.Background()
	for _, own := range []model.IdentityURI{meMail, meMast, meX} {
		if err := e.SetOwnIdentity(ctx, model.Identity{URI: own}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	ids := map[model.IdentityURI]*model.Identity{
		tapM: {URI: tapM, Handle: "@Tapioca@mamot.fr", Profile: &model.Profile{Fields: []model.ProfileField{
			{Name: "Website", Value: "tapioca.example", URL: "https://tapioca.example", VerifiedAt: now}}}},
		tapX: {URI: tapX, Handle: "@Tapioca42", Profile: &model.Profile{URLs: []string{"https://tapioca.example/"},
			Note: "Bubble tea & open source. Also on Mastodon: @Tapioca@mamot.fr"}},
	}
	mail := msg("acct-e", model.Email, "INBOX/1/1", tapE, "Tapioca", meMail, now.Add(2*time.Hour))
	mail.Body.Text = "Hi Alex,\n\nbubble tea on Saturday?\n\n" + tapSignature
	for _, w := range []repo.MessageWrite{
		msg("acct-m", model.Mastodon, "m1", tapM, "Tapioca", meMast, now),
		msg("acct-x", model.X, "x1", tapX, "Tapioca", meX, now.Add(time.Minute)),
		mail,
		msg("acct-e", model.Email, "INBOX/1/2", "email:camille@example.org", "Camille", meMail, now.Add(3*time.Hour)),
	} {
		err := e.Repo.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Identities}, func(tx *repo.Tx) error {
			if err := tx.PutMessage(w.Message, w.Body); err != nil {
				return err
			}
			if id := ids[w.Message.Participants[0].URI]; id != nil {
				return tx.PutIdentity(id)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func networksOf(page []Stored) [][]model.Network {
	var out [][]model.Network
	for _, s := range page {
		out = append(out, s.Networks)
	}
	return out
}

// Tapioca's story through the engine: the verified link merges Mastodon and X, the email
// signature naming both handles is one suggestion with two pieces of evidence, kept across
// a restart; accepting it makes one discussion over three networks whose contact shows why,
// and a split gives two discussions again without the suggestion coming back.
func TestSuggestionAcceptSplit(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	topics := map[string]int{}
	e.Notify = func(topic string) { topics[topic]++ }
	tapiocaWorld(t, e)
	if topics[TopicProfiles] == 0 {
		t.Fatal("the signature was not announced")
	}
	if id, err := e.Repo.Identity(ctx, tapE); err != nil || id.Profile == nil || !strings.Contains(id.Profile.Signature, "@Tapioca42") {
		t.Fatalf("the sender's signature was not kept: %+v %v", id, err)
	}
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	page, _, _ := e.DiscussionPage(ctx, "", 10)
	if len(page) != 3 {
		t.Fatalf("after FindLinks: %v", networksOf(page))
	}
	groups, err := e.Suggestions(ctx)
	if err != nil || len(groups) != 1 || len(groups[0].Evidence) != 2 || len(groups[0].Contacts) != 2 {
		t.Fatalf("suggestions %+v, %v", groups, err)
	}
	for _, ev := range groups[0].Evidence {
		if ev.Kind != contacts.KindSignature || !slices.Contains(ev.Identities, tapE) {
			t.Fatalf("evidence %+v", ev)
		}
	}

	// A restart (another engine on the same database) has them without detecting anything.
	e = startEngine(t, db)
	again, err := e.Suggestions(ctx)
	if err != nil || len(again) != 1 || again[0].ID != groups[0].ID {
		t.Fatalf("after a restart: %+v, %v", again, err)
	}
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ = e.Suggestions(ctx); len(again) != 1 {
		t.Fatalf("detected twice: %+v", again)
	}

	// The contacts list: everyone but the user, by name, searchable by handle.
	all, next, total, err := e.ContactsPage(ctx, "", "", 10)
	if err != nil || total != 3 || next != "" || all[0].Name != "Camille" {
		t.Fatalf("contacts %+v %q %d %v", all, next, total, err)
	}
	found, _, total, _ := e.ContactsPage(ctx, "tapioca42", "", 10)
	if total != 1 || len(found[0].Identities) != 2 {
		t.Fatalf("search by handle: %+v", found)
	}
	first, next, _, _ := e.ContactsPage(ctx, "", "", 2)
	rest, last, _, _ := e.ContactsPage(ctx, "", next, 2)
	if len(first) != 2 || len(rest) != 1 || last != "" || rest[0].ID == first[1].ID {
		t.Fatalf("pages %+v / %+v", first, rest)
	}

	if err := e.Accept(ctx, again[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Accept(ctx, again[0].ID); err == nil {
		t.Fatal("a suggestion accepted twice")
	}
	page, _, _ = e.DiscussionPage(ctx, "", 10)
	if len(page) != 2 || len(page[0].Networks)+len(page[1].Networks) != 4 {
		t.Fatalf("after accepting: %v", networksOf(page))
	}
	c, err := e.Contact(ctx, "", tapE)
	if err != nil || len(c.Identities) != 3 {
		t.Fatalf("contact %+v %v", c, err)
	}
	kinds := map[contacts.EvidenceKind]int{}
	for _, ev := range c.Evidence {
		kinds[ev.Kind]++
	}
	if kinds[contacts.KindVerifiedLink] != 1 || kinds[contacts.KindSignature] != 2 || kinds[contacts.KindUser] != 1 {
		t.Fatalf("evidence %v", kinds)
	}
	if s, _ := e.Suggestions(ctx); len(s) != 0 {
		t.Fatalf("suggestions left: %+v", s)
	}

	if err := e.Split(ctx, c.ID, []model.IdentityURI{tapE}); err != nil {
		t.Fatal(err)
	}
	page, _, _ = e.DiscussionPage(ctx, "", 10)
	if len(page) != 3 {
		t.Fatalf("after the split: %v", networksOf(page))
	}
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	e = startEngine(t, db)
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.Suggestions(ctx); len(s) != 0 {
		t.Fatalf("the split was proposed again: %+v", s)
	}
	if c, _ := e.Contact(ctx, "", tapX); len(c.Identities) != 2 {
		t.Fatalf("Mastodon and X apart: %+v", c)
	}
}

// Dismissing a suggestion keeps the contacts apart, for good; merging two contacts by hand
// joins their discussions.
func TestSuggestionDismissAndMergeByHand(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	tapiocaWorld(t, e)
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	groups, _ := e.Suggestions(ctx)
	if len(groups) != 1 {
		t.Fatalf("suggestions %+v", groups)
	}
	if err := e.Dismiss(ctx, groups[0].ID); err != nil {
		t.Fatal(err)
	}
	e = startEngine(t, db)
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	if s, _ := e.Suggestions(ctx); len(s) != 0 {
		t.Fatalf("dismissed, yet proposed: %+v", s)
	}
	camille, _ := e.Contact(ctx, "", "email:camille@example.org")
	tapioca, _ := e.Contact(ctx, "", tapX)
	merged, err := e.Merge(ctx, []contacts.ContactID{camille.ID, tapioca.ID})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := e.Contact(ctx, merged, "")
	if len(c.Identities) != 3 {
		t.Fatalf("merged: %+v", c)
	}
	if _, err := e.Merge(ctx, []contacts.ContactID{merged, merged}); err == nil {
		t.Fatal("a contact merged with itself")
	}
	if _, err := e.Merge(ctx, []contacts.ContactID{merged, "c-nobody"}); err == nil {
		t.Fatal("a merge with a contact that does not exist")
	}
}

// TestBenchContactsPage prints BENCH lines (CALIOPEN_BENCH=1, `make bench`): one page of the
// contacts list of 5,000 contacts, and one search among them, in microseconds. A page costs a
// pass over the book in memory, not a read of the store.
func TestBenchContactsPage(t *testing.T) {
	if os.Getenv("CALIOPEN_BENCH") == "" {
		t.Skip("CALIOPEN_BENCH=1 runs it")
	}
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	var writes []repo.MessageWrite
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 5000 {
		from := model.IdentityURI(fmt.Sprintf("email:person%d@example.org", i))
		writes = append(writes, msg("acct", model.Email, fmt.Sprint(i), from, fmt.Sprintf("Person %d", i), meMail, at.Add(time.Duration(i)*time.Minute)))
	}
	if err := e.Ingest(ctx, writes); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"contacts_page_5k_us": "", "contacts_search_5k_us": "person42"} {
		r := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				if page, _, _, err := e.ContactsPage(ctx, text, "", 50); err != nil || len(page) == 0 {
					b.Fatal(len(page), err)
				}
			}
		})
		fmt.Printf("BENCH %s %d us\n", name, r.NsPerOp()/1000)
	}
}

// An OpenPGP key whose user ids name two addresses that wrote is strong evidence: FindLinks
// merges them, and the contact says why.
func TestFindLinksFromKeyUserIDs(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	work := model.IdentityURI("email:tapioca@work.example")
	if err := e.Ingest(ctx, []repo.MessageWrite{
		msg("acct-e", model.Email, "INBOX/1/1", tapE, "Tapioca", meMail, at),
		msg("acct-e", model.Email, "INBOX/1/2", work, "Tapioca", meMail, at.Add(time.Hour)),
	}); err != nil {
		t.Fatal(err)
	}
	e.KeyFacts = func() []contacts.Key {
		return []contacts.Key{{Fingerprint: "0123456789abcdef0123456789abcdef01234567",
			UserIDs: []string{"Tapioca <tapioca@example.net>", "Tapioca <tapioca@work.example>"}}}
	}
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := e.Contact(ctx, "", work)
	if err != nil || len(c.Identities) != 2 || len(c.Evidence) != 1 || c.Evidence[0].Kind != contacts.KindOpenPGPUserIDs {
		t.Fatalf("contact %+v, %v", c, err)
	}
	if page, _, _ := e.DiscussionPage(ctx, "", 10); len(page) != 1 {
		t.Fatalf("%d discussions", len(page))
	}
}
