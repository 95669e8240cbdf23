package engine

import (
	"context"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// FindLinks runs the identity engine over what is known of every stored identity — the
// profile facts connectors keep (Mastodon fields verified by their server, X bios and
// links, names and avatars) — and acts on the evidence it finds: strong evidence merges the
// contacts, and their discussions become one at once; weaker evidence stays a suggestion for
// the user. Evidence already acted on is not considered again, so calling it after every
// sync is cheap in effects (it reads the identities each time).
func (e *Engine) FindLinks(ctx context.Context) error {
	var ids []model.Identity
	if err := e.Repo.EachIdentity(ctx, func(id model.Identity) { ids = append(ids, id) }); err != nil {
		return err
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
	changes, _, err := e.book.Consider(contacts.Detect(contacts.Facts{Identities: ids}), e.now())
	if err != nil || len(changes) == 0 {
		return err
	}
	return e.applyContactChange(ctx, changes...)
}
