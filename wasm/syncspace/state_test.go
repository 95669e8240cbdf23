package syncspace

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func at(wall int64, logical uint32, node string) HLC {
	return HLC{Wall: wall, Logical: logical, Node: node}
}

func TestClockIsMonotonicAndFollowsRemote(t *testing.T) {
	wall := time.UnixMilli(1000)
	c := NewClock("a", func() time.Time { return wall })
	h1, h2 := c.Now(), c.Now()
	if h1.Compare(h2) >= 0 || h2.Logical != 1 {
		t.Fatalf("not increasing within a millisecond: %v %v", h1, h2)
	}
	c.Observe(at(5000, 7, "b"))
	if h := c.Now(); h.Compare(at(5000, 7, "b")) <= 0 || h.Node != "a" {
		t.Fatalf("after a remote stamp, %v is not later", h)
	}
	wall = wall.Add(time.Hour)
	if h := c.Now(); h.Wall != wall.UnixMilli() || h.Logical != 0 {
		t.Fatalf("the wall clock moving on is not followed: %v", h)
	}
	c.Observe(at(wall.Add(100*24*time.Hour).UnixMilli(), 0, "future"))
	if h := c.Now(); h.Wall > wall.Add(MaxDrift).UnixMilli()+1 {
		t.Fatalf("a remote clock in the far future dragged this one: %v", h)
	}
	var back HLC
	if err := back.UnmarshalText([]byte(h1.String())); err != nil || back != h1 {
		t.Fatalf("text round trip: %v %v", back, err)
	}
}

func TestLastWriterWinsPerField(t *testing.T) {
	s := NewState()
	s.Apply(Op{At: at(2, 0, "a"), Kind: Set, Coll: "setting", Key: "k", Field: "v", Value: json.RawMessage(`"new"`)}, 0)
	s.Apply(Op{At: at(1, 0, "b"), Kind: Set, Coll: "setting", Key: "k", Field: "v", Value: json.RawMessage(`"old"`)}, 0)
	s.Apply(Op{At: at(1, 0, "b"), Kind: Set, Coll: "setting", Key: "k", Field: "w", Value: json.RawMessage(`1`)}, 0)
	got := s.Entry("setting", "k")
	if string(got["v"]) != `"new"` || string(got["w"]) != `1` {
		t.Fatalf("got %s", got)
	}
	// A tombstone hides what was written before it; a later write brings the entry back.
	s.Apply(Op{At: at(3, 0, "b"), Kind: Delete, Coll: "setting", Key: "k"}, 0)
	if e := s.Entry("setting", "k"); e != nil || len(s.Keys("setting")) != 0 {
		t.Fatalf("deleted entry visible: %s", e)
	}
	s.Apply(Op{At: at(4, 0, "a"), Kind: Set, Coll: "setting", Key: "k", Field: "w", Value: json.RawMessage(`2`)}, 0)
	if e := s.Entry("setting", "k"); len(e) != 1 || string(e["w"]) != "2" {
		t.Fatalf("entry after tombstone: %s", e)
	}
}

func TestAddWins(t *testing.T) {
	s := NewState()
	add1 := Op{At: at(1, 0, "a"), Kind: Add, Coll: "links", Key: "c1", Elem: "email:x@y"}
	add2 := Op{At: at(2, 0, "b"), Kind: Add, Coll: "links", Key: "c1", Elem: "email:x@y"} // concurrent with rem
	rem := Op{At: at(3, 0, "a"), Kind: Remove, Coll: "links", Key: "c1", Elem: "email:x@y", Tags: []HLC{add1.At}}
	s.Apply(rem, 0) // before the add it removes: still counts
	s.Apply(add1, 0)
	if e := s.Elems("links", "c1"); len(e) != 0 {
		t.Fatalf("removed element present: %v", e)
	}
	s.Apply(add2, 0)
	if e := s.Elems("links", "c1"); !slices.Equal(e, []string{"email:x@y"}) {
		t.Fatalf("concurrent add lost: %v", e)
	}
	if tags := s.Tags("links", "c1", "email:x@y"); !slices.Equal(tags, []HLC{add2.At}) {
		t.Fatalf("tags %v", tags)
	}
	// Sets lists every set an add reached, emptied or not.
	s.Apply(Op{At: at(4, 0, "a"), Kind: Remove, Coll: "links", Key: "c1", Elem: "email:x@y", Tags: []HLC{add2.At}}, 0)
	s.Apply(Op{At: at(5, 0, "a"), Kind: Add, Coll: "links", Key: "c0", Elem: "x:1"}, 0)
	if sets := s.Sets("links"); !slices.Equal(sets, []string{"c0", "c1"}) || len(s.Elems("links", "c1")) != 0 || s.Sets("none") != nil {
		t.Fatalf("sets %v", sets)
	}
}

