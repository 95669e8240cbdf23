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
	// Commit saves a batch the log delivered, moves the cursor to its sequence number, and
	// drops from the queue the operations it holds, in one step.
	Commit(ctx context.Context, batch Logged) error
	// Compact drops what a complete snapshot of the log up to upto, already saved, makes
	// useless: the batches up to upto, the queued operations the relay stored at or before
	// upto, and the gap when the snapshot covers it.
	Compact(ctx context.Context, upto uint64) error
	// SetGap records that the relay trimmed its log up to gap, past the cursor (see
	// Saved.Gap).
	SetGap(ctx context.Context, gap uint64) error
}

// Saved is a client's durable state.
type Saved struct {
	Cursor uint64
	Log    []Logged // the batches received, in log order (since the latest snapshot)
	Queue  []Queued // local operations not yet delivered back by the log, oldest first
	// Gap, when not 0, is where the relay's log starts again after batches this device never
	// read: until it has read a whole snapshot up to Gap, its state may lack what they held.
	Gap uint64
}

// Logged is one batch received from the log.
type Logged struct {
	Seq uint64 `json:"seq"`
	Ops []Op   `json:"ops"`
	// Size is the sealed batch's size, what it costs the relay (0 from older versions).
	Size int `json:"size,omitempty"`
	// Snapshot is the batch's place in a snapshot, nil for ordinary operations.
	Snapshot *SnapshotPart `json:"snap,omitempty"`
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
	gap    uint64
}

// Load implements Store.
func (m *MemStore) Load(context.Context) (Saved, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Saved{Cursor: m.cursor, Log: slices.Clone(m.log), Gap: m.gap}
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
func (m *MemStore) Commit(_ context.Context, batch Logged) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, batch)
	m.cursor = batch.Seq
	for _, op := range batch.Ops {
		delete(m.queue, op.At)
	}
	return nil
}

// Compact implements Store.
func (m *MemStore) Compact(_ context.Context, upto uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = slices.DeleteFunc(m.log, func(l Logged) bool { return l.Seq <= upto })
	for at, q := range m.queue {
		if q.Seq != 0 && q.Seq <= upto {
			delete(m.queue, at)
		}
	}
	if m.gap <= upto {
		m.gap = 0
	}
	return nil
}

// SetGap implements Store.
func (m *MemStore) SetGap(_ context.Context, gap uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gap = max(m.gap, gap)
	return nil
}
