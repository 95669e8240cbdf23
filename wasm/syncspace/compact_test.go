package syncspace

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestSnapshotRebuildsTheState: the snapshot of a state, applied to an empty state, to one
// holding part of it, or after later operations, gives the same state; claims keep the place
// the log gave them, not the snapshot's.
func TestSnapshotRebuildsTheState(t *testing.T) {
	for round := range 200 {
		rng := rand.New(rand.NewPCG(uint64(round), 11))
		wall := int64(1_000_000)
		clocks := []*Clock{NewClock("a", func() time.Time { return time.UnixMilli(wall) }), NewClock("b", func() time.Time { return time.UnixMilli(wall) })}
		full, part := NewState(), NewState()
		var log []loggedBatch
		for i := range 20 + rng.IntN(40) {
			wall += int64(rng.IntN(2))
			ops := randomOps(rng, clocks[rng.IntN(2)], NewState())
			b := loggedBatch{seq: uint64(2*i + 1), ops: ops}
			log = append(log, b)
			for _, op := range ops {
				full.Apply(op, b.seq)
				if rng.IntN(2) == 0 {
					part.Apply(op, b.seq)
				}
			}
		}
		snap := full.SnapshotOps()
		upto := log[len(log)-1].seq
		for _, op := range snap {
			if err := op.Validate(); err != nil {
				t.Fatalf("snapshot operation %+v: %v", op, err)
			}
		}
		rebuilt := NewState()
		for _, op := range snap {
			rebuilt.Apply(op, upto+10)
			part.Apply(op, upto+10)
		}
		if rebuilt.Dump() != full.Dump() {
			t.Fatalf("round %d: rebuilt from the snapshot:\n%s\nwant\n%s", round, rebuilt.Dump(), full.Dump())
		}
		if part.Dump() != full.Dump() {
			t.Fatalf("round %d: snapshot over a partial state:\n%s\nwant\n%s", round, part.Dump(), full.Dump())
		}
		// A claim stored after the snapshot's point but before the snapshot does not win
		// over the one the snapshot carries.
		late := Op{At: at(1, 0, "late"), Kind: Claim, Coll: "c", Key: "k1"}
		for _, st := range []*State{full, rebuilt} {
			st.Apply(late, upto+1)
		}
		for _, op := range snap {
			rebuilt.Apply(op, upto+10)
		}
		if rebuilt.Dump() != full.Dump() {
			t.Fatalf("round %d: a claim between the snapshot's point and its batch changed the winner", round)
		}
	}
}

// TestCompactedLogConverges is the property test with compaction, on states: replicas write
// random operations, read the log in order from their cursors, and at random moments a
// replica that has read the whole log writes a snapshot of its state into the log and trims
// the log up to its cursor. Replicas join late and come back from before a trim (they keep
// their state, read what the log still holds, and decide no claim until they have read a
// snapshot covering the trim). Every replica ends in the state that the uncompacted log gives,
// and no replica ever sees a decided claim change hands.
func TestCompactedLogConverges(t *testing.T) {
	for round := range 300 {
		rng := rand.New(rand.NewPCG(uint64(round), 13))
		compactedConverge(t, rng, 2+rng.IntN(4), 20+rng.IntN(100))
	}
}

type simReplica struct {
	node     string
	clock    *Clock
	state    *State
	cursor   uint64
	joined   bool
	gap      uint64                    // the trim point it must cover
	reading  map[[16]byte]map[int]bool // snapshot parts read
	decided  map[string]string         // claim winners it saw decided
	snapshot int                       // snapshots written
}

type simBatch struct {
	seq  uint64
	ops  []Op
	part *SnapshotPart
}

