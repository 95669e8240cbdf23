package repo

import (
	"context"
	"time"

	"caliopen/wasm/model"
)

// Avatar is an identity's profile picture as fetched, or why it could not be.
type Avatar struct {
	URL         string    `json:"url"` // where it was fetched from: another URL is another picture
	ContentType string    `json:"contentType,omitempty"`
	Data        []byte    `json:"data,omitempty"`
	FetchedAt   time.Time `json:"fetchedAt"`
	Failed      string    `json:"failed,omitempty"` // why the last fetch gave no picture
}

// PutAvatar keeps an identity's picture.
func (r *Repo) PutAvatar(ctx context.Context, uri model.IdentityURI, a Avatar) error {
	return r.Update(ctx, []string{Avatars}, func(tx *Tx) error { return tx.putJSON(Avatars, string(uri), a, nil) })
}

// Avatar returns the picture kept for an identity, or ErrNotFound.
func (r *Repo) Avatar(ctx context.Context, uri model.IdentityURI) (a Avatar, err error) {
	err = r.View(ctx, []string{Avatars}, func(tx *Tx) error { return tx.getJSON(Avatars, string(uri), &a) })
	return a, err
}
