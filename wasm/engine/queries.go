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

// DiscussionPage reads one page of discussion summaries, most recent first, from the store:
// it costs the same whatever the size of the mailbox.
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

// DiscussionMessages returns the messages of a discussion in time order.
func (e *Engine) DiscussionMessages(ctx context.Context, key discussions.Key) ([]model.Message, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	ids := e.index.MessageIDs(key)
	e.mu.Unlock()
	out := make([]model.Message, 0, len(ids))
	for _, id := range ids {
		m, err := e.Repo.Message(ctx, id)
		if err != nil {
			continue // removed since
		}
		out = append(out, m)
	}
	return out, nil
}

// Privacy computes the privacy index of each message (see privacy.go).
func (e *Engine) Privacy(ctx context.Context, msgs []model.Message) ([]privacy.Index, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	out := make([]privacy.Index, len(msgs))
	for i := range msgs {
		out[i] = e.messagePrivacy(msgs[i])
	}
	return out, nil
}

// Person is how the UI names one participant: a contact's name or an identity's.
type Person struct {
	Contact    contacts.ContactID  `json:"contact,omitempty"`
	Name       string              `json:"name"`
	Identities []model.IdentityURI `json:"identities"`
}

// People names the participants of summaries for display: a contact's name from the book
// once it is loaded; before that (and for lone identities) the identity's display name, read
// from the store in one transaction, else its address.
func (e *Engine) People(ctx context.Context, ps []discussions.Participant) []Person {
	e.mu.Lock()
	out := e.namesLocked(ps)
	e.mu.Unlock()
	var missing []model.IdentityURI
	for _, p := range out {
		if p.Name == "" {
			missing = append(missing, p.Identities...)
		}
	}
	if len(missing) == 0 {
		return out
	}
	stored, _ := e.Repo.IdentitiesOf(ctx, missing)
	for i := range out {
		if out[i].Name != "" {
			continue
		}
		for _, u := range out[i].Identities {
			if id, ok := stored[u]; ok && id.DisplayName != "" {
				out[i].Name = id.DisplayName
				break
			}
		}
		if out[i].Name == "" && len(out[i].Identities) > 0 {
			out[i].Name = out[i].Identities[0].Address()
		}
	}
	return out
}

// namesLocked names participants from the book, leaving Name empty where it cannot. Caller
// holds e.mu.
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

// ContactOf returns the contact that owns an identity.
func (e *Engine) ContactOf(ctx context.Context, uri model.IdentityURI) (contacts.Contact, bool, error) {
	if err := e.lock(ctx); err != nil {
		return contacts.Contact{}, false, err
	}
	defer e.mu.Unlock()
	id, ok := e.book.ContactOf(uri)
	if !ok {
		return contacts.Contact{}, false, nil
	}
	c, ok := e.book.Contact(id)
	return c, ok, nil
}
