package repo

import (
	"context"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
)

// Draft is a message being written.
type Draft struct {
	ID             string              `json:"id"`
	AccountID      string              `json:"accountId,omitempty"` // the channel, when chosen
	Network        model.Network       `json:"network,omitempty"`
	Participants   []model.Participant `json:"participants,omitempty"`
	Subject        string              `json:"subject,omitempty"`
	Text           string              `json:"text,omitempty"`
	InReplyTo      string              `json:"inReplyTo,omitempty"` // local id of the parent message
	ConversationID string              `json:"conversationId,omitempty"`
	Attachments    []model.Attachment  `json:"attachments,omitempty"` // bytes in Blobs under Tuple(draft id, attachment id)
	Encrypt        bool                `json:"encrypt,omitempty"`
	// Sealed says how the draft's content is kept when it is sealed: "pgp" (Text is an
	// OpenPGP message to the user's own key), "vault" (in the vault, Text empty).
	Sealed    string    `json:"sealed,omitempty"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// PutDraft writes a draft, stamping UpdatedAt. Needs the store Drafts.
func (tx *Tx) PutDraft(d *Draft) error {
	d.UpdatedAt = tx.now().UTC()
	return tx.putJSON(Drafts, d.ID, d, map[string]string{"updated": store.TimeKey(d.UpdatedAt)})
}

// SaveDraft writes a draft.
func (r *Repo) SaveDraft(ctx context.Context, d *Draft) error {
	return r.Update(ctx, []string{Drafts}, func(tx *Tx) error { return tx.PutDraft(d) })
}

// Draft returns a draft.
func (r *Repo) Draft(ctx context.Context, id string) (d Draft, err error) {
	err = r.View(ctx, []string{Drafts}, func(tx *Tx) error { return tx.getJSON(Drafts, id, &d) })
	return d, err
}

// DeleteDraft deletes a draft.
func (r *Repo) DeleteDraft(ctx context.Context, id string) error {
	return r.Update(ctx, []string{Drafts}, func(tx *Tx) error { return tx.Delete(Drafts, id) })
}

// DraftList pages through drafts, last edited first.
func (r *Repo) DraftList(ctx context.Context, p Page) ([]Draft, string, error) {
	return page[Draft](ctx, r, Drafts, "updated", "", p)
}
