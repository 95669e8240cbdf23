package syncspace

import (
	"context"
	"slices"
	"sync"
)

// Store keeps a client's durable state: what the log delivered, the cursor, and the local
// operations waiting for the relay. The app's store lives in the repository (IndexedDB in a
// browser); MemStore is the native twin tests use.
type Store interface {
	// Load returns everything saved.
	Load(ctx context.Context) (Saved, error)
	// Enqueue saves local operations to push.
	Enqueue(ctx context.Context, ops []Op) error
	// Acked records that queued operations were stored by the relay at seq: they are not
	// pushed again, and stay queued until the log delivers them back.
	Acked(ctx context.Context, ids []string, seq uint64) error
	// Commit saves a batch the log delivered (seq, its operations), moves the cursor to seq,
	// and drops from the queue the operations it holds, in one step.
	Commit(ctx context.Context, seq uint64, ops []Op) error
}

// Saved is a client's durable state.
type Saved struct {
	Cursor uint64
	Log    []Logged // the batches received, in log order
	Queue  []Queued // local operations not yet delivered back by the log, oldest first
}

// Logged is one batch received from the log.
type Logged struct {
	Seq uint64 `json:"seq"`
	Ops []Op   `json:"ops"`
}

// Queued is a local operation and, once the relay acknowledged it, its batch's sequence
// number.
type Queued struct {
	Op  Op     `json:"op"`
	Seq uint64 `json:"seq,omitempty"`
}

// MemStore is a Store in memory.
type MemStore struct {
	mu    sync.Mutex
	saved Saved
}

// Load implements Store.
func (m *MemStore) Load(context.Context) (Saved, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Saved{Cursor: m.saved.Cursor, Log: slices.Clone(m.saved.Log), Queue: slices.Clone(m.saved.Queue)}, nil
}

// Enqueue implements Store.
func (m *MemStore) Enqueue(_ context.Context, ops []Op) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range ops {
		m.saved.Queue = append(m.saved.Queue, Queued{Op: op})
	}
	return nil
}

// Acked implements Store.
func (m *MemStore) Acked(_ context.Context, ids []string, seq uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved.Queue = MarkAcked(m.saved.Queue, ids, seq)
	return nil
}

// Commit implements Store.
func (m *MemStore) Commit(_ context.Context, seq uint64, ops []Op) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saved.Log = append(m.saved.Log, Logged{Seq: seq, Ops: ops})
	m.saved.Cursor = seq
	m.saved.Queue = DropDelivered(m.saved.Queue, ops)
	return nil
}

// MarkAcked sets seq on the queued operations named by ids (for Store implementations).
func MarkAcked(q []Queued, ids []string, seq uint64) []Queued {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	for i := range q {
		if want[q[i].Op.ID()] {
			q[i].Seq = seq
		}
	}
	return q
}

// DropDelivered removes from q the operations in ops (for Store implementations).
func DropDelivered(q []Queued, ops []Op) []Queued {
	if len(q) == 0 || len(ops) == 0 {
		return q
	}
	in := make(map[HLC]bool, len(ops))
	for _, op := range ops {
		in[op.At] = true
	}
	return slices.DeleteFunc(q, func(x Queued) bool { return in[x.Op.At] })
}
