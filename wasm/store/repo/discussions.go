package repo

import (
	"context"
	"encoding/json"
	"time"

	"caliopen/wasm/store"
)

// PutDiscussion stores a discussion summary (opaque JSON to this package) under its key,
// ordered by the date of its last message.
func (tx *Tx) PutDiscussion(key string, lastDate time.Time, summary any) error {
	v, err := json.Marshal(summary)
	if err != nil {
		return err
	}
	return tx.Put(Discussions, store.Record{Key: key, Value: v, Index: map[string]string{"order": store.TimeKey(lastDate)}})
}

// DeleteDiscussion removes a discussion summary.
func (tx *Tx) DeleteDiscussion(key string) error { return tx.Delete(Discussions, key) }

// ClearDiscussions removes every discussion summary (before writing a rebuilt index).
func (tx *Tx) ClearDiscussions() error {
	recs, err := store.ScanAll(tx, Discussions, store.Query{})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := tx.Delete(Discussions, r.Key); err != nil {
			return err
		}
	}
	return nil
}

// DiscussionPage reads one page of discussion summaries, most recent first.
func (r *Repo) DiscussionPage(ctx context.Context, p Page) ([]json.RawMessage, string, error) {
	return page[json.RawMessage](ctx, r, Discussions, "order", "", p)
}

// CountDiscussions returns the number of stored discussions.
func (r *Repo) CountDiscussions(ctx context.Context) (n int, err error) {
	err = r.View(ctx, []string{Discussions}, func(tx *Tx) error {
		n, err = tx.Count(Discussions, store.Query{})
		return err
	})
	return n, err
}
