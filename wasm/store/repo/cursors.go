package repo

import (
	"context"

	"caliopen/wasm/store"
)

// SetCursor records an account's sync cursor (opaque to the repository: an IMAP UIDVALIDITY and
// MODSEQ, a Mastodon max_id...). Writing it in the transaction that stores the messages it covers
// makes sync resume exactly. Needs the store Cursors.
func (tx *Tx) SetCursor(accountID, name string, value []byte) error {
	return tx.Put(Cursors, store.Record{Key: store.Tuple(accountID, name), Value: value})
}

// Cursor returns an account's sync cursor, nil when none was recorded. Needs the store Cursors.
func (tx *Tx) Cursor(accountID, name string) ([]byte, error) {
	rec, err := tx.Get(Cursors, store.Tuple(accountID, name))
	if err == store.ErrNotFound {
		return nil, nil
	}
	return rec.Value, err
}

// SetCursor records an account's sync cursor.
func (r *Repo) SetCursor(ctx context.Context, accountID, name string, value []byte) error {
	return r.Update(ctx, []string{Cursors}, func(tx *Tx) error { return tx.SetCursor(accountID, name, value) })
}

// Cursor returns an account's sync cursor, nil when none was recorded.
func (r *Repo) Cursor(ctx context.Context, accountID, name string) (v []byte, err error) {
	err = r.View(ctx, []string{Cursors}, func(tx *Tx) error {
		v, err = tx.Cursor(accountID, name)
		return err
	})
	return v, err
}