func TestClaimFirstInLogWins(t *testing.T) {
	s := NewState()
	early := Op{At: at(1, 0, "a"), Kind: Claim, Coll: "outbox", Key: "m1"} // stamped first, stored last
	late := Op{At: at(9, 0, "b"), Kind: Claim, Coll: "outbox", Key: "m1"}
	s.Apply(early, 0)
	if _, _, ok := s.ClaimWinner("outbox", "m1"); ok {
		t.Fatal("a claim not yet in the log decided")
	}
	s.Apply(early, 7)
	s.Apply(late, 3)
	if node, seq, _ := s.ClaimWinner("outbox", "m1"); node != "b" || seq != 3 {
		t.Fatalf("winner %s@%d, want b@3", node, seq)
	}
}

// TestConvergence is the property test: replicas make random concurrent operations (each on
// its own view), the relay orders their batches, and each replica receives every batch in a
// random order, some more than once. Every replica must end in the same state.
func TestConvergence(t *testing.T) {
	for round := range 200 {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		converge(t, rng, 2+rng.IntN(4), 5+rng.IntN(60))
	}
}

type loggedBatch struct {
	seq uint64
	ops []Op
}

func converge(t *testing.T, rng *rand.Rand, n, steps int) {
	t.Helper()
	type replica struct {
		node  string
		clock *Clock
		state *State
		seen  map[uint64]bool
	}
	wall := int64(1_000_000)
	reps := make([]*replica, n)
	for i := range reps {
		node := fmt.Sprintf("d%d", i)
		reps[i] = &replica{node: node, state: NewState(), seen: map[uint64]bool{},
			clock: NewClock(node, func() time.Time { return time.UnixMilli(wall) })}
	}
	var log []loggedBatch
	deliver := func(r *replica, b loggedBatch) {
		for _, op := range b.ops {
			r.clock.Observe(op.At)
			r.state.Apply(op, b.seq)
		}
		r.seen[b.seq] = true
	}
	for range steps {
		if rng.IntN(3) == 0 {
			wall += int64(rng.IntN(3)) // clocks often tie: the counter and node must order
		}
		r := reps[rng.IntN(n)]
		if rng.IntN(3) == 0 && len(log) > 0 { // receive some batch, maybe again
			deliver(r, log[rng.IntN(len(log))])
			continue
		}
		ops := randomOps(rng, r.clock, r.state) // applied locally first, as the client does
		if len(ops) > 0 {
			log = append(log, loggedBatch{seq: uint64(len(log) + 1), ops: ops})
		}
	}
	for _, r := range reps {
		order := rng.Perm(len(log))
		for _, i := range order {
			deliver(r, log[i])
			if rng.IntN(4) == 0 {
				deliver(r, log[rng.IntN(len(log))]) // duplicates
			}
		}
	}
	want := reps[0].state.Dump()
	for _, r := range reps[1:] {
		if got := r.state.Dump(); got != want {
			t.Fatalf("replicas diverge:\n%s\nvs\n%s", want, got)
		}
	}
}

// randomOps makes 1 to 3 random operations from replica state st, stamped by clock, over few
// keys and elements so that they conflict.
func randomOps(rng *rand.Rand, clock *Clock, st *State) []Op {
	keys := []string{"k1", "k2", "k3"}
	elems := []string{"x", "y", "z"}
	var ops []Op
	for range 1 + rng.IntN(3) {
		op := Op{At: clock.Now(), Coll: "c", Key: keys[rng.IntN(len(keys))]}
		switch rng.IntN(6) {
		case 0, 1:
			op.Kind, op.Field, op.Value = Set, []string{"a", "b"}[rng.IntN(2)], json.RawMessage(fmt.Sprint(rng.IntN(100)))
		case 2:
			op.Kind = Delete
		case 3:
			op.Kind, op.Elem = Add, elems[rng.IntN(len(elems))]
		case 4:
			op.Kind, op.Elem = Remove, elems[rng.IntN(len(elems))]
			op.Tags = st.Tags(op.Coll, op.Key, op.Elem)
			if len(op.Tags) == 0 {
				continue
			}
		case 5:
			op.Kind = Claim
		}
		st.Apply(op, 0)
		ops = append(ops, op)
	}
	return ops
}
