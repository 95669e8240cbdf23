package engine

import (
	"context"
	"slices"

	"caliopen/wasm/contacts"
	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/privacy"
	"caliopen/wasm/store/repo"
)

// The engine computes privacy indexes from what it knows: the contact book, the identities the
// user wrote to (a contact is "known" once the user wrote to them), the OpenPGP keys (Keys),
// and each message's stored facts. Indexes are computed when a discussion's summary is
// written and when a discussion is read, never stored apart; when keys change, KeysChanged
// rewrites the summaries they grade.

// KeyStates is what the privacy index needs of the OpenPGP keys: the state of an email
// address's key, and whether the user has a key pair of their own. It is asked for every
// participant of every message graded: implementations must be cheap, safe for concurrent
// use, and must not call the engine.
type KeyStates interface {
	KeyState(address string) privacy.KeyState
	OwnKey() bool
}

// people answers the privacy index's questions about identities. Caller holds e.mu.
type people struct{ e *Engine }

func (p people) Person(uri model.IdentityURI) privacy.Person {
	e := p.e
	person := privacy.Person{Known: e.wroteTo[uri], Key: e.keyState(uri)}
	id, ok := e.book.ContactOf(uri)
	if !ok {
		return person
	}
	c, ok := e.book.Contact(id)
	if !ok {
		return person
	}
	person.Name = c.Name
	for _, other := range c.Identities {
		if other == uri {
			continue
		}
		person.Others = append(person.Others, other)
		if e.wroteTo[other] {
			person.Known = true
		}
	}
	return person
}

func (e *Engine) keyState(uri model.IdentityURI) privacy.KeyState {
	if e.Keys == nil || uri.Network() != model.Email {
		return privacy.KeyNone
	}
	return e.Keys.KeyState(uri.Address())
}

func (e *Engine) ownKey() bool { return e.Keys != nil && e.Keys.OwnKey() }

// KeysChanged regrades what the keys of the given email addresses touch: the stored summaries
// of the discussions naming them (every discussion when none is given: the user's own key
// changed), then tells the live queries.
func (e *Engine) KeysChanged(ctx context.Context, addresses ...string) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	e.changedLocked(TopicDiscussions)
	e.changedLocked(TopicContacts)
	if len(addresses) == 0 {
		return e.rewriteSummaries(ctx)
	}
	var uris []model.IdentityURI
	for _, a := range addresses {
		uris = append(uris, model.NewIdentityURI(model.Email, a))
	}
	keys := e.index.Naming(uris...)
	if len(keys) == 0 {
		return nil
	}
	return e.Repo.Update(ctx, []string{repo.Discussions}, func(tx *repo.Tx) error {
		for _, k := range keys {
			sum, ok := e.index.Summary(k)
			if !ok {
				continue
			}
			s := e.stored(sum)
			if err := tx.PutDiscussion(string(s.Key), s.LastDate, &s); err != nil {
				return err
			}
		}
		return nil
	})
}

// noteWritten remembers the identities the user wrote to. Caller holds e.mu.
func (e *Engine) noteWritten(ms []model.Message) {
	if e.wroteTo == nil {
		e.wroteTo = map[model.IdentityURI]bool{}
	}
	for i := range ms {
		if !ms[i].Outgoing || ms[i].Box == model.BoxDrafts { // a draft never went out
			continue
		}
		for _, p := range ms[i].Participants {
			if p.Role != model.RoleFrom && p.Role != model.RoleList {
				e.wroteTo[p.URI] = true
			}
		}
	}
}

// messagePrivacy computes a message's index. Caller holds e.mu.
func (e *Engine) messagePrivacy(m model.Message) privacy.Index {
	in := privacy.MessageInput{Message: m, Own: e.own(), Link: privacy.Link{TLS: true}}
	if f := m.Mail; f != nil {
		in.Hops, in.Auth = f.Hops, f.Auth
		in.HTML.RemoteBlocked, in.HTML.Trackers, in.HTML.TrackerHosts = f.RemoteBlocked, f.Trackers, f.TrackerHosts
		in.RemoteAllowed = f.RemoteAllowed
		// The top Received header was written by the user's own server: its name is the
		// authserv-id whose Authentication-Results are believed.
		for _, h := range f.Hops {
			if h.By != "" {
				in.TrustedAuthServIDs = []string{h.By}
				break
			}
		}
	}
	return privacy.MessageIndex(in, people{e})
}

// own returns the user's own identities (a few: sorting them for every message graded is
// cheap, sorting every identity known was not).
func (e *Engine) own() []model.IdentityURI { return e.book.Own() }

// discussionPrivacy grades a discussion from its recent messages and its people. Caller
// holds e.mu.
func (e *Engine) discussionPrivacy(k discussions.Key) *discussions.Privacy {
	byContact := map[contacts.ContactID][]model.Message{}
	in, ok := privacy.DiscussionInputOf(e.index, k, e.messagePrivacy, func(p discussions.Participant) privacy.NamedIndex {
		c, _ := e.book.Contact(p.Contact)
		if c.ID == "" {
			c = contacts.Contact{Name: string(p.Identities[0].Address()), Identities: p.Identities}
		}
		msgs, seen := byContact[p.Contact]
		if !seen {
			for _, m := range e.index.Messages(k) {
				if slices.Contains(c.Identities, m.From()) {
					msgs = append(msgs, m)
				}
			}
			byContact[p.Contact] = msgs
		}
		ix := privacy.ContactIndex(privacy.ContactInput{Contact: c, Messages: msgs, Ranker: privacy.Ranker{People: people{e}, OwnKey: e.ownKey()}})
		return privacy.NamedIndex{Name: c.Name, Index: ix}
	})
	if !ok {
		return nil
	}
	return privacy.Summary(privacy.DiscussionIndex(in))
}

// UserPrivacy is the user's own index, across accounts and the contacts they write to, with
// the actions that would raise it most.
func (e *Engine) UserPrivacy(ctx context.Context) (privacy.UserReport, error) {
	accts, err := e.Repo.AccountList(ctx)
	if err != nil {
		return privacy.UserReport{}, err
	}
	if err := e.lock(ctx); err != nil {
		return privacy.UserReport{}, err
	}
	defer e.unlock()
	in := privacy.UserInput{OwnKey: e.ownKey()}
	for _, a := range accts {
		in.Accounts = append(in.Accounts, privacy.AccountLink{Account: a, Link: privacy.Link{TLS: true}})
	}
	ranker := privacy.Ranker{People: people{e}, Accounts: accts, OwnKey: in.OwnKey}
	seen := map[contacts.ContactID]bool{}
	for uri := range e.wroteTo {
		id, ok := e.book.ContactOf(uri)
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		c, _ := e.book.Contact(id)
		in.Contacts = append(in.Contacts, privacy.NamedIndex{Name: c.Name, Index: privacy.ContactIndex(privacy.ContactInput{Contact: c, Ranker: ranker})})
	}
	return privacy.UserIndex(in), nil
}
