package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// FindLinks runs the identity engine over what is known of every stored identity — the
// profile facts connectors keep (Mastodon fields verified by their server, X bios and
// links, names and avatars), the email signatures that name handles and the user ids of the
// OpenPGP keys known (KeyFacts) — and acts on the
// evidence it finds: strong evidence merges the contacts, and their discussions become one at
// once; weaker evidence becomes a suggestion for the user, kept in the repository with the
// others (so it is there after a restart, offline). Evidence already acted on is not
// considered again, so calling it after every sync is cheap in effects (it reads the
// identities each time).
func (e *Engine) FindLinks(ctx context.Context) error {
	var ids []model.Identity
	if err := e.Repo.EachIdentity(ctx, func(id model.Identity) { ids = append(ids, id) }); err != nil {
		return err
	}
	facts := contacts.Facts{Identities: ids}
	if e.KeyFacts != nil {
		facts.Keys = e.KeyFacts()
	}
	for _, id := range ids {
		if id.Profile != nil && id.Profile.Signature != "" && !id.Own {
			facts.Signatures = append(facts.Signatures, contacts.Signature{From: id.URI, Text: id.Profile.Signature})
		}
	}
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	for _, id := range ids {
		e.book.PutIdentity(id)
		if id.Own {
			e.book.SetOwn(id.URI)
		}
	}
	changes, suggested, err := e.book.Consider(contacts.Detect(facts), e.now())
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		return e.applyContactChange(ctx, changes...)
	}
	if len(suggested) == 0 {
		return nil
	}
	if err := e.Repo.Update(ctx, []string{repo.Suggestions}, e.saveSuggestions); err != nil {
		return err
	}
	e.changedLocked(TopicContacts)
	return nil
}

// saveSuggestions writes the book's pending suggestions in tx (store repo.Suggestions).
// Caller holds e.mu.
func (e *Engine) saveSuggestions(tx *repo.Tx) error {
	byKey := map[string]any{}
	for _, s := range e.book.Suggestions() {
		byKey[s.Key] = s
	}
	return tx.PutSuggestions(byKey)
}

// restoreSuggestions gives a book the suggestions kept by an earlier run.
func restoreSuggestions(ctx context.Context, r *repo.Repo, book *contacts.Book) error {
	raws, err := r.Suggestions(ctx)
	if err != nil {
		return fmt.Errorf("engine: read the suggestions: %w", err)
	}
	ss := make([]contacts.Suggestion, 0, len(raws))
	for _, raw := range raws {
		var s contacts.Suggestion
		if json.Unmarshal(raw, &s) == nil {
			ss = append(ss, s)
		}
	}
	book.Restore(ss)
	return nil
}

// noteSignatures keeps, on the senders of incoming mail written in tx, the signature blocks
// that name accounts on other networks (contacts.SignatureNaming): link evidence FindLinks
// reads. It reports whether one changed. Caller holds e.mu.
func (e *Engine) noteSignatures(tx *repo.Tx, written []model.Message) (bool, error) {
	changed := false
	for i := range written {
		m := &written[i]
		if m.Network != model.Email || m.Outgoing {
			continue
		}
		body := tx.WrittenBody(m.ID)
		from := slices.IndexFunc(m.Participants, func(p model.Participant) bool { return p.Role == model.RoleFrom })
		if body == nil || body.Text == "" || from < 0 || e.book.IsOwn(m.Participants[from].URI) {
			continue
		}
		sig := contacts.SignatureNaming(body.Text)
		if sig == "" {
			continue
		}
		uri := m.Participants[from].URI
		id, err := tx.Identity(uri)
		if errors.Is(err, repo.ErrNotFound) {
			if id, _ = e.book.Identity(uri); id.URI == "" {
				id = model.Identity{URI: uri, DisplayName: m.Participants[from].Name}
			}
		} else if err != nil {
			return changed, err
		}
		if id.Profile != nil && id.Profile.Signature == sig {
			continue
		}
		profile := model.Profile{}
		if id.Profile != nil {
			profile = *id.Profile
		}
		profile.Signature = sig
		id.Profile, id.UpdatedAt = &profile, e.now()
		if err := tx.PutIdentity(&id); err != nil {
			return changed, err
		}
		e.book.PutIdentity(id)
		changed = true
	}
	return changed, nil
}
