package syncstore

import (
	"context"
	"fmt"
	"testing"

	"caliopen/wasm/syncspace"
)

// The app's collections (wasm/app/sync*.go) that the benchmarks' operations are shaped after:
// a direct message's read mark, and a contact decision in the contact set.
const (
	collMessageState = "message.state"
	collContact      = "contact.ops"
	contactSetKey    = "user"
)

// BenchmarkSyncStartUp measures what starting the sync client costs a device whose space
// holds 10,000 operations (loading its saved log from the repository, opening each record
// sealed at rest, replaying it), before and after compaction: the saved log as received (200
// batches of 50 operations), then the snapshot of the same state that replaces it.
//
//	go test ./wasm/syncstore -run XXX -bench SyncStartUp -benchtime 20x
func BenchmarkSyncStartUp(b *testing.B) {
	shapes := []struct {
		name string
		op   func(i int) syncspace.Op
	}{
		// The state the user gives direct messages, changed ten times each over 1,000
		// messages: the state is a tenth of the log.
		{"1000-messages-x10", func(i int) syncspace.Op {
			op, _ := syncspace.SetOp(collMessageState, fmt.Sprintf("a5f0c2e9d1b7a3c4 1867%015d", i%1000), []string{"seen", "starred"}[i/1000%2], i%3 == 0)
			return op
		}},
		// 10,000 distinct contact decisions: the state is as large as the log.
		{"10000-distinct", func(i int) syncspace.Op {
			return syncspace.Op{Kind: syncspace.Add, Coll: collContact, Key: contactSetKey, Elem: fmt.Sprintf(
				`{"id":"op-%06d","kind":"merge","contact":"c-%05d","into":"c-%05d","links":["email:person%d@example.org"],"at":"2024-05-01T10:00:00Z"}`, i, i, i+1, i)}
		}},
	}
	for _, shape := range shapes {
		ops := make([]syncspace.Op, 10000)
		clock := syncspace.NewClock("other", nil)
		for i := range ops {
			ops[i] = shape.op(i)
		}
		clock.Stamp(ops)
		for _, compacted := range []bool{false, true} {
			name := shape.name + "/log"
			if compacted {
				name = shape.name + "/snapshot"
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				st, key := savedSpace(b, ops, compacted)
				var records int
				b.ResetTimer()
				for b.Loop() {
					c, err := syncspace.New(ctx, syncspace.Config{Key: key, Device: "dev1", Transport: syncspace.WebSocket{}, Store: st})
					if err != nil {
						b.Fatal(err)
					}
					_ = c
				}
				b.StopTimer()
				saved, _ := st.Load(ctx)
				for _, l := range saved.Log {
					records += len(l.Ops)
				}
				b.ReportMetric(float64(len(saved.Log)), "batches")
				b.ReportMetric(float64(records), "ops-replayed")
			})
		}
	}
}

// savedSpace is a device's store holding ops received in batches of 50, or, compacted, the
// snapshot of the state they make.
func savedSpace(b *testing.B, ops []syncspace.Op, compacted bool) (Store, *syncspace.Key) {
	ctx := context.Background()
	st, key := newSyncStore(b)
	state := syncspace.NewState()
	var seq uint64
	for i := 0; i < len(ops); i += 50 {
		seq++
		for _, op := range ops[i : i+50] {
			state.Apply(op, seq)
		}
		if err := st.Commit(ctx, syncspace.Logged{Seq: seq, Ops: ops[i : i+50]}); err != nil {
			b.Fatal(err)
		}
	}
	if !compacted {
		return st, key
	}
	snap := state.SnapshotOps()
	const perPart = 2000 // about what a 256 KiB part holds
	parts := (len(snap) + perPart - 1) / perPart
	upto := seq
	for p := range parts {
		seq++
		part := &syncspace.SnapshotPart{ID: [16]byte{1}, Upto: upto, Part: p, Parts: parts}
		if err := st.Commit(ctx, syncspace.Logged{Seq: seq, Ops: snap[p*perPart : min(len(snap), (p+1)*perPart)], Snapshot: part}); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Compact(ctx, upto); err != nil {
		b.Fatal(err)
	}
	return st, key
}

// benchStore names a way to open a device's store for a benchmark.
type benchStore struct {
	name string
	open func() syncspace.Store
}

// BenchmarkSyncStorePath measures a device's sync store on the way of 10,000 operations from
// device A to device B, as syncbench sends them (the shapes of the app's operations, 100 per
// write, batches of about 230): A queues them, records the relay's acks of its batches and
// commits them when the log delivers them back; B commits the batches. "mem" is
// syncspace.MemStore; "app" is the app's store (each record sealed at rest, in the
// repository, here in memory: the cost of the store itself, not of IndexedDB); in the wasm
// run (GOOS=js GOARCH=wasm go test -exec .bin/go_js_wasm_exec ...), "app-indexeddb" is the
// app's store in IndexedDB, what a browser pays.
//
//	go test ./wasm/syncstore -run XXX -bench SyncStorePath
func BenchmarkSyncStorePath(b *testing.B) {
	src := make([]syncspace.Op, 10000)
	for i := range src {
		src[i] = syncspace.Op{Kind: syncspace.Add, Coll: collContact, Key: contactSetKey, Elem: fmt.Sprintf(
			`{"id":"op-%012d","kind":"merge","identities":["email:person%d@example.org","mastodon:person%d@mamot.fr"],"at":"2026-12-07T10:00:00Z"}`, i, i, i)}
		if i%2 == 0 {
			src[i], _ = syncspace.SetOp(collMessageState, fmt.Sprintf("a5f0c2e9d1b7a3c4 1867%015d", i), "seen", true)
		}
	}
	syncspace.NewClock("device-a", nil).Stamp(src)
	const perWrite, perBatch = 100, 228
	stores := append([]benchStore{
		{"mem", func() syncspace.Store { return &syncspace.MemStore{} }},
		{"app", func() syncspace.Store { st, _ := newSyncStore(b); return st }},
	}, platformStores(b)...)
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				devA, devB := s.open(), s.open()
				b.StartTimer()
				for i := 0; i < len(src); i += perWrite {
					if err := devA.Enqueue(ctx, src[i:i+perWrite]); err != nil {
						b.Fatal(err)
					}
				}
				seq := uint64(0)
				for i := 0; i < len(src); i += perBatch {
					seq++
					batch := src[i:min(i+perBatch, len(src))]
					stamps := make([]syncspace.HLC, len(batch))
					for j, op := range batch {
						stamps[j] = op.At
					}
					if err := devA.Acked(ctx, stamps, seq); err != nil {
						b.Fatal(err)
					}
					logged := syncspace.Logged{Seq: seq, Ops: batch, Size: 32 << 10}
					if err := devA.Commit(ctx, logged); err != nil {
						b.Fatal(err)
					}
					if err := devB.Commit(ctx, logged); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
