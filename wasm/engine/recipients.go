package engine

import (
	"context"
	"slices"
	"strings"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// Recipient is someone a new message can go to: a contact with every identity of theirs
// the user can write to (the user's own and mailing lists left out).
type Recipient struct {
	Contact    contacts.ContactID
	Name       string
	Identities []model.Identity
	// Known is true when the user wrote to one of the identities before.
	Known bool
}

// FindRecipients returns the contacts whose name, address, handle or display name contains
// text (case-insensitive), best first: names starting with it, then people the user wrote to.
// An empty text lists the people the user wrote to.
func (e *Engine) FindRecipients(ctx context.Context, text string, limit int) ([]Recipient, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	q := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "@")))
	type scored struct {
		r     Recipient
		score int
	}
	var found []scored
	for _, c := range e.book.Contacts() {
		r := e.recipientLocked(c)
		if len(r.Identities) == 0 || (q == "" && !r.Known) {
			continue
		}
		score := matchScore(r, q)
		if score == 0 {
			continue
		}
		if r.Known {
			score += 10
		}
		found = append(found, scored{r, score})
	}
	slices.SortStableFunc(found, func(a, b scored) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return strings.Compare(strings.ToLower(a.r.Name), strings.ToLower(b.r.Name))
	})
	out := make([]Recipient, 0, min(limit, len(found)))
	for _, s := range found[:min(limit, len(found))] {
		out = append(out, s.r)
	}
	return out, nil
}

// matchScore is 0 when the recipient does not match q, more the better it matches.
func matchScore(r Recipient, q string) int {
	if q == "" {
		return 1
	}
	name := strings.ToLower(r.Name)
	switch {
	case strings.HasPrefix(name, q):
		return 5
	case strings.Contains(name, q):
		return 3
	}
	for _, id := range r.Identities {
		for _, s := range []string{id.URI.Address(), id.Handle, id.DisplayName} {
			s = strings.ToLower(strings.TrimPrefix(s, "@"))
			if strings.HasPrefix(s, q) {
				return 4
			}
			if strings.Contains(s, q) {
				return 2
			}
		}
	}
	return 0
}

// RecipientOf returns the contact that owns an identity, or the identity alone when it is
// known to no contact (then only Identities[0] is set, with what is known of it).
func (e *Engine) RecipientOf(ctx context.Context, uri model.IdentityURI) (Recipient, error) {
	if err := e.lock(ctx); err != nil {
		return Recipient{}, err
	}
	defer e.unlock()
	if id, ok := e.book.ContactOf(uri); ok {
		if c, ok := e.book.Contact(id); ok {
			return e.recipientLocked(c), nil
		}
	}
	id, ok := e.book.Identity(uri)
	if !ok {
		id = model.Identity{URI: uri}
	}
	return Recipient{Name: orAddress(id), Identities: []model.Identity{id}, Known: e.wroteTo[uri]}, nil
}

// RecipientContact returns a contact as a recipient; ok is false when there is no such
// contact.
func (e *Engine) RecipientContact(ctx context.Context, id contacts.ContactID) (Recipient, bool, error) {
	if err := e.lock(ctx); err != nil {
		return Recipient{}, false, err
	}
	defer e.unlock()
	c, ok := e.book.Contact(id)
	if !ok {
		return Recipient{}, false, nil
	}
	return e.recipientLocked(c), true, nil
}

// IdentityByHandle finds an identity of a network by the handle people write (@Tapioca42),
// case-insensitive; ok is false when none is known.
func (e *Engine) IdentityByHandle(ctx context.Context, n model.Network, handle string) (model.Identity, bool, error) {
	if err := e.lock(ctx); err != nil {
		return model.Identity{}, false, err
	}
	defer e.unlock()
	want := strings.TrimPrefix(strings.TrimSpace(handle), "@")
	for _, id := range e.book.Identities() {
		if id.URI.Network() == n && !id.Own && strings.EqualFold(strings.TrimPrefix(id.Handle, "@"), want) {
			return id, true, nil
		}
	}
	return model.Identity{}, false, nil
}

// recipientLocked describes a contact as a recipient. Caller holds e.mu.
func (e *Engine) recipientLocked(c contacts.Contact) Recipient {
	r := Recipient{Contact: c.ID, Name: c.Name}
	for _, u := range c.Identities {
		if e.book.IsOwn(u) || u.Network() == model.List {
			continue
		}
		id, ok := e.book.Identity(u)
		if !ok {
			id = model.Identity{URI: u}
		}
		r.Identities = append(r.Identities, id)
		r.Known = r.Known || e.wroteTo[u]
	}
	if r.Name == "" && len(r.Identities) > 0 {
		r.Name = orAddress(r.Identities[0])
	}
	return r
}

func orAddress(id model.Identity) string {
	if id.DisplayName != "" {
		return id.DisplayName
	}
	if id.Handle != "" {
		return id.Handle
	}
	return id.URI.Address()
}
