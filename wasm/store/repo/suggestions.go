package repo

import (
	"context"
	"encoding/json"

	"caliopen/wasm/store"
)

// PutSuggestions replaces the stored merge suggestions (opaque JSON to this package, by key).
// Needs the store Suggestions.
func (tx *Tx) PutSuggestions(byKey map[string]any) error {
	recs, err := store.ScanAll(tx, Suggestions, store.Query{})
	if err != nil {
		return err
	}
	for _, r := range recs {
		if _, keep := byKey[r.Key]; !keep {
			if err := tx.Delete(Suggestions, r.Key); err != nil {
				return err
			}
		}
	}
	for k, v := range byKey {
		if err := tx.putJSON(Suggestions, k, v, nil); err != nil {
			return err
		}
	}
	return nil
}

// Suggestions returns the stored merge suggestions, by key.
func (r *Repo) Suggestions(ctx context.Context) (out []json.RawMessage, err error) {
	err = r.View(ctx, []string{Suggestions}, func(tx *Tx) error {
		out, err = scanJSON[json.RawMessage](tx, Suggestions, store.Query{})
		return err
	})
	return out, err
}