func compactedConverge(t *testing.T, rng *rand.Rand, n, steps int) {
	t.Helper()
	wall := int64(1_000_000)
	reps := make([]*simReplica, n)
	for i := range reps {
		node := fmt.Sprintf("d%d", i)
		reps[i] = &simReplica{node: node, state: NewState(), reading: map[[16]byte]map[int]bool{}, decided: map[string]string{},
			clock: NewClock(node, func() time.Time { return time.UnixMilli(wall) }), joined: i < 2}
	}
	var log []simBatch // what the relay still stores
	var all []simBatch // every ordinary batch ever stored: the uncompacted log
	var trimPoint, seq uint64
	store := func(b simBatch) {
		seq++
		b.seq = seq
		log = append(log, b)
		if b.part == nil {
			all = append(all, b)
		}
	}
	checkClaims := func(r *simReplica) {
		if r.gap != 0 {
			return
		}
		for _, k := range []string{"k1", "k2", "k3"} {
			node, _, ok := r.state.ClaimWinner("c", k)
			if !ok {
				continue
			}
			if was, seen := r.decided[k]; seen && was != node {
				t.Fatalf("%s saw the claim on %s go from %s to %s", r.node, k, was, node)
			}
			r.decided[k] = node
		}
	}
	// read delivers the next batch after r's cursor, telling it first when the log was
	// trimmed past its cursor.
	read := func(r *simReplica) bool {
		if trimPoint > r.cursor && trimPoint > r.gap {
			r.gap = trimPoint
		}
		for _, b := range log {
			if b.seq <= r.cursor {
				continue
			}
			for _, op := range b.ops {
				r.clock.Observe(op.At)
				r.state.Apply(op, b.seq)
			}
			r.cursor = b.seq
			if p := b.part; p != nil {
				if r.reading[p.ID] == nil {
					r.reading[p.ID] = map[int]bool{}
				}
				r.reading[p.ID][p.Part] = true
				if len(r.reading[p.ID]) == p.Parts && r.gap != 0 && p.Upto >= r.gap {
					r.gap = 0
				}
			}
			checkClaims(r)
			return true
		}
		return false
	}
	for range steps {
		if rng.IntN(3) == 0 {
			wall += int64(rng.IntN(3))
		}
		r := reps[rng.IntN(n)]
		if !r.joined {
			if rng.IntN(4) == 0 {
				r.joined = true // a device joining late
			}
			continue
		}
		switch x := rng.IntN(10); {
		case x < 4: // write (the push is stored at once; the replica reads it back in order)
			if ops := randomOps(rng, r.clock, r.state); len(ops) > 0 {
				store(simBatch{ops: ops})
			}
		case x < 8: // read a few batches (a device may stay behind, offline)
			for range rng.IntN(6) {
				read(r)
			}
		default: // a replica that has read everything writes a snapshot and trims
			if len(log) == 0 || r.cursor != log[len(log)-1].seq || r.gap != 0 {
				continue
			}
			upto := r.cursor
			ops := r.state.SnapshotOps()
			var id [16]byte
			id[0], id[1] = byte(r.snapshot), byte(len(r.node))
			copy(id[2:], r.node)
			r.snapshot++
			parts := 1 + rng.IntN(3)
			for i := range parts {
				lo, hi := i*len(ops)/parts, (i+1)*len(ops)/parts
				store(simBatch{ops: ops[lo:hi], part: &SnapshotPart{ID: id, Upto: upto, Part: i, Parts: parts}})
				if rng.IntN(3) == 0 && len(reps) > 1 { // others write between the parts
					o := reps[rng.IntN(n)]
					if o.joined {
						if ops := randomOps(rng, o.clock, o.state); len(ops) > 0 {
							store(simBatch{ops: ops})
						}
					}
				}
			}
			if upto > trimPoint {
				trimPoint = upto
				kept := log[:0]
				for _, b := range log {
					if b.seq > upto {
						kept = append(kept, b)
					}
				}
				log = kept
			}
		}
	}
	want := NewState()
	for _, b := range all {
		for _, op := range b.ops {
			want.Apply(op, b.seq)
		}
	}
	for _, r := range reps {
		r.joined = true
		for read(r) {
		}
		if r.gap != 0 {
			t.Fatalf("%s read the whole log and still misses a snapshot covering %d", r.node, r.gap)
		}
		if got := r.state.Dump(); got != want.Dump() {
			t.Fatalf("%s diverges from the uncompacted log:\n%s\nwant\n%s", r.node, got, want.Dump())
		}
	}
}

