package discussions

import (
	"cmp"
	"maps"
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
	Participants  []Participant   `json:"participants"` // the people, the user excluded; read-only
	Networks      []model.Network `json:"networks"`
	Accounts      []string        `json:"accounts,omitempty"` // the user's accounts it came through
	LastDate      time.Time       `json:"lastDate"`
	LastMessageID string          `json:"lastMessageId"`
	Snippet       string          `json:"snippet"`
	Subject       string          `json:"subject,omitempty"`
	Unread        int             `json:"unread"`
	Flagged       int             `json:"flagged,omitempty"` // starred messages
	Count         int             `json:"count"`
	// Archived is true when the discussion is out of the inbox: its messages received are
	// all archived (see Filter.Archive).
	Archived bool `json:"archived,omitempty"`
	// Tags are the user's tags of the discussion, sorted (see tags.go).
	Tags []string `json:"tags,omitempty"`
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
		Key: d.key, Unread: d.tally.unread, Flagged: d.tally.flagged, Count: d.count, LastDate: d.lastDate(),
		Archived: d.isArchived(),
	}
	if d.last != nil {
		s.LastMessageID, s.Snippet, s.Subject = d.last.msg.ID, d.last.msg.Snippet, d.last.msg.Subject
	}
	s.Networks, s.Accounts = d.channels.networks(), d.channels.accounts()
	s.Participants = ix.participants(d)
	s.Tags = ix.tagsOf(d)
	return s
}

