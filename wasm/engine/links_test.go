package engine

import (
	"context"
	"testing"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// A connector stores its messages with their authors' profiles in one transaction; the
// engine names the authors without losing those profiles, and FindLinks merges on the strong
// evidence they hold (a Mastodon link verified by the instance, named by the X profile).
func TestFindLinksFromConnectorProfiles(t *testing.T) {
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	ctx := context.Background()
	now := time.Now()
	for _, own := range []model.IdentityURI{meMast, meX} {
		if err := e.SetOwnIdentity(ctx, model.Identity{URI: own}); err != nil {
			t.Fatal(err)
		}
	}
	profiles := map[model.IdentityURI]*model.Profile{
		tapM: {Fields: []model.ProfileField{{Name: "Home", Value: "tapioca.example", URL: "https://tapioca.example", VerifiedAt: now}}},
		tapX: {URLs: []string{"https://tapioca.example/"}},
	}
	for i, w := range []repo.MessageWrite{
		msg("acct-m", model.Mastodon, "m1", tapM, "Tapioca", meMast, now),
		msg("acct-x", model.X, "x1", tapX, "Tapioca", meX, now.Add(time.Minute)),
	} {
		from := w.Message.Participants[0].URI
		err := e.Repo.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Identities}, func(tx *repo.Tx) error {
			if err := tx.PutMessage(w.Message, w.Body); err != nil {
				return err
			}
			return tx.PutIdentity(&model.Identity{URI: from, Profile: profiles[from], UpdatedAt: now})
		})
		if err != nil {
			t.Fatal(i, err)
		}
		if id, err := e.Repo.Identity(ctx, from); err != nil || id.Profile == nil || id.DisplayName != "Tapioca" {
			t.Fatalf("%s stored as %+v (%v)", from, id, err)
		}
	}
	if n, _ := e.Repo.CountDiscussions(ctx); n != 2 {
		t.Fatalf("%d discussions before linking", n)
	}
	if err := e.FindLinks(ctx); err != nil {
		t.Fatal(err)
	}
	page, _, err := e.DiscussionPage(ctx, "", 10)
	if err != nil || len(page) != 1 || len(page[0].Networks) != 2 {
		t.Fatalf("after FindLinks: %+v, %v", page, err)
	}
	if err := e.FindLinks(ctx); err != nil { // nothing new: nothing changes
		t.Fatal(err)
	}
}