func TestCodecCarriesSnapshots(t *testing.T) {
	ops := []Op{{At: at(1700000000004, 0, "desk"), Kind: Claim, Coll: "outbox", Key: "m1", Seq: 1 << 40}}
	part := &SnapshotPart{ID: [16]byte{9, 8, 7}, Upto: 77, Part: 2, Parts: 3}
	got, gotPart, err := decodeBatch(encodeBatch(nil, ops, part))
	if err != nil || !reflect.DeepEqual(got, ops) || !reflect.DeepEqual(gotPart, part) {
		t.Fatalf("round trip: %+v %+v %v", got, gotPart, err)
	}
	// An older version reads the operations and skips the header.
	if got, err := decodeOps(encodeBatch(nil, ops, part)); err != nil || !reflect.DeepEqual(got, ops) {
		t.Fatalf("operations of a snapshot batch: %+v %v", got, err)
	}
	for _, bad := range []*SnapshotPart{{Upto: 1, Part: 3, Parts: 3}, {Upto: 1, Parts: 0}, {Upto: 0, Parts: 1}} {
		if _, _, err := decodeBatch(encodeBatch(nil, ops, bad)); err == nil {
			t.Errorf("header %+v accepted", bad)
		}
	}
	if err := (Op{At: at(1, 0, "a"), Kind: Set, Coll: "c", Key: "k", Field: "f", Value: json.RawMessage(`1`), Seq: 3}).Validate(); err == nil {
		t.Error("a set with a sequence number is valid")
	}
	key, _ := NewKey()
	sealed, err := key.SealSnapshot(ops, *part)
	if err != nil {
		t.Fatal(err)
	}
	if _, p, err := key.OpenBatch(sealed); err != nil || !reflect.DeepEqual(p, part) {
		t.Fatalf("sealed snapshot part: %+v %v", p, err)
	}
}

