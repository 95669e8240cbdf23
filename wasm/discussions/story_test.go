package discussions

import (
	"slices"
	"testing"
	"time"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
	"caliopen/wasm/threading"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

const (
	tapX     model.IdentityURI = "x:1234567890"
	tapMasto model.IdentityURI = "mastodon:tapioca@mamot.fr"
	tapMail  model.IdentityURI = "email:tapioca@example.org"
	bobMail  model.IdentityURI = "email:bob@example.org"
	meX      model.IdentityURI = "x:999"
	meMasto  model.IdentityURI = "mastodon:me@mamot.fr"
	meMail   model.IdentityURI = "email:me@home.example"
)

var accounts = []model.Account{
	{ID: "acct-mail", Network: model.Email, Identity: meMail},
	{ID: "acct-masto", Network: model.Mastodon, Identity: meMasto},
	{ID: "acct-x", Network: model.X, Identity: meX},
}

func message(id string, n model.Network, minute int, from model.IdentityURI, to ...model.IdentityURI) model.Message {
	m := model.Message{ID: id, Network: n, Date: t0.Add(time.Duration(minute) * time.Minute), Snippet: "msg " + id}
	for _, a := range accounts {
		if a.Network == n {
			m.AccountID = a.ID
		}
	}
	m.Participants = append(m.Participants, model.Participant{URI: from, Role: model.RoleFrom})
	for _, u := range to {
		m.Participants = append(m.Participants, model.Participant{URI: u, Role: model.RoleTo})
	}
	m.Outgoing = from == meX || from == meMasto || from == meMail
	m.Flags.Seen = m.Outgoing
	return m
}

// tapiocaIdentities: what X and Mastodon say about Tapioca's accounts.
func tapiocaIdentities() []model.Identity {
	return []model.Identity{
		{URI: tapX, Handle: "@Tapioca42", DisplayName: "Tapioca", Profile: &model.Profile{
			Note: "Cat. Elsewhere: @Tapioca@mamot.fr", URLs: []string{"https://tapioca.example/"}}},
		{URI: tapMasto, Handle: "@Tapioca@mamot.fr", DisplayName: "Tapioca", Profile: &model.Profile{
			Fields: []model.ProfileField{
				{Name: "Home", Value: "tapioca.example", URL: "https://tapioca.example", VerifiedAt: t0},
				{Name: "X", Value: "@Tapioca42"},
			}}},
		{URI: tapMail, DisplayName: "Tapioca"},
	}
}

type setup struct {
	book *contacts.Book
	ix   *Index
}

func newSetup(t *testing.T) *setup {
	s := &setup{book: contacts.NewBook(), ix: nil}
	for _, a := range accounts {
		s.book.PutIdentity(model.Identity{URI: a.Identity, Own: true})
	}
	for _, id := range tapiocaIdentities() {
		s.book.PutIdentity(id)
	}
	s.ix = NewIndex(s.book)
	return s
}

// add indexes a message, giving its participants contacts first, as the core does.
func (s *setup) add(t *testing.T, m model.Message) {
	t.Helper()
	for _, u := range ParticipantSet(&m) {
		if _, err := s.book.Ensure(u, m.Date); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ix.Add(m); err != nil {
		t.Fatal(err)
	}
}

func (s *setup) all(t *testing.T) []Summary {
	t.Helper()
	var out []Summary
	cur := Cursor("")
	for {
		page, next, err := s.ix.Page(cur, 2)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		cur = next
	}
}

func TestTapiocaStory(t *testing.T) {
	s := newSetup(t)
	s.add(t, message("x1", model.X, 1, tapX, meX))
	s.add(t, message("m1", model.Mastodon, 2, tapMasto, meMasto))
	s.add(t, message("e1", model.Email, 3, tapMail, meMail))
	s.add(t, message("x2", model.X, 4, meX, tapX)) // the user's reply on X

	before := s.all(t)
	if len(before) != 3 {
		t.Fatalf("before linking: %d discussions, want 3", len(before))
	}
	xKey, _ := s.ix.DiscussionOf("x1")
	if k, _ := s.ix.DiscussionOf("x2"); k != xKey {
		t.Fatal("the user's X reply is not in the X discussion")
	}

	// Evidence: a verified Mastodon link and a two-way X↔Mastodon claim, and the same
	// OpenPGP key signing Tapioca's mail and a Mastodon DM.
	facts := contacts.Facts{
		Identities: tapiocaIdentities(),
		Keys: []contacts.Key{{Fingerprint: "0123456789ABCDEF0123456789ABCDEF01234567",
			SeenFor: []model.IdentityURI{tapMail, tapMasto}}},
	}
	changes, suggestions, err := s.book.Consider(contacts.Detect(facts), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(suggestions) != 0 {
		t.Fatalf("strong evidence left suggestions: %+v", suggestions)
	}
	ch := s.ix.Apply(changes...)
	merged := s.all(t)
	if len(merged) != 1 {
		t.Fatalf("after linking: %d discussions, want 1", len(merged))
	}
	d := merged[0]
	if d.Count != 4 || d.Unread != 3 || !slices.Equal(d.Networks, []model.Network{model.Email, model.Mastodon, model.X}) ||
		len(d.Participants) != 1 || len(d.Participants[0].Identities) != 3 || d.LastMessageID != "x2" {
		t.Fatalf("merged summary %+v", d)
	}
	if len(ch.SetMoves) == 0 || len(ch.Deleted) != 2 {
		t.Fatalf("changes %+v", ch)
	}
	contact := d.Participants[0].Contact
	if links := s.book.Links(contact); len(links) < 2 {
		t.Fatalf("the contact does not show its evidence: %+v", links)
	}

	// The user's replies land in the same discussion whatever network they use.
	s.add(t, message("m2", model.Mastodon, 5, meMasto, tapMasto))
	s.add(t, message("e2", model.Email, 6, meMail, tapMail))
	for _, id := range []string{"x1", "x2", "m1", "m2", "e1", "e2"} {
		if k, _ := s.ix.DiscussionOf(id); k != d.Key {
			t.Fatalf("message %s is not in the merged discussion", id)
		}
	}
	msgs := s.ix.Messages(d.Key)
	if len(msgs) != 6 || msgs[0].ID != "x1" || msgs[5].ID != "e2" {
		t.Fatalf("messages out of order: %v", ids(msgs))
	}

	// Reply channel: without a ranker, where Tapioca last wrote (email, at minute 3).
	choice, err := s.ix.ReplyChannel(ReplyRequest{Discussion: d.Key, Accounts: accounts}, s.book)
	if err != nil || choice.Default.Network != model.Email || len(choice.Options) != 3 {
		t.Fatalf("reply choice %+v, %v", choice, err)
	}
	t.Logf("reply: %s", choice.Reason)
	choice, _ = s.ix.ReplyChannel(ReplyRequest{Discussion: d.Key, Accounts: accounts, Ranker: fakeRanker{}}, s.book)
	if choice.Default.Network != model.Mastodon || choice.Default.To[0] != tapMasto {
		t.Fatalf("ranked reply choice %+v", choice)
	}
	t.Logf("reply: %s", choice.Reason)

	// Split (undo every merge) restores three discussions, replies included.
	log := s.book.Log()
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].Kind != contacts.OpMerge {
			continue
		}
		ch, err := s.book.Undo(log[i].ID, "undo-"+log[i].ID, t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		s.ix.Apply(ch)
	}
	split := s.all(t)
	if len(split) != 3 {
		t.Fatalf("after split: %d discussions", len(split))
	}
	for _, sum := range split {
		if sum.Count != 2 || len(sum.Networks) != 1 {
			t.Fatalf("after split: %+v", sum)
		}
	}
}

func TestGroupAndUnknownRepliesStayOnTheParentNetwork(t *testing.T) {
	s := newSetup(t)
	s.add(t, message("g1", model.Email, 1, tapMail, meMail, bobMail))
	k, _ := s.ix.DiscussionOf("g1")
	choice, err := s.ix.ReplyChannel(ReplyRequest{Discussion: k, Accounts: accounts}, s.book)
	if err != nil || choice.Default.Network != model.Email || !slices.Equal(choice.Default.To, []model.IdentityURI{tapMail, bobMail}) {
		t.Fatalf("group reply %+v, %v", choice, err)
	}
	// Unknown correspondent (no contact was created for it).
	if _, err := s.ix.Add(message("u1", model.Mastodon, 2, "mastodon:stranger@example.social", meMasto)); err != nil {
		t.Fatal(err)
	}
	k, _ = s.ix.DiscussionOf("u1")
	choice, err = s.ix.ReplyChannel(ReplyRequest{Discussion: k, Accounts: accounts}, s.book)
	if err != nil || choice.Default.Network != model.Mastodon || len(choice.Options) != 1 {
		t.Fatalf("unknown reply %+v, %v", choice, err)
	}
	t.Logf("reply: %s", choice.Reason)
}

func TestListsKeyOnListID(t *testing.T) {
	s := newSetup(t)
	a := message("l1", model.Email, 1, tapMail, "email:dev@lists.example")
	a.ListID = "Dev <dev.lists.example>"
	b := message("l2", model.Email, 2, bobMail, "email:dev@lists.example")
	b.ListID = "<dev.lists.example>"
	b.MessageID, b.References = "b@x", []string{"a@x"}
	a.MessageID = "a@x"
	s.add(t, a)
	s.add(t, b)
	s.add(t, message("p1", model.Email, 3, bobMail, meMail))
	if got := s.all(t); len(got) != 2 {
		t.Fatalf("%d discussions, want 2 (the list, Bob)", len(got))
	}
	k, _ := s.ix.DiscussionOf("l1")
	if k2, _ := s.ix.DiscussionOf("l2"); k2 != k {
		t.Fatal("list mail split by sender")
	}
	if topics := s.ix.Topics(k, threading.Strict); len(topics) != 1 || len(topics[0].Messages()) != 2 {
		t.Fatalf("topics %d", len(topics))
	}
	// A reply to list mail goes to the author and the list's posting address, by email.
	choice, err := s.ix.ReplyChannel(ReplyRequest{Discussion: k, Accounts: accounts}, s.book)
	if err != nil || choice.Default.Network != model.Email ||
		!slices.Equal(choice.Default.To, []model.IdentityURI{bobMail, "email:dev@lists.example"}) {
		t.Fatalf("list reply %+v, %v", choice, err)
	}
}

func TestMastodonTopics(t *testing.T) {
	s := newSetup(t)
	a := message("m1", model.Mastodon, 1, tapMasto, meMasto)
	a.RemoteID = "101"
	b := message("m2", model.Mastodon, 2, meMasto, tapMasto)
	b.RemoteID, b.InReplyToRemote = "102", "101"
	c := message("m3", model.Mastodon, 3, tapMasto, meMasto)
	c.RemoteID = "103" // a new conversation
	x := message("x1", model.X, 4, tapX, meX)
	for _, m := range []model.Message{a, b, c, x} {
		s.add(t, m)
	}
	k, _ := s.ix.DiscussionOf("m1")
	topics := s.ix.Topics(k, threading.Strict)
	if len(topics) != 2 || len(topics[0].Messages()) != 2 || len(topics[1].Messages()) != 1 {
		t.Fatalf("%d topics", len(topics))
	}
}

type fakeRanker struct{}

func (fakeRanker) Rank(n model.Network, _ model.IdentityURI) (int, bool) {
	return map[model.Network]int{model.Mastodon: 70, model.Email: 50, model.X: 20}[n], true
}

func ids(msgs []model.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// The changes of each call are what a store must write: replaying them into a map of
// records gives the index's own view.
func TestChangesDescribeTheStore(t *testing.T) {
	s := newSetup(t)
	summaries := map[Key]Summary{}
	sets := map[SetKey]Key{}
	write := func(c Changes) {
		for _, u := range c.Upserted {
			summaries[u.Key] = u
		}
		for _, k := range c.Deleted {
			delete(summaries, k)
		}
		for _, r := range c.NewSets {
			sets[r.Set] = r.Key
		}
		for _, k := range c.DeletedSets {
			delete(sets, k)
		}
		for _, m := range c.SetMoves {
			if sets[m.Set] != m.From {
				t.Fatalf("set %s moved from %s but was in %s", m.Set, m.From, sets[m.Set])
			}
			sets[m.Set] = m.To
		}
	}
	for _, m := range []model.Message{
		message("x1", model.X, 1, tapX, meX), message("m1", model.Mastodon, 2, tapMasto, meMasto),
		message("e1", model.Email, 3, tapMail, meMail),
	} {
		chs, _ := s.book.EnsureAll(ParticipantSet(&m), m.Date)
		write(s.ix.Apply(chs...))
		c, err := s.ix.Add(m)
		if err != nil {
			t.Fatal(err)
		}
		write(c)
	}
	chs, err := s.book.Link([]model.IdentityURI{tapX, tapMasto, tapMail}, t0)
	if err != nil {
		t.Fatal(err)
	}
	write(s.ix.Apply(chs...))
	write(s.ix.Remove("m1"))
	if len(summaries) != 1 || len(sets) != 2 {
		t.Fatalf("store view: %d summaries, %d sets", len(summaries), len(sets))
	}
	for _, sum := range summaries {
		if got, _ := s.ix.Summary(sum.Key); got.Count != sum.Count || sum.Count != 2 {
			t.Fatalf("stored summary %+v, index %+v", sum, got)
		}
		for sk, k := range sets {
			if k != sum.Key {
				t.Fatalf("set %s points at %s", sk, k)
			}
		}
	}
	x1 := message("x1", model.X, 1, tapX, meX)
	if _, ok := sets[SetKeyOf(&x1)]; !ok {
		t.Fatal("SetKeyOf does not name the stored set")
	}
}

// The composer can find the discussion a new message will join before sending it.
func TestKeyForMatchesTheIndex(t *testing.T) {
	s := newSetup(t)
	s.add(t, message("e1", model.Email, 1, tapMail, meMail))
	k, _ := s.ix.DiscussionOf("e1")
	if got := KeyFor(s.book, []model.IdentityURI{meMail, tapMail}); got != k {
		t.Fatalf("KeyFor = %s, index %s", got, k)
	}
	if got := KeyFor(s.book, []model.IdentityURI{tapMail, meX}); got != k {
		t.Fatal("the user's identity on another network changed the key")
	}
	if _, ok := s.ix.Summary("nope"); ok {
		t.Fatal("summary of an unknown discussion")
	}
}
