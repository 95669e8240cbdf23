package store

import (
	"context"
	"errors"
	"fmt"
)

// Errors reported by every backend. Backend failures are wrapped in *Error; use errors.Is.
var (
	ErrNotFound     = errors.New("store: record not found")
	ErrQuota        = errors.New("store: storage quota exceeded, free some space")
	ErrReadOnly     = errors.New("store: write in a read-only transaction")
	ErrUnknownStore = errors.New("store: object store not in the transaction or schema")
	ErrUnknownIndex = errors.New("store: index not declared in the schema")
	ErrInvalidKey   = errors.New("store: invalid key (must be valid UTF-8 without U+FFFF)")
	ErrTxInactive   = errors.New("store: transaction finished early (did the function wait on other I/O?)")
	ErrClosed       = errors.New("store: database closed")
	ErrVersion      = errors.New("store: database is newer than this schema")
	ErrCorrupt      = errors.New("store: stored data is damaged")
	// ErrStop, returned by a Scan callback, ends the scan without error.
	ErrStop = errors.New("store: stop scan")
)

// Error is a failed storage operation.
type Error struct {
	Op    string // "put", "get", "commit", "open", ...
	Store string
	Key   string
	Err   error
}

func (e *Error) Error() string {
	s := "store: " + e.Op
	if e.Store != "" {
		s += " " + e.Store
	}
	if e.Key != "" {
		s += fmt.Sprintf(" %q", e.Key)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Record is one entry of an object store. Index maps an index name declared in the schema to
// the record's key in that index; a record without an entry for an index is not in that index.
type Record struct {
	Key   string
	Value []byte
	Index map[string]string
}

// Pos is a position in a scan, used to resume after it (pagination). Key is the key scanned
// (the index key for an index scan, else the primary key); Primary is the primary key.
type Pos struct {
	Key     string
	Primary string
}

// PosIn returns the record's position in a scan of index ("" for the primary key).
func (r Record) PosIn(index string) Pos {
	if index == "" {
		return Pos{Key: r.Key, Primary: r.Key}
	}
	return Pos{Key: r.Index[index], Primary: r.Key}
}

// Query selects records of one store, in the order of the primary key or of an index.
type Query struct {
	Index   string // "" scans by primary key
	Prefix  string // only keys that start with Prefix
	Start   string // only keys >= Start ("" = no bound)
	End     string // only keys < End ("" = no bound)
	After   *Pos   // resume strictly after this position (in scan direction)
	Reverse bool   // descending order
	Limit   int    // at most Limit records (0 = all)
}

// Tx is a transaction over the stores it was opened with.
type Tx interface {
	// Get returns the record with the key, or ErrNotFound.
	Get(store, key string) (Record, error)
	// Put inserts or replaces the record with r.Key.
	Put(store string, r Record) error
	// Delete removes the record with the key; deleting a missing key is not an error.
	Delete(store, key string) error
	// Scan calls fn for each selected record in order, until fn returns an error (ErrStop ends
	// the scan without error).
	Scan(store string, q Query, fn func(Record) error) error
	// Count returns the number of selected records (Limit and After are ignored).
	Count(store string, q Query) (int, error)
}

// DB is an open database.
type DB interface {
	// View runs fn in a read-only transaction over stores.
	View(ctx context.Context, stores []string, fn func(Tx) error) error
	// Update runs fn in a read-write transaction over stores and commits its writes if fn
	// returns nil; otherwise nothing is written and fn's error is returned.
	Update(ctx context.Context, stores []string, fn func(Tx) error) error
	// Close closes the database; later calls fail with ErrClosed.
	Close() error
}

// BackgroundCommitter is a DB whose write transactions can commit while the caller goes on:
// StartUpdate runs fn and hands its writes to the backend, as Update does, then returns without
// waiting for them to be committed; wait does (it must be called, once) and returns what
// Update would have. IndexedDB commits in the browser's own process: a caller can prepare its
// next transaction meanwhile.
type BackgroundCommitter interface {
	StartUpdate(ctx context.Context, stores []string, fn func(Tx) error) (wait func() error)
}

// StartUpdate runs fn in a read-write transaction over stores like db.Update, and returns a
// function that waits for the commit and returns its outcome. A backend that cannot commit
// in the background (the memory and file stores) has committed when StartUpdate returns.
func StartUpdate(ctx context.Context, db DB, stores []string, fn func(Tx) error) (wait func() error) {
	if c, ok := db.(BackgroundCommitter); ok {
		return c.StartUpdate(ctx, stores, fn)
	}
	return done(db.Update(ctx, stores, fn))
}

// done is the wait function of a transaction already ended with err.
func done(err error) func() error { return func() error { return err } }

// ScanAll is a helper returning the records Scan selects.
func ScanAll(tx Tx, store string, q Query) ([]Record, error) {
	var out []Record
	err := tx.Scan(store, q, func(r Record) error {
		out = append(out, r)
		return nil
	})
	return out, err
}
