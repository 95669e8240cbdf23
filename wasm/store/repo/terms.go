package repo

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"caliopen/wasm/store"
)

// A message's words for search are stored as "<version>\n<word> <word> …": the version of
// the tokenizer that cut them (words of another version are cut again), then the words,
// which hold no space.

// PutTerms stores the words of a message.
func (tx *Tx) PutTerms(messageID string, version int, words []string) error {
	v := strconv.Itoa(version) + "\n" + strings.Join(words, " ")
	return tx.Put(Terms, store.Record{Key: messageID, Value: []byte(v)})
}

// DeleteTerms forgets the words of a message.
func (tx *Tx) DeleteTerms(messageID string) error { return tx.Delete(Terms, messageID) }

// HasTerms reports whether the words of a message are stored.
func (tx *Tx) HasTerms(messageID string) (bool, error) {
	_, err := tx.Get(Terms, messageID)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return false, err
}

// EachTerms calls fn with the stored words of every message, a page of records per
// transaction.
func (r *Repo) EachTerms(ctx context.Context, fn func(messageID string, version int, words []string)) error {
	var after *store.Pos
	for {
		n := 0
		err := r.db.View(ctx, []string{Terms}, func(tx store.Tx) error {
			n = 0
			return tx.Scan(Terms, store.Query{After: after, Limit: 1000}, func(rec store.Record) error {
				n++
				p := rec.PosIn("")
				after = &p
				head, rest, _ := strings.Cut(string(rec.Value), "\n")
				version, _ := strconv.Atoi(head)
				fn(rec.Key, version, strings.Fields(rest))
				return nil
			})
		})
		if err != nil || n < 1000 {
			return err
		}
	}
}
