// Package repo is the core's data on top of package store: accounts, identities, contacts,
// messages (metadata apart from bodies, attachments as lazily fetched blobs), per-account sync
// cursors, drafts, a durable outbox and an append-only operation log of user-owned state. It is
// platform-neutral: the same code runs over IndexedDB in the browser and over the native store in
// tests and tools.
//
// Every method is one transaction. To write repository data and data of another package in one
// transaction (a discussion index next to the messages, say), use Repo.Update with the stores of
// both and the Tx methods.
package repo

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
)

// ErrNotFound is returned when the asked record does not exist.
var ErrNotFound = store.ErrNotFound

// Repo is the core's repository over one database.
type Repo struct {
	db store.DB
	// Now gives the current time (tests replace it).
	Now func() time.Time
	// Observer, when set, sees every message write in the transaction that makes it.
	Observer Observer
}

// Observer keeps data derived from messages (the discussion index and its stored
// summaries) in step with them: whoever writes messages through the repository — a network
// connector, a flag change, the engine — the observer writes its own records in the same
// transaction.
//
// For every Update whose stores include Messages: Begin runs before the transaction opens (so
// an observer with its own lock always takes it before the store's), Observe runs inside it
// once fn has returned nil, with the messages written and the ids deleted, and Committed runs
// after it ended, with its outcome.
type Observer interface {
	Stores() []string
	Begin(ctx context.Context) error
	Observe(tx *Tx, written []model.Message, deleted []string) error
	Committed(err error)
}

// New returns the repository over db, which must have been opened with Schema (or a schema that
// extends it).
func New(db store.DB) *Repo {
	return &Repo{db: db, Now: time.Now}
}

// DB returns the underlying database.
func (r *Repo) DB() store.DB { return r.db }

// Tx is a transaction of the repository; it embeds the store's transaction for direct access
// to other stores.
type Tx struct {
	store.Tx
	now func() time.Time
	// the messages written and deleted in this transaction, for the Observer
	written []model.Message
	deleted []string
	bodies  map[string]*model.Body // the bodies written, by message id
}

// WrittenBody returns the body written with a message in this transaction, or nil: what an
// Observer may read of the messages it is shown without another read.
func (tx *Tx) WrittenBody(messageID string) *model.Body { return tx.bodies[messageID] }

// View runs fn in a read-only transaction over stores.
func (r *Repo) View(ctx context.Context, stores []string, fn func(*Tx) error) error {
	return r.db.View(ctx, stores, func(tx store.Tx) error { return fn(&Tx{Tx: tx, now: r.Now}) })
}

// Update runs fn in a read-write transaction over stores: all its writes or none.
func (r *Repo) Update(ctx context.Context, stores []string, fn func(*Tx) error) error {
	return r.StartUpdate(ctx, stores, fn)()
}

// StartUpdate runs fn in a read-write transaction over stores, as Update does, but returns once
// its writes are handed to the database: wait (call it once) waits for the commit and returns
// Update's outcome. Meanwhile the caller may prepare its next transaction (in the browser,
// IndexedDB commits in another process). The observer's Committed runs in wait.
func (r *Repo) StartUpdate(ctx context.Context, stores []string, fn func(*Tx) error) (wait func() error) {
	obs := r.Observer
	if obs == nil || !slices.Contains(stores, Messages) {
		return store.StartUpdate(ctx, r.db, stores, func(tx store.Tx) error { return fn(&Tx{Tx: tx, now: r.Now}) })
	}
	if err := obs.Begin(ctx); err != nil {
		return func() error { return err }
	}
	all := slices.Clone(stores)
	for _, s := range obs.Stores() {
		if !slices.Contains(all, s) {
			all = append(all, s)
		}
	}
	commit := store.StartUpdate(ctx, r.db, all, func(tx store.Tx) error {
		t := &Tx{Tx: tx, now: r.Now}
		if err := fn(t); err != nil {
			return err
		}
		if len(t.written) == 0 && len(t.deleted) == 0 {
			return nil
		}
		return obs.Observe(t, t.written, t.deleted)
	})
	return func() error {
		err := commit()
		obs.Committed(err)
		return err
	}
}

func (tx *Tx) getJSON(st, key string, v any) error {
	rec, err := tx.Get(st, key)
	if err != nil {
		return err
	}
	return decode(st, key, rec.Value, v)
}

func decode(st, key string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return &store.Error{Op: "decode", Store: st, Key: key, Err: errors.Join(store.ErrCorrupt, err)}
	}
	return nil
}

func (tx *Tx) putJSON(st, key string, v any, index map[string]string) error {
	b, err := json.Marshal(v)
	if err != nil {
		return &store.Error{Op: "encode", Store: st, Key: key, Err: err}
	}
	return tx.Put(st, store.Record{Key: key, Value: b, Index: index})
}

// scanJSON decodes the records a query selects into a slice of T.
func scanJSON[T any](tx *Tx, st string, q store.Query) ([]T, error) {
	var out []T
	err := tx.Scan(st, q, func(rec store.Record) error {
		var v T
		if err := decode(st, rec.Key, rec.Value, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}
