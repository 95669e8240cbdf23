package engine

import (
	"context"
	"errors"
	"slices"
	"strings"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// ErrNoContact is returned for a contact or suggestion that does not exist (any more: a merge
// or a split renames contacts, another device may have answered a suggestion).
var ErrNoContact = errors.New("engine: no such contact")

// ContactInfo is a contact with what is known of each of its identities.
type ContactInfo struct {
	ID         contacts.ContactID
	Name       string
	Identities []model.Identity // in the contact's order (by URI)
}

// ContactDetail is a contact with the evidence that links its identities.
type ContactDetail struct {
	ContactInfo
	Evidence []contacts.Evidence
}

// SuggestionGroup is the pending suggestions about the same contacts: one question for the
// user ("are these one person?"), with every piece of evidence found.
type SuggestionGroup struct {
	ID       string // the contacts' ids, joined
	Contacts []ContactInfo
	Evidence []contacts.Evidence // strongest first
	keys     []string
}

// infoLocked describes a contact. Caller holds e.mu.
func (e *Engine) infoLocked(c contacts.Contact) ContactInfo {
	info := ContactInfo{ID: c.ID, Name: c.Name, Identities: make([]model.Identity, len(c.Identities))}
	for i, u := range c.Identities {
		id, ok := e.book.Identity(u)
		if !ok {
			id = model.Identity{URI: u}
		}
		info.Identities[i] = id
	}
	return info
}

func contactOrder(name string, id contacts.ContactID) string {
	return strings.ToLower(name) + "\x00" + string(id)
}

// matchesLocked reports whether a contact's name, one of its addresses, handles or display
// names contains text (lower-cased). Caller holds e.mu.
func (e *Engine) matchesLocked(c contacts.Contact, text string) bool {
	if text == "" || strings.Contains(strings.ToLower(c.Name), text) {
		return true
	}
	for _, u := range c.Identities {
		id, _ := e.book.Identity(u)
		for _, s := range []string{u.Address(), id.Handle, id.DisplayName} {
			if strings.Contains(strings.ToLower(s), text) {
				return true
			}
		}
	}
	return false
}

// ContactsPage returns one page of the contacts, by name, whose name, address or handle
// contains text; after is the previous page's next cursor. It also returns how many match.
func (e *Engine) ContactsPage(ctx context.Context, text, after string, limit int) ([]ContactInfo, string, int, error) {
	if err := e.lock(ctx); err != nil {
		return nil, "", 0, err
	}
	defer e.unlock()
	type entry struct {
		order string
		c     contacts.Contact
	}
	all := e.book.Contacts()
	entries := make([]entry, len(all))
	for i, c := range all {
		entries[i] = entry{contactOrder(c.Name, c.ID), c}
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.order, b.order) })
	text = strings.ToLower(strings.TrimSpace(text))
	var page []ContactInfo
	next, total := "", 0
	for _, en := range entries {
		if !e.matchesLocked(en.c, text) {
			continue
		}
		total++
		switch {
		case after != "" && en.order <= after:
		case len(page) < limit:
			page = append(page, e.infoLocked(en.c))
		case next == "":
			last := page[len(page)-1]
			next = contactOrder(last.Name, last.ID)
		}
	}
	return page, next, total, nil
}

// Contact returns a contact, named by its id or by one of its identities (which survives
// merges and splits), and the evidence that links its identities.
func (e *Engine) Contact(ctx context.Context, id contacts.ContactID, identity model.IdentityURI) (ContactDetail, error) {
	if err := e.lock(ctx); err != nil {
		return ContactDetail{}, err
	}
	defer e.unlock()
	if identity != "" {
		var ok bool
		if id, ok = e.book.ContactOf(identity); !ok {
			return ContactDetail{}, ErrNoContact
		}
	}
	c, ok := e.book.Contact(id)
	if !ok {
		return ContactDetail{}, ErrNoContact
	}
	evs := e.book.Links(id)
	slices.SortStableFunc(evs, func(a, b contacts.Evidence) int { return int(b.Strength - a.Strength) })
	return ContactDetail{ContactInfo: e.infoLocked(c), Evidence: evs}, nil
}

// suggestionGroupsLocked groups the pending suggestions by the contacts they would merge.
// Caller holds e.mu.
func (e *Engine) suggestionGroupsLocked() []SuggestionGroup {
	var out []SuggestionGroup
	at := map[string]int{}
	for _, s := range e.book.Suggestions() { // strongest first
		ids := make([]string, len(s.Contacts))
		for i, c := range s.Contacts {
			ids[i] = string(c)
		}
		key := strings.Join(ids, "+")
		i, ok := at[key]
		if !ok {
			g := SuggestionGroup{ID: key}
			for _, c := range s.Contacts {
				if ct, ok := e.book.Contact(c); ok {
					g.Contacts = append(g.Contacts, e.infoLocked(ct))
				}
			}
			i, at[key] = len(out), len(out)
			out = append(out, g)
		}
		out[i].Evidence = append(out[i].Evidence, s.Evidence)
		out[i].keys = append(out[i].keys, s.Key)
	}
	return out
}

// Suggestions returns the pending merge suggestions, grouped by the contacts they would
// merge, the strongest first.
func (e *Engine) Suggestions(ctx context.Context) ([]SuggestionGroup, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	return e.suggestionGroupsLocked(), nil
}

// answer applies the user's answer to a suggestion (the contact changes it makes, given
// the keys of its evidence).
func (e *Engine) answer(ctx context.Context, id string, fn func(keys []string) ([]contacts.Change, error)) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	for _, g := range e.suggestionGroupsLocked() {
		if g.ID == id {
			chs, err := fn(g.keys)
			if err != nil {
				return err
			}
			return e.applyContactChange(ctx, chs...)
		}
	}
	return ErrNoContact
}

// Accept merges the contacts of a suggestion: the user confirmed they are one person. Their
// discussions become one at once; the merge travels to the user's other devices.
func (e *Engine) Accept(ctx context.Context, id string) error {
	return e.answer(ctx, id, func(keys []string) ([]contacts.Change, error) { return e.book.Confirm(e.now(), keys...) })
}

// Dismiss refuses a suggestion: the same evidence (or weaker) will not propose it again, on
// any of the user's devices.
func (e *Engine) Dismiss(ctx context.Context, id string) error {
	return e.answer(ctx, id, func(keys []string) ([]contacts.Change, error) {
		ch, err := e.book.Dismiss(e.now(), keys...)
		return []contacts.Change{ch}, err
	})
}

// Merge makes contacts one person because the user says so, and returns the merged
// contact's id.
func (e *Engine) Merge(ctx context.Context, ids []contacts.ContactID) (contacts.ContactID, error) {
	if err := e.lock(ctx); err != nil {
		return "", err
	}
	defer e.unlock()
	var uris []model.IdentityURI
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		c, ok := e.book.Contact(id)
		if !ok {
			return "", ErrNoContact
		}
		uris = append(uris, c.Identities[0])
	}
	if len(uris) < 2 {
		return "", errors.New("engine: a merge needs two contacts")
	}
	chs, err := e.book.Link(uris, e.now())
	if err != nil {
		return "", err
	}
	if err := e.applyContactChange(ctx, chs...); err != nil {
		return "", err
	}
	merged, _ := e.book.ContactOf(uris[0])
	return merged, nil
}
