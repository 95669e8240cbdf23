package privacy

import (
	"strings"
	"testing"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

func encryptedMail(enc bool) model.Message {
	return model.Message{Network: model.Email, Security: model.Security{Encrypted: enc}}
}

func TestContactIndex(t *testing.T) {
	keys := PeopleMap{tapMail: {Key: KeyVerified}}
	tests := []struct {
		name     string
		in       ContactInput
		score    int
		evidence string // an evidence code expected
		advice   string // an advice text expected ("" for none at all)
	}{
		{"verified key, encrypted history", ContactInput{
			Contact:  contacts.Contact{Name: "Tapioca", Identities: []model.IdentityURI{tapMail, tapMasto}},
			Messages: []model.Message{encryptedMail(true), encryptedMail(true)},
			Ranker:   Ranker{People: keys, Accounts: myAccounts, OwnKey: true},
		}, 100, "evidence.contact.key-verified", ""},
		{"no key, clear history", ContactInput{
			Contact:  contacts.Contact{Name: "Bob", Identities: []model.IdentityURI{"email:bob@example.org"}},
			Messages: []model.Message{encryptedMail(false), encryptedMail(false), encryptedMail(false)},
			Ranker:   Ranker{People: keys, Accounts: myAccounts, OwnKey: true},
		}, 12, "evidence.channels.email", "Bob publishes no key — ask Bob for one."},
		{"Mastodon elsewhere only, never wrote", ContactInput{
			Contact: contacts.Contact{Name: "Zaza", Identities: []model.IdentityURI{"mastodon:zaza@piaille.fr"}},
			Ranker:  Ranker{People: keys, Accounts: myAccounts, OwnKey: true},
		}, 13, "evidence.channels.mastodon-cross", "Ask Zaza for an email address and an OpenPGP key: only email can be end-to-end encrypted here."},
		{"email without key beside Mastodon", ContactInput{
			Contact:  contacts.Contact{Name: "Tapioca", Identities: []model.IdentityURI{tapMail, tapMasto}},
			Messages: []model.Message{{Network: model.Mastodon}},
			Ranker:   Ranker{People: PeopleMap{}, Accounts: myAccounts, OwnKey: true},
		}, 12, "evidence.channels.mastodon-same", "Email tapioca@example.org with OpenPGP would be private: exchange keys with Tapioca."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ix := ContactIndex(tc.in)
			if ix.Score != tc.score {
				t.Fatalf("score %d, want %d: %+v", ix.Score, tc.score, ix.Factors)
			}
			found := false
			for _, f := range ix.Factors {
				found = found || hasEvidence(f, tc.evidence, "")
				if f.Full() == (len(f.Advice) > 0) {
					t.Fatalf("factor %s %d/%d advice %v", f.ID, f.Earned, f.Possible, f.Advice)
				}
			}
			if !found {
				t.Fatalf("no evidence %s in %+v", tc.evidence, ix.Factors)
			}
			all := adviceText(ix.Advice())
			if tc.advice == "" && all != "" || !strings.Contains(all, tc.advice) {
				t.Fatalf("advice:\n%s\nwant %q", all, tc.advice)
			}
		})
	}
}

func scored(scores ...int) []Index {
	out := make([]Index, len(scores))
	for i, s := range scores {
		out[i] = Index{Score: s, Grade: GradeOf(s), Factors: []Factor{{ID: "x", Earned: s, Possible: 100,
			Advice: []Note{note("advice.test", "raise message "+string(rune('a'+i)))}}}}
		if s == 100 {
			out[i].Factors[0].Advice = nil
		}
	}
	return out
}

