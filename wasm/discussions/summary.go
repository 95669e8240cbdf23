package discussions

import (
	"slices"
	"strings"
	"time"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
	"caliopen/wasm/threading"
)

// Summary is one line of the discussion list.
type Summary struct {
	Key           Key             `json:"key"`
	Participants  []Participant   `json:"participants"` // the people, the user excluded
	Networks      []model.Network `json:"networks"`
	LastDate      time.Time       `json:"lastDate"`
	LastMessageID string          `json:"lastMessageId"`
	Snippet       string          `json:"snippet"`
	Subject       string          `json:"subject,omitempty"`
	Unread        int             `json:"unread"`
	Count         int             `json:"count"`
	// Privacy is filled by the privacy index; nil until then.
	Privacy *Privacy `json:"privacy,omitempty"`
}

// Participant is one person (or list) of a discussion: a contact and the identities of it
// seen in the discussion, or a lone identity without a contact.
type Participant struct {
	Contact    contacts.ContactID  `json:"contact,omitempty"`
	Identities []model.IdentityURI `json:"identities"`
}

// Privacy is room for the privacy index's grade of a discussion.
type Privacy struct {
	Score int    `json:"score"`
	Grade string `json:"grade"`
}

func (ix *Index) summary(d *discussion) Summary {
	s := Summary{
		Key: d.key, Unread: d.unread, Count: d.count, LastDate: d.lastDate(),
	}
	if d.last != nil {
		s.LastMessageID, s.Snippet, s.Subject = d.last.msg.ID, d.last.msg.Snippet, d.last.msg.Subject
	}
	for n := range d.networks {
		s.Networks = append(s.Networks, n)
	}
	slices.Sort(s.Networks)
	s.Participants = ix.participants(d)
	return s
}

// participants returns the people of a discussion (a copy of the cached list).
func (ix *Index) participants(d *discussion) []Participant {
	if d.people == nil {
		d.people = ix.resolvePeople(d)
	}
	out := make([]Participant, len(d.people))
	copy(out, d.people) // Identities slices are never modified after being built
	return out
}

func (ix *Index) resolvePeople(d *discussion) []Participant {
	byComp := map[string]*Participant{}
	for _, set := range d.sets {
		for _, u := range set.uris {
			if ix.resolver.IsOwn(u) {
				continue
			}
			comp, c := string(u), contacts.ContactID("")
			if id, ok := ix.resolver.ContactOf(u); ok {
				comp, c = "contact:"+string(id), id
			}
			p := byComp[comp]
			if p == nil {
				p = &Participant{Contact: c}
				byComp[comp] = p
			}
			if !slices.Contains(p.Identities, u) {
				p.Identities = append(p.Identities, u)
			}
		}
	}
	out := make([]Participant, 0, len(byComp))
	for _, p := range byComp {
		slices.Sort(p.Identities)
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Participant) int {
		return strings.Compare(string(a.Identities[0]), string(b.Identities[0]))
	})
	return out
}

// Page returns up to limit discussion summaries after the cursor, newest first, and the
// cursor of the next page ("" at the end).
func (ix *Index) Page(after Cursor, limit int) ([]Summary, Cursor, error) {
	pos, from, err := parseCursor(after)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = 50
	}
	var out []Summary
	var last position
	more := false
	ix.order.ascend(pos, from, func(p position) bool {
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, ix.summary(ix.discussions[p.key]))
		last = p
		return true
	})
	if !more {
		return out, "", nil
	}
	return out, last.cursor(), nil
}

// Summary returns one discussion's summary.
func (ix *Index) Summary(k Key) (Summary, bool) {
	d, ok := ix.discussions[k]
	if !ok {
		return Summary{}, false
	}
	return ix.summary(d), true
}

// DiscussionOf returns the discussion of a message.
func (ix *Index) DiscussionOf(messageID string) (Key, bool) {
	e, ok := ix.messages[messageID]
	if !ok {
		return "", false
	}
	return e.set.disc.key, true
}

// Messages returns the messages of a discussion, oldest first.
func (ix *Index) Messages(k Key) []model.Message {
	d, ok := ix.discussions[k]
	if !ok {
		return nil
	}
	entries := make([]*entry, 0, d.count)
	for _, s := range d.sets {
		for _, e := range s.msgs {
			entries = append(entries, e)
		}
	}
	slices.SortFunc(entries, byDate)
	out := make([]model.Message, len(entries))
	for i, e := range entries {
		out[i] = *e.msg
	}
	return out
}

// Topics threads the email messages of a discussion into sub-threads (RFC 5256); messages of
// other networks are left out (they have their own reply ids, not Message-IDs).
func (ix *Index) Topics(k Key, mode threading.Mode) []*threading.Node {
	var in []threading.Message
	for _, m := range ix.Messages(k) {
		if m.Network != model.Email {
			continue
		}
		in = append(in, ThreadingMessage(&m))
	}
	return threading.Build(in, mode)
}

// ThreadingMessage is the threading view of a message.
func ThreadingMessage(m *model.Message) threading.Message {
	return threading.Message{
		ID: m.ID, MessageID: m.MessageID, References: m.References, InReplyTo: m.InReplyTo,
		Subject: m.Subject, Date: m.Date,
	}
}
