package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"caliopen/wasm/contacts"
	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/privacy"
	"caliopen/wasm/store/repo"
)

// DiscussionPage reads one page of the inbox's discussion summaries, most recent first, from
// the store: it costs the same whatever the size of the mailbox.
func (e *Engine) DiscussionPage(ctx context.Context, after string, limit int) ([]Stored, string, error) {
	raws, next, err := e.Repo.DiscussionPage(ctx, repo.Page{Limit: limit, After: after})
	if err != nil {
		return nil, "", err
	}
	out := make([]Stored, 0, len(raws))
	for _, raw := range raws {
		var s Stored
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, "", fmt.Errorf("engine: stored summary unreadable: %w", err)
		}
		out = append(out, s)
	}
	return out, next, nil
}

// FilteredPage reads one page of the discussions f keeps, most recent first, and how many it
// keeps in all. Filters need the discussion index (a store page knows no accounts), so this
// waits for it to load.
// With a text, the discussions whose messages contain its words are kept too, each with the
// passage of its latest message found (Stored.Match).
func (e *Engine) FilteredPage(ctx context.Context, f discussions.Filter, after string, limit int) ([]Stored, string, int, error) {
	if err := e.lock(ctx); err != nil {
		return nil, "", 0, err
	}
	e.findText(&f)
	sums, next, total, err := e.index.PageWhere(f, discussions.Cursor(after), limit)
	if err != nil {
		e.unlock()
		return nil, "", 0, err
	}
	out := make([]Stored, len(sums))
	found := map[string]model.Message{}
	for i := range sums {
		out[i] = e.stored(sums[i])
		if id := f.Found[sums[i].Key]; id != "" {
			found[id], _ = e.index.Message(id)
		}
	}
	e.unlock()
	if len(found) > 0 {
		if err := e.passages(ctx, f.Text, out, f.Found, found); err != nil {
			return nil, "", 0, err
		}
	}
	return out, string(next), total, nil
}

// Discussion returns the messages of a discussion in time order, each with its privacy index
// (see privacy.go). The index keeps a copy of every message's metadata, so nothing is read
// from the store.
func (e *Engine) Discussion(ctx context.Context, key discussions.Key) ([]model.Message, []privacy.Index, error) {
	if err := e.lock(ctx); err != nil {
		return nil, nil, err
	}
	defer e.unlock()
	msgs := e.index.Messages(key)
	indexes := make([]privacy.Index, len(msgs))
	for i := range msgs {
		indexes[i] = e.messagePrivacy(msgs[i])
	}
	return msgs, indexes, nil
}

// EmailTopics returns the email sub-threads of a discussion (see discussions.EmailTopics).
func (e *Engine) EmailTopics(ctx context.Context, key discussions.Key) ([]discussions.Topic, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	return e.index.EmailTopics(key), nil
}

// Person is how the UI names one participant: a contact's name or an identity's.
type Person struct {
	Contact    contacts.ContactID  `json:"contact,omitempty"`
	Name       string              `json:"name"`
	Identities []model.IdentityURI `json:"identities"`
	// Avatar is the identity whose profile picture shows the person (Mastodon's first,
	// then X's), when one has a picture.
	Avatar model.IdentityURI `json:"avatar,omitempty"`
}

// namesLocked names participants for display: a contact's name, else the identity's display
// name, else its address. Caller holds e.mu.
func (e *Engine) namesLocked(ps []discussions.Participant) []Person {
	book := e.book
	out := make([]Person, 0, len(ps))
	for _, p := range ps {
		person := Person{Contact: p.Contact, Identities: p.Identities}
		if book != nil && p.Contact != "" {
			if c, ok := book.Contact(p.Contact); ok {
				person.Name = c.Name
			}
		}
		if book != nil {
			person.Avatar = pictured(book, p.Identities)
		}
		if person.Name == "" && book != nil && len(p.Identities) > 0 {
			if id, ok := book.Identity(p.Identities[0]); ok {
				person.Name = id.DisplayName
			}
			if person.Name == "" {
				person.Name = p.Identities[0].Address()
			}
		}
		out = append(out, person)
	}
	return out
}

// pictured returns the identity whose picture shows a person: one with a picture of its
// own, Mastodon's before X's.
func pictured(book *contacts.Book, ids []model.IdentityURI) model.IdentityURI {
	var best model.IdentityURI
	for _, u := range ids {
		if id, ok := book.Identity(u); ok && id.PictureURL() != "" && (best == "" || u.Network() == model.Mastodon && best.Network() != model.Mastodon) {
			best = u
		}
	}
	return best
}

// Copies returns the messages named and every other copy of them (the same email filed in
// other folders of its account), as the index holds them; ids it does not hold are left out.
func (e *Engine) Copies(ctx context.Context, ids []string) ([]model.Message, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	seen := map[string]bool{}
	var out []model.Message
	for _, id := range ids {
		for _, m := range e.index.Copies(id) {
			if !seen[m.ID] {
				seen[m.ID] = true
				out = append(out, m)
			}
		}
	}
	return out, nil
}
