package engine

import (
	"context"
	"slices"

	"caliopen/wasm/contacts"
)

// ApplyContactOps applies contact operations the user made on another device (merges,
// splits, dismissed links), oldest first. Operations already applied here are skipped; those
// that cannot apply yet (their contacts are not on this device: its messages have not come
// in) are returned, to try again later. What applies is logged and re-keys discussions as a
// local change would.
func (e *Engine) ApplyContactOps(ctx context.Context, ops []contacts.Op) (later []contacts.Op, err error) {
	if err := e.lock(ctx); err != nil {
		return ops, err
	}
	defer e.unlock()
	ops = slices.Clone(ops)
	slices.SortStableFunc(ops, func(a, b contacts.Op) int { return a.At.Compare(b.At) })
	var chs []contacts.Change
	for _, op := range ops {
		ch, err := e.book.Apply(op)
		if err != nil {
			later = append(later, op)
			continue
		}
		if ch.Op.ID != "" {
			chs = append(chs, ch)
		}
	}
	if len(chs) == 0 {
		return later, nil
	}
	return later, e.applyContactChange(ctx, chs...)
}
