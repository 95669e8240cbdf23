package discussions

import (
	"cmp"
	"errors"
	"maps"
	"slices"
	"strings"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// Index is the in-memory discussion index. It is not safe for concurrent use.
//
// Not every message it holds is shown in a discussion: messages in a hidden box (trash,
// junk, drafts) are not, and of the copies of one email filed in several folders of one
// account (the same Message-ID: INBOX and Gmail's All Mail, Sent and INBOX for mail to
// oneself) only the best placed is (see better). The others wait, ready to be shown when the
// shown copy goes.
type Index struct {
	resolver    Resolver
	messages    map[string]*entry
	copies      map[string][]*entry // by copyGroup
	archived    int                 // discussions out of the inbox
	sets        map[SetKey]*pset
	setsByURIs  map[string]*pset // joined URIs → set, to skip hashing known sets
	byIdentity  map[model.IdentityURI]map[SetKey]*pset
	discussions map[Key]*discussion
	tags        map[SetKey][]string // the user's tags, by participant set (tags.go)
	order       treap
	pending     *pending // changes of the call in progress
	spare       *pending // reused between calls
}

// entry is one indexed message.
type entry struct {
	msg   *model.Message
	set   *pset // nil while the message is not shown
	pos   int   // index in set.msgs
	group string
}

// stored is an entry and its message in one allocation.
type stored struct {
	entry
	m model.Message
}

func (e *entry) before(o *entry) bool {
	if !e.msg.Date.Equal(o.msg.Date) {
		return e.msg.Date.Before(o.msg.Date)
	}
	return e.msg.ID < o.msg.ID
}

// later returns the later of two entries; nil counts as earliest.
func later(a, b *entry) *entry {
	if a == nil || b != nil && a.before(b) {
		return b
	}
	return a
}

// pset is a participant set and the aggregates of its shown messages.
type pset struct {
	key      SetKey
	uris     []model.IdentityURI
	disc     *discussion
	msgs     []*entry
	tally    tally
	last     *entry
	channels channelCounts
}

// discussion aggregates its sets.
type discussion struct {
	key      Key
	sets     map[SetKey]*pset
	count    int
	tally    tally
	last     *entry
	channels channelCounts
	pos      position // where it is in the order treap
	archived bool     // as last reported (end keeps Index.archived in step)
	// people caches the participants; it changes only when sets come or go.
	people []Participant
}

// tally counts shown messages by state.
type tally struct {
	unread, flagged int
	// inbox counts the messages that keep their discussion in the inbox, filed those in the
	// archive; sent messages count in neither: a discussion of sent mail alone stays in the
	// inbox, one whose received mail was all archived leaves it.
	inbox, filed int
}

func (t *tally) add(m *model.Message, sign int) {
	if !m.Flags.Seen {
		t.unread += sign
	}
	if m.Flags.Flagged {
		t.flagged += sign
	}
	switch {
	case m.Box == model.BoxArchive:
		t.filed += sign
	case m.Box == model.BoxInbox && !m.Outgoing:
		t.inbox += sign
	}
}

func (t *tally) addAll(o tally, sign int) {
	t.unread += sign * o.unread
	t.flagged += sign * o.flagged
	t.inbox += sign * o.inbox
	t.filed += sign * o.filed
}

// isArchived reports whether a discussion is out of the inbox: it has archived messages and
// none received in the inbox.
func (d *discussion) isArchived() bool { return d.tally.inbox == 0 && d.tally.filed > 0 }

// copyGroup names the copies of one message: an account's messages with one Message-ID; ""
// for a message without one (it is alone).
func copyGroup(m *model.Message) string {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(m.MessageID), "<"), ">")
	if id == "" {
		return ""
	}
	return m.AccountID + "\x00" + id
}

// placeRank orders the boxes a copy may be in: the one with the lowest rank is shown.
func placeRank(b model.Box) int {
	switch b {
	case model.BoxInbox:
		return 0
	case model.BoxSent:
		return 1
	case model.BoxArchive:
		return 2
	}
	return 3
}

// better reports whether copy a is shown rather than copy b: the better placed, then the
// smaller id (so that the choice does not depend on the order they came in).
func better(a, b *entry) bool {
	ra, rb := placeRank(a.msg.Box), placeRank(b.msg.Box)
	if ra != rb {
		return ra < rb
	}
	return a.msg.ID < b.msg.ID
}

