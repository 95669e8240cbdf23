package privacy

import (
	"strings"
	"testing"
	"time"

	"caliopen/wasm/contacts"
	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
)

const (
	tapMail  model.IdentityURI = "email:tapioca@example.org"
	tapMasto model.IdentityURI = "mastodon:tapioca@mamot.fr"
	tapX     model.IdentityURI = "x:1234567890"
	meMail   model.IdentityURI = "email:me@home.example"
	meMasto  model.IdentityURI = "mastodon:me@mamot.fr"
	meX      model.IdentityURI = "x:999"
)

var myAccounts = []model.Account{
	{ID: "acct-mail", Network: model.Email, Identity: meMail},
	{ID: "acct-masto", Network: model.Mastodon, Identity: meMasto},
	{ID: "acct-x", Network: model.X, Identity: meX},
}

var _ discussions.PrivacyRanker = Ranker{}

func TestRankOrder(t *testing.T) {
	people := PeopleMap{
		"email:verified@example.org": {Key: KeyVerified},
		"email:known@example.org":    {Key: KeyKnown},
	}
	r := Ranker{People: people, Accounts: myAccounts, OwnKey: true}
	order := []struct {
		network model.Network
		to      model.IdentityURI
	}{
		{model.Email, "email:verified@example.org"},
		{model.Email, "email:known@example.org"},
		{model.Email, "email:nokey@example.org"},
		{model.Mastodon, "mastodon:someone@mamot.fr"},
		{model.Mastodon, "mastodon:someone@piaille.fr"},
		{model.X, "x:42"},
	}
	prev := 101
	for _, o := range order {
		s, ok := r.Rank(o.network, o.to)
		if !ok || s >= prev {
			t.Fatalf("%s %s ranked %d (ok %v) after %d", o.network, o.to, s, ok, prev)
		}
		prev = s
	}
	if _, ok := r.Rank(model.List, "list:x"); ok {
		t.Fatal("a list is not a channel")
	}
	// Without a key of the user's own, a known key of theirs does not make email encrypted.
	if s, _ := (Ranker{People: people, Accounts: myAccounts}).Rank(model.Email, "email:verified@example.org"); s != RankEmail {
		t.Fatalf("no own key: %d", s)
	}
}

// TestReplyChannelDefault drives the discussions index's reply choice with the ranker.
func TestReplyChannelDefault(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	book := contacts.NewBook()
	for _, a := range myAccounts {
		book.PutIdentity(model.Identity{URI: a.Identity, Own: true})
		book.SetOwn(a.Identity)
	}
	for _, u := range []model.IdentityURI{tapMail, tapMasto, tapX} {
		book.PutIdentity(model.Identity{URI: u, DisplayName: "Tapioca"})
		if _, err := book.Ensure(u, now); err != nil {
			t.Fatal(err)
		}
	}
	into := contacts.IDFor(tapMail)
	for _, u := range []model.IdentityURI{tapMasto, tapX} {
		if _, err := book.Merge(into, contacts.IDFor(u), nil, now); err != nil {
			t.Fatal(err)
		}
	}
	ix := discussions.NewIndex(book)
	dm := model.Message{ID: "x1", AccountID: "acct-x", Network: model.X, Date: now, Participants: []model.Participant{
		{URI: tapX, Role: model.RoleFrom}, {URI: meX, Role: model.RoleTo}}}
	if _, err := ix.Add(dm); err != nil {
		t.Fatal(err)
	}
	key, _ := ix.DiscussionOf("x1")
	choose := func(people People, ownKey bool) discussions.ReplyChoice {
		t.Helper()
		c, err := ix.ReplyChannel(discussions.ReplyRequest{Discussion: key, Accounts: myAccounts,
			Ranker: Ranker{People: people, Accounts: myAccounts, OwnKey: ownKey}}, book)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	withKey := BookPeople{Book: book, Keys: map[model.IdentityURI]KeyState{tapMail: KeyKnown}}
	if c := choose(withKey, true); c.Default.Network != model.Email || !strings.Contains(c.Reason, "most private") {
		t.Fatalf("with keys: %+v", c)
	}
	if c := choose(BookPeople{Book: book}, false); c.Default.Network != model.Email {
		t.Fatalf("email over TLS should beat a Mastodon DM: %+v", c.Default)
	}
	// The discussion's own index, from the same index and book.
	din, ok := DiscussionInputOf(ix, key,
		func(m model.Message) Index {
			return MessageIndex(MessageInput{Message: m, Own: []model.IdentityURI{meX}, Link: Link{TLS: true}}, withKey)
		},
		func(p discussions.Participant) NamedIndex {
			c, _ := book.Contact(p.Contact)
			return NamedIndex{Name: c.Name, Index: ContactIndex(ContactInput{Contact: c,
				Ranker: Ranker{People: withKey, Accounts: myAccounts, OwnKey: true}})}
		})
	if !ok || len(din.Messages) != 1 || len(din.Participants) != 1 {
		t.Fatalf("discussion input %+v", din)
	}
	if d := DiscussionIndex(din); d.Score > CapX || !strings.Contains(adviceText(d.Advice()), "reply by email") {
		t.Fatalf("an X-only discussion: %d, advice:\n%s", d.Score, adviceText(d.Advice()))
	}
	// Without email, Mastodon on the user's own instance beats X.
	mastodonOnly := []model.Account{myAccounts[1], myAccounts[2]}
	c, err := ix.ReplyChannel(discussions.ReplyRequest{Discussion: key, Accounts: mastodonOnly,
		Ranker: Ranker{People: withKey, Accounts: mastodonOnly}}, book)
	if err != nil || c.Default.Network != model.Mastodon {
		t.Fatalf("no email account: %+v %v", c.Default, err)
	}
}
