package engine

import (
	"context"

	"caliopen/wasm/contacts"
)

// ApplyContactOps applies contact operations the user made on another device (merges,
// splits, dismissed links). They carry the identity links they add and remove, so they apply
// in any order and give the same contacts on every device (see contacts/graph.go). Operations
// already applied here are skipped; one that does not apply (an older version's operation
// naming contacts this device does not hold) is returned, to try again later. What applies is
// logged and re-keys discussions as a local change would.
func (e *Engine) ApplyContactOps(ctx context.Context, ops []contacts.Op) (later []contacts.Op, err error) {
	if err := e.lock(ctx); err != nil {
		return ops, err
	}
	defer e.unlock()
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