// NewIndex returns an empty index resolving identities with r.
func NewIndex(r Resolver) *Index {
	return &Index{
		resolver:    r,
		messages:    map[string]*entry{},
		copies:      map[string][]*entry{},
		sets:        map[SetKey]*pset{},
		setsByURIs:  map[string]*pset{},
		byIdentity:  map[model.IdentityURI]map[SetKey]*pset{},
		discussions: map[Key]*discussion{},
	}
}

// Len returns the number of messages and of discussions.
func (ix *Index) Len() (messages, discussions int) {
	return len(ix.messages), len(ix.discussions)
}

// Add indexes a message, replacing an indexed message with the same ID. The index keeps a
// copy of the message struct; its slices (participants, references) are shared, and must not
// be modified afterwards.
func (ix *Index) Add(m model.Message) (Changes, error) {
	return ix.AddBatch([]model.Message{m})
}

// AddBatch indexes messages as one change: each discussion touched is summarised once, which
// is what a sync page or an import wants. A message without an id fails the whole batch
// before anything is indexed.
func (ix *Index) AddBatch(msgs []model.Message) (Changes, error) {
	for i := range msgs {
		if msgs[i].ID == "" {
			return Changes{}, errors.New("discussions: message without id")
		}
	}
	ix.begin()
	for i := range msgs {
		ix.add(msgs[i])
	}
	return ix.end(), nil
}

func (ix *Index) add(m model.Message) {
	if old, ok := ix.messages[m.ID]; ok {
		ix.removeEntry(old)
	}
	box := &stored{m: m} // the index keeps its own copy
	e := &box.entry
	e.msg = &box.m
	ix.messages[m.ID] = e
	if e.group = copyGroup(e.msg); e.group == "" {
		if !m.Box.Hidden() {
			ix.show(e)
		}
		return
	}
	ix.copies[e.group] = append(ix.copies[e.group], e)
	ix.elect(e.group)
}

// elect shows the best placed visible copy of a message and no other.
func (ix *Index) elect(group string) {
	var best *entry
	for _, c := range ix.copies[group] {
		if !c.msg.Box.Hidden() && (best == nil || better(c, best)) {
			best = c
		}
	}
	for _, c := range ix.copies[group] {
		if c != best && c.set != nil {
			ix.hide(c)
		}
	}
	if best != nil && best.set == nil {
		ix.show(best)
	}
}

// show puts a message in its participant set's discussion.
func (ix *Index) show(e *entry) {
	m := e.msg
	uris := ParticipantSet(m)
	joined := joinURIs(uris)
	s, ok := ix.setsByURIs[joined]
	if !ok {
		s = ix.newSet(setKeyOf(uris), uris)
		ix.setsByURIs[joined] = s
	}
	e.set = s
	e.pos = len(s.msgs)
	s.msgs = append(s.msgs, e)
	s.channels.add(m.Network, m.AccountID, 1)
	s.tally.add(m, 1)
	s.last = later(s.last, e)
	d := s.disc
	d.count++
	d.tally.add(m, 1)
	d.channels.add(m.Network, m.AccountID, 1)
	d.last = later(d.last, e)
	ix.touch(d)
}

// Remove removes a message; removing an unknown id does nothing.
func (ix *Index) Remove(id string) Changes {
	ix.begin()
	if e, ok := ix.messages[id]; ok {
		ix.removeEntry(e)
	}
	return ix.end()
}

// Apply re-keys the discussions touched by a contact change (merge, split, undo…).
func (ix *Index) Apply(changes ...contacts.Change) Changes {
	var uris []model.IdentityURI
	for _, c := range changes {
		uris = append(uris, c.Identities()...)
	}
	return ix.Rekey(uris...)
}

// Rekey re-resolves every participant set naming one of the identities: after a contact
// change, or when an identity becomes (or stops being) one of the user's own.
func (ix *Index) Rekey(uris ...model.IdentityURI) Changes {
	ix.begin()
	touched := map[SetKey]*pset{}
	for _, u := range uris {
		maps.Copy(touched, ix.byIdentity[u])
	}
	for _, sk := range slices.Sorted(maps.Keys(touched)) {
		s := touched[sk]
		k := keyOf(components(ix.resolver, s.uris))
		if k == s.disc.key {
			continue
		}
		from := s.disc
		ix.detachSet(s)
		to := ix.discussionFor(k)
		ix.attachSet(s, to)
		ix.pending.moves = append(ix.pending.moves, SetMove{Set: s.key, From: from.key, To: to.key})
	}
	return ix.end()
}

