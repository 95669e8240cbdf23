package discussions

import (
	"slices"
	"testing"

	"caliopen/wasm/model"
)

// Tapioca writes by email about two things and by Mastodon: the email makes two topics (by
// References, never by subject), the newest first, each with its messages in time order and
// its subject without reply markers; the direct message belongs to none.
func TestEmailTopics(t *testing.T) {
	s := newSetup(t)
	mail := func(id string, minute int, subject, msgID string, refs ...string) {
		m := message(id, "email", minute, tapMail, meMail)
		if len(refs) > 0 {
			m = message(id, "email", minute, meMail, tapMail)
		}
		m.Subject, m.MessageID, m.References = subject, msgID, refs
		if len(refs) > 0 {
			m.InReplyTo = refs[len(refs)-1:]
		}
		s.add(t, m)
	}
	mail("w1", 0, "Workshop on Saturday", "<w1@example.org>")
	mail("p1", 5, "Re: [club] Photos", "<p1@example.org>")
	mail("w2", 10, "RE: Re: Workshop on Saturday", "<w2@home.example>", "<w1@example.org>")
	mail("p2", 20, "[club] Re: Photos", "<p2@home.example>", "<p1@example.org>")
	mail("w3", 30, "Re: Workshop on Saturday", "<w3@example.org>") // same subject, no References: a topic of its own
	s.add(t, message("d1", "mastodon", 40, tapMasto, meMasto))
	chs, err := s.book.Link([]model.IdentityURI{tapMail, tapMasto}, t0)
	if err != nil {
		t.Fatal(err)
	}
	s.ix.Apply(chs...)
	k, ok := s.ix.DiscussionOf("w1")
	if !ok {
		t.Fatal("no discussion")
	}
	if k2, _ := s.ix.DiscussionOf("d1"); k2 != k {
		t.Fatalf("the Mastodon message is in another discussion")
	}
	topics := s.ix.EmailTopics(k)
	type view struct {
		subject string
		ids     []string
		unread  int
	}
	var got []view
	for _, tp := range topics {
		got = append(got, view{tp.Subject, tp.Messages, tp.Unread})
	}
	want := []view{
		{"Workshop on Saturday", []string{"w3"}, 1},
		{"Photos", []string{"p1", "p2"}, 1},
		{"Workshop on Saturday", []string{"w1", "w2"}, 1},
	}
	if !slices.EqualFunc(got, want, func(a, b view) bool {
		return a.subject == b.subject && slices.Equal(a.ids, b.ids) && a.unread == b.unread
	}) {
		t.Fatalf("topics %+v, want %+v", got, want)
	}
	if topics[2].ID != "w1" || !topics[2].LastDate.Equal(t0.Add(10*60e9)) {
		t.Fatalf("topic id %q, last %v", topics[2].ID, topics[2].LastDate)
	}
}