func TestDiscussionIndex(t *testing.T) {
	people := []NamedIndex{{Name: "Tapioca", Index: Index{Score: 98}}}
	t.Run("a recent message in clear drags it down", func(t *testing.T) {
		ix := DiscussionIndex(DiscussionInput{Messages: scored(90, 90, 10), Participants: people})
		// messages: 70 × (10 + 63) / 200 = 25; participants 30 × 98 / 100 = 29
		if ix.Score != 54 || ix.Grade != GradeC {
			t.Fatalf("score %d: %+v", ix.Score, ix.Factors)
		}
		if f := mustFactor(t, ix, FactorDiscussionMessages); !strings.Contains(adviceText(f.Advice), "raise message c") {
			t.Fatalf("the weakest message's advice is missing: %+v", f.Advice)
		}
	})
	t.Run("only the latest messages count", func(t *testing.T) {
		msgs := scored(0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100)
		ix := DiscussionIndex(DiscussionInput{Messages: msgs, Participants: []NamedIndex{{Name: "A", Index: Index{Score: 100}}}})
		if ix.Score != 100 {
			t.Fatalf("score %d", ix.Score)
		}
	})
	t.Run("never above its best recent message", func(t *testing.T) {
		ix := DiscussionIndex(DiscussionInput{Messages: scored(38, 38), Participants: people})
		if ix.Score != 38 || ix.Cap == nil || ix.Cap.Limit != 38 {
			t.Fatalf("score %d cap %+v", ix.Score, ix.Cap)
		}
		if s := Summary(ix); s.Score != 38 || s.Grade != "D" {
			t.Fatalf("summary %+v", s)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if ix := DiscussionIndex(DiscussionInput{}); ix.Score != 0 || ix.Cap != nil {
			t.Fatalf("%+v", ix)
		}
	})
}

func TestUserIndex(t *testing.T) {
	tapioca := ContactIndex(ContactInput{
		Contact:  contacts.Contact{Name: "Tapioca", Identities: []model.IdentityURI{tapMail}},
		Messages: []model.Message{encryptedMail(true)},
		Ranker:   Ranker{People: PeopleMap{tapMail: {Key: KeyVerified}}, Accounts: myAccounts, OwnKey: true},
	})
	bob := ContactIndex(ContactInput{
		Contact:  contacts.Contact{Name: "Bob", Identities: []model.IdentityURI{"email:bob@example.org"}},
		Messages: []model.Message{encryptedMail(false)},
		Ranker:   Ranker{People: PeopleMap{}, Accounts: myAccounts, OwnKey: true},
	})
	r := UserIndex(UserInput{
		Accounts: []AccountLink{
			{Account: myAccounts[0], Link: Link{TLS: true, Version: "TLSv1.3"}},
			{Account: myAccounts[1], Link: Link{TLS: true}},
			{Account: model.Account{Label: "old mail", Network: model.Email, Identity: "email:me@old.example"}, Link: Link{}},
		},
		Contacts: []NamedIndex{{Name: "Tapioca", Index: tapioca}, {Name: "Bob", Index: bob}},
	})
	// links 20 × 2/3 = 13, no own key 0, contacts 60 × mean(100, 12) / 100 = 33
	if r.Index.Score != 46 {
		t.Fatalf("score %d: %+v", r.Index.Score, r.Index.Factors)
	}
	if len(r.Actions) == 0 || len(r.Actions) > TopActions || r.Actions[0].Advice.Code != "advice.user.create-key" {
		t.Fatalf("actions %+v", r.Actions)
	}
	texts := ""
	for i, a := range r.Actions {
		if i > 0 && a.Gain > r.Actions[i-1].Gain {
			t.Fatalf("actions out of order: %+v", r.Actions)
		}
		texts += a.Advice.Text + "\n"
	}
	for _, want := range []string{"Bob publishes no key — ask Bob for one.", "Turn on TLS 1.2 or later for your account old mail."} {
		if !strings.Contains(texts, want) {
			t.Fatalf("missing action %q in\n%s", want, texts)
		}
	}
}

// TestContactAdviceExactlyWhenMissing: over keys, identities, the user's accounts, own key
// and history, a contact factor has advice exactly when it misses points.
func TestContactAdviceExactlyWhenMissing(t *testing.T) {
	identitySets := [][]model.IdentityURI{
		{tapMail}, {tapMasto}, {"mastodon:tapioca@piaille.fr"}, {tapX}, {tapMail, tapMasto, tapX}, {},
	}
	accountSets := [][]model.Account{myAccounts, myAccounts[:1], myAccounts[1:], nil}
	histories := [][]model.Message{nil, {encryptedMail(true)}, {encryptedMail(false), encryptedMail(true)},
		{{Network: model.X, Security: model.Security{Signature: model.SigBad}}}}
	n := 0
	for _, ids := range identitySets {
		for _, accts := range accountSets {
			for _, key := range dimKeys {
				for _, own := range []bool{false, true} {
					for _, h := range histories {
						n++
						ix := ContactIndex(ContactInput{
							Contact:  contacts.Contact{Name: "Tapioca", Identities: ids},
							Messages: h,
							Ranker:   Ranker{People: PeopleMap{tapMail: {Key: key}}, Accounts: accts, OwnKey: own},
						})
						if ix.Score < 0 || ix.Score > 100 || ix.Grade != GradeOf(ix.Score) {
							t.Fatalf("score %d grade %s", ix.Score, ix.Grade)
						}
						for _, f := range ix.Factors {
							if f.Full() == (len(f.Advice) > 0) || len(f.Evidence) == 0 {
								t.Fatalf("ids %v accounts %d key %v own %v history %d: factor %s %d/%d advice %v evidence %v",
									ids, len(accts), key, own, len(h), f.ID, f.Earned, f.Possible, f.Advice, f.Evidence)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d contact combinations", n)
}