func (ix *Index) newSet(sk SetKey, uris []model.IdentityURI) *pset {
	s := &pset{key: sk, uris: uris}
	ix.sets[sk] = s
	for _, u := range uris {
		m := ix.byIdentity[u]
		if m == nil {
			m = map[SetKey]*pset{}
			ix.byIdentity[u] = m
		}
		m[sk] = s
	}
	d := ix.discussionFor(keyOf(components(ix.resolver, uris)))
	s.disc = d
	d.sets[sk] = s
	d.people = nil
	ix.pending.newSets = append(ix.pending.newSets, SetRecord{Set: sk, URIs: uris, Key: d.key})
	return s
}

func (ix *Index) discussionFor(k Key) *discussion {
	if d, ok := ix.discussions[k]; ok {
		return d
	}
	d := &discussion{key: k, sets: map[SetKey]*pset{}}
	ix.discussions[k] = d
	return d
}

// removeEntry removes one message and everything left empty by it; another copy of it may
// be shown instead.
func (ix *Index) removeEntry(e *entry) {
	delete(ix.messages, e.msg.ID)
	if e.set != nil {
		ix.hide(e)
	}
	if e.group == "" {
		return
	}
	cs := slices.DeleteFunc(ix.copies[e.group], func(c *entry) bool { return c == e })
	if len(cs) == 0 {
		delete(ix.copies, e.group)
		return
	}
	ix.copies[e.group] = cs
	ix.elect(e.group)
}

// hide takes a shown message out of its discussion, and removes what it leaves empty.
func (ix *Index) hide(e *entry) {
	s, d := e.set, e.set.disc
	last := s.msgs[len(s.msgs)-1]
	s.msgs[e.pos], last.pos = last, e.pos
	s.msgs[len(s.msgs)-1] = nil
	s.msgs = s.msgs[:len(s.msgs)-1]
	e.set = nil
	s.channels.add(e.msg.Network, e.msg.AccountID, -1)
	d.channels.add(e.msg.Network, e.msg.AccountID, -1)
	d.count--
	s.tally.add(e.msg, -1)
	d.tally.add(e.msg, -1)
	if s.last == e {
		s.last = nil
		for _, o := range s.msgs {
			s.last = later(s.last, o)
		}
	}
	if len(s.msgs) == 0 {
		delete(d.sets, s.key)
		d.people = nil
		delete(ix.sets, s.key)
		delete(ix.setsByURIs, joinURIs(s.uris))
		for _, u := range s.uris {
			delete(ix.byIdentity[u], s.key)
			if len(ix.byIdentity[u]) == 0 {
				delete(ix.byIdentity, u)
			}
		}
		ix.pending.deletedSets = append(ix.pending.deletedSets, s.key)
	}
	if d.last == e {
		d.recomputeLast()
	}
	ix.touch(d)
}

// detachSet takes a set and its aggregates out of its discussion.
func (ix *Index) detachSet(s *pset) {
	d := s.disc
	delete(d.sets, s.key)
	d.people = nil
	d.count -= len(s.msgs)
	d.tally.addAll(s.tally, -1)
	d.channels.addAll(s.channels, -1)
	if d.last != nil && d.last.set == s {
		d.recomputeLast()
	}
	s.disc = nil
	ix.touch(d)
}

func (ix *Index) attachSet(s *pset, d *discussion) {
	s.disc = d
	d.sets[s.key] = s
	d.people = nil
	d.count += len(s.msgs)
	d.tally.addAll(s.tally, 1)
	d.channels.addAll(s.channels, 1)
	d.last = later(d.last, s.last)
	ix.touch(d)
}

func (d *discussion) recomputeLast() {
	d.last = nil
	for _, s := range d.sets {
		d.last = later(d.last, s.last)
	}
}

// touch marks a discussion changed in this call; end() fixes its place in the order and
// reports it.
func (ix *Index) touch(d *discussion) {
	ix.pending.touched[d] = struct{}{}
}

// byDate orders entries by date then id.
func byDate(a, b *entry) int {
	return cmp.Or(a.msg.Date.Compare(b.msg.Date), cmp.Compare(a.msg.ID, b.msg.ID))
}
