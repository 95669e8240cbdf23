package repo

import (
	"context"
	"encoding/base64"
	"fmt"

	"caliopen/wasm/store"
)

// Page asks for one page of a list: newest first unless Oldest.
type Page struct {
	Limit  int    // items per page; 0 means DefaultLimit
	After  string // the Next token of the previous page ("" for the first page)
	Oldest bool   // oldest first
}

// DefaultLimit is the page size when Page.Limit is 0.
const DefaultLimit = 50

// encodeToken turns a scan position into an opaque page token.
func encodeToken(p store.Pos) string {
	return base64.RawURLEncoding.EncodeToString([]byte(store.Tuple(p.Key, p.Primary)))
}

func decodeToken(tok string) (*store.Pos, error) {
	if tok == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	parts := store.SplitTuple(string(b))
	if err != nil || len(parts) != 2 {
		return nil, fmt.Errorf("repo: bad page token")
	}
	return &store.Pos{Key: parts[0], Primary: parts[1]}, nil
}

// page reads one page of st along index under prefix, decoding each record into T. It returns
// the token of the next page, "" at the end.
func page[T any](ctx context.Context, r *Repo, st, index, prefix string, p Page) ([]T, string, error) {
	after, err := decodeToken(p.After)
	if err != nil {
		return nil, "", err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	q := store.Query{Index: index, Prefix: prefix, After: after, Reverse: !p.Oldest, Limit: limit + 1}
	var (
		out  []T
		last store.Pos
		more bool
	)
	err = r.db.View(ctx, []string{st}, func(tx store.Tx) error {
		out, more = nil, false
		return tx.Scan(st, q, func(rec store.Record) error {
			if len(out) == limit {
				more = true
				return store.ErrStop
			}
			var v T
			if err := decode(st, rec.Key, rec.Value, &v); err != nil {
				return err
			}
			out = append(out, v)
			last = rec.PosIn(index)
			return nil
		})
	})
	if err != nil || !more {
		return out, "", err
	}
	return out, encodeToken(last), nil
}
