package repo

import (
	"context"
	"encoding/json"

	"caliopen/wasm/store"
)

// The user's tags are kept per participant set (see discussions.SetKey): a set is named by
// its messages alone, the same on every device, and a discussion's tags are those of its
// sets. Each set's tags are one record of the meta store, T("tags", set) → sorted names.

// TagOp is the operation-log data of OpTagSet: tags added to and removed from one
// participant set, logged in the transaction that makes the change.
type TagOp struct {
	Set    string   `json:"set"`
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
	// Origin is OriginSync for a change another device made, which device sync does not
	// carry back.
	Origin string `json:"origin,omitempty"`
}

// TagStores are the stores a change of tags touches (with the discussion summaries).
var TagStores = append([]string{Discussions}, OpLogStores...)

func tagsKey(set string) string { return store.Tuple("tags", set) }

// PutSetTags stores a set's tags (none: the record goes) and logs op. Needs TagStores.
func (tx *Tx) PutSetTags(set string, tags []string, op TagOp) error {
	var err error
	if len(tags) == 0 {
		err = tx.Delete(Meta, tagsKey(set))
	} else {
		err = tx.putJSON(Meta, tagsKey(set), tags, nil)
	}
	if err != nil {
		return err
	}
	_, err = tx.AppendOp(OpTagSet, op)
	return err
}

// EachSetTags calls fn with the tags of every participant set that has some.
func (r *Repo) EachSetTags(ctx context.Context, fn func(set string, tags []string)) error {
	prefix := store.Tuple("tags")
	return r.View(ctx, []string{Meta}, func(tx *Tx) error {
		return tx.Scan(Meta, store.Query{Prefix: prefix}, func(rec store.Record) error {
			var tags []string
			if err := json.Unmarshal(rec.Value, &tags); err != nil {
				return &store.Error{Op: "read tags", Store: Meta, Key: rec.Key, Err: store.ErrCorrupt}
			}
			parts := store.SplitTuple(rec.Key)
			if len(parts) == 2 {
				fn(parts[1], tags)
			}
			return nil
		})
	})
}
