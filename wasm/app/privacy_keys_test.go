//go:build !js

package app

import (
	"slices"
	"testing"

	"caliopen/wasm/api"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/privacy"
)

// The privacy indexes follow the keys: a user with a key of their own is no longer told to
// make one, and a correspondent's key known, then verified, raises the message's keys factor,
// the contact's and the discussion's grade, without any new mail.
func TestPrivacyIndexesFollowKeys(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	var ids int
	advises := func(r privacy.UserReport, code string) bool {
		return slices.ContainsFunc(r.Actions, func(a privacy.Action) bool { return a.Advice.Code == code })
	}
	ownKeyEvidence := func(r privacy.UserReport) string {
		f, _ := r.Index.Factor(privacy.FactorUserOwnKey)
		if len(f.Evidence) == 0 {
			return ""
		}
		return f.Evidence[0].Code
	}
	follow(u.ui, &ids, "privacy.user", api.Empty{}, "the advice to make a key", func(r privacy.UserReport) bool {
		return ownKeyEvidence(r) == "evidence.user.no-own-key" && advises(r, "advice.user.create-key")
	})

	bob, err := pgp.Generate("Bob", "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	u.stored(u.deliver([]byte("From: Bob <bob@example.com>\r\nTo: alice@example.test\r\nSubject: lunch\r\n"+
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <lunch@example.com>\r\n\r\nNoon?\r\n")), func(model.Message) bool { return true })
	page := follow(u.ui, &ids, "discussions.page", api.DiscussionsArgs{}, "bob's discussion", func(p api.DiscussionsPage) bool {
		return len(p.Items) == 1 && p.Items[0].Privacy != nil
	})
	key := page.Items[0].Key
	keysEvidence := func(v api.DiscussionView) string {
		if len(v.Messages) != 1 {
			return ""
		}
		f, _ := v.Messages[0].Privacy.Factor(privacy.FactorKeys)
		return f.Evidence[0].Code
	}
	score := func(what string, above int) int {
		t.Helper()
		p := follow(u.ui, &ids, "discussions.page", api.DiscussionsArgs{}, what, func(p api.DiscussionsPage) bool {
			return len(p.Items) == 1 && p.Items[0].Privacy != nil && p.Items[0].Privacy.Score > above
		})
		return p.Items[0].Privacy.Score
	}
	follow(u.ui, &ids, "discussion.messages", api.DiscussionArgs{Key: key}, "no key for bob", func(v api.DiscussionView) bool {
		return keysEvidence(v) == "evidence.keys.none"
	})
	before := page.Items[0].Privacy.Score

	// The user's own key: no more advice to make one.
	u.makeKey()
	follow(u.ui, &ids, "privacy.user", api.Empty{}, "the own key counted", func(r privacy.UserReport) bool {
		return ownKeyEvidence(r) == "evidence.user.own-key" && !advises(r, "advice.user.create-key")
	})

	// Bob's key imported: known; then verified.
	pub, _ := bob.Public()
	armored, _ := pub.Armored()
	u.must("keys.import", api.ImportKeyParams{Armored: armored}, nil)
	follow(u.ui, &ids, "discussion.messages", api.DiscussionArgs{Key: key}, "bob's key known", func(v api.DiscussionView) bool {
		return keysEvidence(v) == "evidence.keys.known"
	})
	known := score("the discussion regraded with bob's key", before)
	u.must("keys.setVerified", api.SetVerifiedParams{Address: "bob@example.com", Fingerprint: pub.Fingerprint(), Verified: true}, nil)
	follow(u.ui, &ids, "discussion.messages", api.DiscussionArgs{Key: key}, "bob's key verified", func(v api.DiscussionView) bool {
		return keysEvidence(v) == "evidence.keys.verified"
	})
	verified := score("the discussion regraded with bob's key verified", known)
	t.Logf("discussion score: %d without keys, %d with bob's key, %d verified", before, known, verified)

	// A key learnt from an Autocrypt header counts as known at once.
	carol, err := pgp.Generate("Carol", "carol@example.com")
	if err != nil {
		t.Fatal(err)
	}
	carolPub, _ := carol.Public()
	carolArmored, _ := carolPub.Armored()
	u.stored(u.deliver(withAutocrypt(t, []byte("From: Carol <carol@example.com>\r\nTo: alice@example.test\r\nSubject: hello\r\n"+
		"Date: Mon, 2 Nov 2026 11:00:00 +0000\r\nMessage-ID: <hello@example.com>\r\n\r\nHi!\r\n"), "carol@example.com", []byte(carolArmored))), func(model.Message) bool { return true })
	page = follow(u.ui, &ids, "discussions.page", api.DiscussionsArgs{Text: "carol"}, "carol's discussion", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	follow(u.ui, &ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "carol's Autocrypt key known", func(v api.DiscussionView) bool {
		return keysEvidence(v) == "evidence.keys.known"
	})
}