// TestStartUpReplaysTheSnapshot: a device that read a whole snapshot keeps only it and what
// followed; started again from its store, it has the same state, and a snapshot whose
// compaction was interrupted is compacted at start.
func TestStartUpReplaysTheSnapshot(t *testing.T) {
	ctx := context.Background()
	key, _ := NewKey()
	store := &MemStore{}
	c, err := New(ctx, Config{Key: key, Device: "a", Transport: WebSocket{}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	writer := NewClock("b", nil)
	var seq uint64
	push := func(ops []Op, part *SnapshotPart) {
		t.Helper()
		seq++
		var sealed []byte
		var err error
		if part != nil {
			sealed, err = key.SealSnapshot(ops, *part)
		} else {
			writer.Stamp(ops)
			sealed, err = key.Seal(ops)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := c.receive(ctx, seq, sealed); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		op, _ := SetOp("t", fmt.Sprint("k", i%10), "v", i)
		push([]Op{op, {Kind: Add, Coll: "s", Key: "set", Elem: fmt.Sprint(i)}}, nil)
	}
	// A claim the log decides, then this device's own operation acknowledged at 51 but not
	// yet read back.
	push([]Op{{Kind: Claim, Coll: "outbox", Key: "m1"}}, nil)
	if err := c.Set(ctx, "t", "mine", "v", 1); err != nil {
		t.Fatal(err)
	}
	mine := c.queue.items[len(c.queue.items)-1].Op.At
	if err := store.Acked(ctx, []HLC{mine}, 40); err != nil {
		t.Fatal(err)
	}
	c.queue.acked([]HLC{mine}, 40)
	var snap []Op
	c.View(func(st *State) { snap = st.SnapshotOps() })
	upto := seq
	id := [16]byte{1}
	push(snap[:len(snap)/2], &SnapshotPart{ID: id, Upto: upto, Part: 0, Parts: 2})
	after, _ := SetOp("t", "after", "v", true)
	push([]Op{after}, nil)
	if len(store.log) != 53 {
		t.Fatalf("%d batches saved before the snapshot is whole", len(store.log))
	}
	push(snap[len(snap)/2:], &SnapshotPart{ID: id, Upto: upto, Part: 1, Parts: 2})
	saved, _ := store.Load(ctx)
	if len(saved.Log) != 3 || saved.Log[0].Seq != upto+1 {
		t.Fatalf("saved after the snapshot: %d batches from %d, want 3 from %d", len(saved.Log), saved.Log[0].Seq, upto+1)
	}
	if len(saved.Queue) != 0 || c.Status().Pending != 0 {
		t.Fatalf("the acknowledged operation the snapshot holds is still queued: %+v", saved.Queue)
	}
	c.mu.Lock()
	c.state.Apply(after, 0) // the state the snapshot was taken from, plus what followed
	c.mu.Unlock()
	again, err := New(ctx, Config{Key: key, Device: "a", Transport: WebSocket{}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if again.stateDump() != c.stateDump() {
		t.Fatalf("started again from the compacted store:\n%s\nwant\n%s", again.stateDump(), c.stateDump())
	}
	if node, s, _ := again.state.ClaimWinner("outbox", "m1"); node != "b" || s != 51 {
		t.Fatalf("the claim is now %s@%d, want b@51", node, s)
	}

	// Interrupted: the batches are saved, the compaction is not.
	interrupted := &MemStore{log: []Logged{{Seq: 1, Ops: []Op{after}}, {Seq: 2, Ops: snap, Snapshot: &SnapshotPart{ID: [16]byte{2}, Upto: 1, Parts: 1}}}, cursor: 2}
	if _, err := New(ctx, Config{Key: key, Device: "a", Transport: WebSocket{}, Store: interrupted}); err != nil {
		t.Fatal(err)
	}
	if saved, _ := interrupted.Load(ctx); len(saved.Log) != 1 || saved.Log[0].Seq != 2 {
		t.Fatalf("not compacted at start: %+v", saved.Log)
	}
}

func (c *Client) stateDump() string {
	var s string
	c.View(func(st *State) { s = st.Dump() })
	return s
}

// TestSnapshotsAtOnceDoNotCallForMore: after two devices wrote snapshots of the same point at
// once (their parts interleaved), the log read since holds nothing a snapshot would
// compact; what comes after does.
func TestSnapshotsAtOnceDoNotCallForMore(t *testing.T) {
	var k compaction
	cfg := Compaction{MinBytes: 1000}
	for seq := uint64(1); seq <= 10; seq++ {
		k.note(seq, 500, nil)
	}
	if !k.due(cfg, false) {
		t.Fatal("5000 bytes read and no snapshot due")
	}
	a := func(i int) *SnapshotPart { return &SnapshotPart{ID: [16]byte{'a'}, Upto: 10, Part: i, Parts: 2} }
	b := func(i int) *SnapshotPart { return &SnapshotPart{ID: [16]byte{'b'}, Upto: 10, Part: i, Parts: 2} }
	k.note(11, 2000, a(0))
	k.note(12, 2000, b(0))
	k.note(13, 300, nil) // another device's write, between the parts
	if upto := k.note(14, 2000, a(1)); upto != 10 {
		t.Fatalf("snapshot a completed at %d, want 10", upto)
	}
	if upto := k.note(15, 2000, b(1)); upto != 0 {
		t.Fatalf("snapshot b, no newer, completed at %d", upto)
	}
	if k.tailBytes != 300 || k.due(cfg, false) {
		t.Fatalf("after the snapshots, %d bytes to compact, due %v: want 300, not due", k.tailBytes, k.due(cfg, false))
	}
	for seq := uint64(16); seq <= 22; seq++ {
		k.note(seq, 500, nil)
	}
	if k.due(cfg, false) {
		t.Fatal("due before the log outgrew the latest snapshot (4000 bytes)")
	}
	k.note(23, 500, nil)
	if !k.due(cfg, false) {
		t.Fatal("not due once the log outgrew the latest snapshot")
	}
	k.gap = 30
	if k.due(cfg, true) {
		t.Fatal("due while the device misses trimmed batches")
	}
}
