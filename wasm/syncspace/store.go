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
	Acked(ctx context.Context, ops []HLC, seq uint64) error
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
	mu     sync.Mutex
	cursor uint64
	log    []Logged
	queue  map[HLC]Queued
}

// Load implements Store.
func (m *MemStore) Load(context.Context) (Saved, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Saved{Cursor: m.cursor, Log: slices.Clone(m.log)}
	for _, q := range m.queue {
		s.Queue = append(s.Queue, q)
	}
	// A device's own stamps increase: their order is the order it wrote in.
	slices.SortFunc(s.Queue, func(a, b Queued) int { return a.Op.At.Compare(b.Op.At) })
	return s, nil
}

// Enqueue implements Store.
func (m *MemStore) Enqueue(_ context.Context, ops []Op) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.queue == nil {
		m.queue = map[HLC]Queued{}
	}
	for _, op := range ops {
		m.queue[op.At] = Queued{Op: op}
	}
	return nil
}

// Acked implements Store.
func (m *MemStore) Acked(_ context.Context, ids []HLC, seq uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, at := range ids {
		if q, ok := m.queue[at]; ok {
			q.Seq = seq
			m.queue[at] = q
		}
	}
	return nil
}

// Commit implements Store.
func (m *MemStore) Commit(_ context.Context, seq uint64, ops []Op) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, Logged{Seq: seq, Ops: ops})
	m.cursor = seq
	for _, op := range ops {
		delete(m.queue, op.At)
	}
	return nil
}