// participants returns the people of a discussion. The slice is shared with the cache,
// which is replaced, never modified, when the discussion's sets change: callers must not
// modify it.
func (ix *Index) participants(d *discussion) []Participant {
	if d.people == nil {
		d.people = ix.resolvePeople(d)
	}
	return d.people
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

// Page returns up to limit summaries of the discussions in the inbox after the cursor, newest
// first, and the cursor of the next page ("" at the end).
func (ix *Index) Page(after Cursor, limit int) ([]Summary, Cursor, error) {
	out, next, _, err := ix.PageWhere(Filter{}, after, limit)
	return out, next, err
}

// Summary returns one discussion's summary.
func (ix *Index) Summary(k Key) (Summary, bool) {
	d, ok := ix.discussions[k]
	if !ok {
		return Summary{}, false
	}
	return ix.summary(d), true
}

// Naming returns the discussions one of whose participant sets names one of the identities,
// each once, in a stable order.
func (ix *Index) Naming(uris ...model.IdentityURI) []Key {
	seen := map[Key]bool{}
	var out []Key
	for _, u := range uris {
		for _, sk := range slices.Sorted(maps.Keys(ix.byIdentity[u])) {
			if k := ix.byIdentity[u][sk].disc.key; !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// DiscussionOf returns the discussion of a shown message.
func (ix *Index) DiscussionOf(messageID string) (Key, bool) {
	e, ok := ix.messages[messageID]
	if !ok || e.set == nil {
		return "", false
	}
	return e.set.disc.key, true
}

// Copies returns a message and the other copies of it (the same Message-ID in the same
// account, in other folders), shown or not; nothing when the index does not hold it.
func (ix *Index) Copies(messageID string) []model.Message {
	e, ok := ix.messages[messageID]
	if !ok {
		return nil
	}
	if e.group == "" {
		return []model.Message{*e.msg}
	}
	out := make([]model.Message, 0, len(ix.copies[e.group]))
	for _, c := range ix.copies[e.group] {
		out = append(out, *c.msg)
	}
	return out
}

// Messages returns the messages of a discussion, oldest first.
func (ix *Index) Messages(k Key) []model.Message {
	entries := ix.entries(k)
	out := make([]model.Message, len(entries))
	for i, e := range entries {
		out[i] = *e.msg
	}
	return out
}

// MessageIDs returns the ids of a discussion's messages, oldest first.
func (ix *Index) MessageIDs(k Key) []string {
	entries := ix.entries(k)
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.msg.ID
	}
	return out
}

func (ix *Index) entries(k Key) []*entry {
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
	return entries
}

// Topics threads a discussion into sub-threads: email by Message-ID and References
// (RFC 5256), Mastodon by in_reply_to_id. X direct messages have no reply links and are
// left out.
func (ix *Index) Topics(k Key, mode threading.Mode) []*threading.Node {
	var in []threading.Message
	for _, e := range ix.entries(k) {
		if tm, ok := threadable(e.msg); ok {
			in = append(in, tm)
		}
	}
	if len(in) == 0 {
		return nil
	}
	return threading.Build(in, mode)
}

// ThreadingMessage is the threading view of an email.
func ThreadingMessage(m *model.Message) threading.Message {
	return threading.Message{
		ID: m.ID, MessageID: m.MessageID, References: m.References, InReplyTo: m.InReplyTo,
		Subject: m.Subject, Date: m.Date,
	}
}

// threadable is the threading view of a message that can be threaded. A Mastodon status
// id is only unique on the instance of the account that fetched it, so ids are qualified
// by account.
func threadable(m *model.Message) (threading.Message, bool) {
	switch m.Network {
	case model.Email:
		return ThreadingMessage(m), true
	case model.Mastodon:
		tm := threading.Message{ID: m.ID, Subject: m.Subject, Date: m.Date}
		if m.RemoteID != "" {
			tm.MessageID = "mastodon:" + m.AccountID + "/" + m.RemoteID
		}
		if m.InReplyToRemote != "" {
			tm.InReplyTo = []string{"mastodon:" + m.AccountID + "/" + m.InReplyToRemote}
		}
		return tm, true
	}
	return threading.Message{}, false
}

// Topic is one email sub-thread of a discussion.
type Topic struct {
	ID       string    `json:"id"`       // the id of its first message
	Subject  string    `json:"subject"`  // its first message's subject, reply markers removed
	Messages []string  `json:"messages"` // its messages' ids, oldest first
	Unread   int       `json:"unread"`   // messages received not read yet
	LastDate time.Time `json:"lastDate"`
}

// EmailTopics threads a discussion's email into topics (Strict threading: by Message-ID,
// References and In-Reply-To, never by subject), the most recently active first. Direct
// messages belong to none: they stay in the discussion's one time order.
func (ix *Index) EmailTopics(k Key) []Topic {
	var in []threading.Message
	byID := map[string]*model.Message{}
	for _, e := range ix.entries(k) {
		if e.msg.Network == model.Email {
			in = append(in, ThreadingMessage(e.msg))
			byID[e.msg.ID] = e.msg
		}
	}
	if len(in) == 0 {
		return nil
	}
	var out []Topic
	for _, root := range threading.Build(in, threading.Strict) {
		var msgs []*model.Message
		for _, tm := range root.Messages() {
			if m := byID[tm.ID]; m != nil && !slices.Contains(msgs, m) {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		slices.SortFunc(msgs, func(a, b *model.Message) int { return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.ID, b.ID)) })
		t := Topic{ID: msgs[0].ID, Subject: topicSubject(msgs), LastDate: msgs[len(msgs)-1].Date}
		for _, m := range msgs {
			t.Messages = append(t.Messages, m.ID)
			if !m.Flags.Seen && !m.Outgoing {
				t.Unread++
			}
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Topic) int { return cmp.Or(b.LastDate.Compare(a.LastDate), cmp.Compare(a.ID, b.ID)) })
	return out
}

// topicSubject is the subject of a topic's first message with one, without the markers of
// replies and forwards ("Re:", "Fwd:", "TR:", "AW:") and a list's tag ("[caliopen-dev]"):
// the discussion already says which list it is.
func topicSubject(msgs []*model.Message) string {
	for _, m := range msgs {
		s := strings.TrimSpace(m.Subject)
		for {
			if tag, rest, ok := strings.Cut(s, "]"); ok && strings.HasPrefix(tag, "[") && strings.TrimSpace(rest) != "" {
				s = strings.TrimSpace(rest)
				continue
			}
			head, rest, ok := strings.Cut(s, ":")
			if !ok || !slices.Contains([]string{"re", "fw", "fwd", "tr", "aw", "wg", "réf"}, strings.ToLower(strings.TrimSpace(head))) {
				break
			}
			s = strings.TrimSpace(rest)
		}
		if s != "" {
			return s
		}
	}
	return ""
}
