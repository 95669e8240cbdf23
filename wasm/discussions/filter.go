package discussions

import "caliopen/wasm/model"

// Filter selects discussions for the list; its zero value keeps them all.
type Filter struct {
	Unread  bool          // only discussions with unread messages
	Network model.Network // only discussions with a message on this network
	Account string        // only discussions with a message through this account
}

// IsZero reports whether f keeps every discussion.
func (f Filter) IsZero() bool { return f == Filter{} }

func (f Filter) keeps(d *discussion) bool {
	return (!f.Unread || d.unread > 0) &&
		(f.Network == "" || d.channels.hasNetwork(f.Network)) &&
		(f.Account == "" || d.channels.hasAccount(f.Account))
}

// PageWhere returns up to limit summaries of the discussions f keeps after the cursor,
// newest first, the cursor of the next page ("" at the end), and how many discussions f keeps
// in all. It walks the in-memory order, so a page costs the discussions skipped to fill it,
// never a read of the store.
func (ix *Index) PageWhere(f Filter, after Cursor, limit int) ([]Summary, Cursor, int, error) {
	pos, from, err := parseCursor(after)
	if err != nil {
		return nil, "", 0, err
	}
	if limit <= 0 {
		limit = 50
	}
	total := len(ix.discussions)
	if !f.IsZero() {
		total = 0
		for _, d := range ix.discussions {
			if f.keeps(d) {
				total++
			}
		}
	}
	var out []Summary
	var last position
	more := false
	ix.order.ascend(pos, from, func(p position) bool {
		d := ix.discussions[p.key]
		if !f.keeps(d) {
			return true
		}
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, ix.summary(d))
		last = p
		return true
	})
	if !more {
		return out, "", total, nil
	}
	return out, last.cursor(), total, nil
}
