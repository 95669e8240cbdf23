package syncspace

import (
	"fmt"
	"slices"
	"testing"
)

// The queue keeps its items in stamp order, even one stamped before those already queued
// (the wall clock went back further than Observe corrects): pushes follow that order, an
// operation is found by its stamp, and delivered or covered ones leave it, through
// compactions, without losing the place of the next push.
func TestQueueOrderAndLookups(t *testing.T) {
	q := newQueue(nil)
	op := func(wall int64) Op {
		return Op{At: at(wall, 0, "dev"), Kind: Set, Coll: "c", Key: fmt.Sprint(wall), Field: "v", Value: []byte(`1`)}
	}
	var ops []Op
	for w := int64(1); w <= 200; w++ {
		if w != 50 {
			ops = append(ops, op(w))
		}
	}
	q.addOps(ops)
	budget := 0
	for _, o := range ops[:20] {
		budget += opSize(o)
	}
	first := q.next(budget, false, nil) // 20 operations, busy now
	q.addOps([]Op{op(50), op(3)})       // stamped before the queue's end; 3 is already queued
	if len(q.items) != 200 || q.pending != 200 {
		t.Fatalf("%d items, %d pending, want 200", len(q.items), q.pending)
	}
	for i := 1; i < len(q.items); i++ {
		if q.items[i-1].Op.At.Compare(q.items[i].Op.At) >= 0 {
			t.Fatalf("items out of order at %d", i)
		}
	}
	var stamps []int64
	for _, it := range q.next(1<<20, false, nil) {
		stamps = append(stamps, it.Op.At.Wall)
	}
	if len(stamps) != 180 || stamps[0] != 21 || !slices.Contains(stamps, 50) {
		t.Fatalf("pushed %d from %d (50 among them: %v), want the 180 not yet pushed", len(stamps), stamps[0], slices.Contains(stamps, 50))
	}
	q.acked(first, 7)
	if q.pending != 180 {
		t.Fatalf("%d pending after an ack of 20", q.pending)
	}
	// The first batch comes back, then a snapshot covering what was stored at 7, then
	// operations found by stamp.
	q.delivered("dev", first[:10], nil)
	q.covered(7)
	var back []Op
	for w := int64(21); w <= 120; w++ {
		back = append(back, op(w))
	}
	back = append(back, Op{At: at(130, 0, "other")}) // another device's: not here
	q.delivered("dev", nil, back)
	if q.find(at(121, 0, "dev"), new(int)) == nil || q.find(at(120, 0, "dev"), new(int)) != nil || q.find(at(5, 0, "dev"), new(int)) != nil {
		t.Fatal("find: 121 is queued, 120 was delivered, 5 was covered")
	}
	if live := len(q.items) - q.gone; live != 80 || q.pending != 80 {
		t.Fatalf("%d items left (%d pending), want 80", live, q.pending)
	}
	q.release(q.items[len(q.items)-5:]) // a refused batch
	if got := q.next(1<<20, false, nil); len(got) != 5 || got[0].Op.At.Wall != 196 {
		t.Fatalf("after a refusal, %d pushable from %v, want the 5 released", len(got), got[0].Op.At)
	}
}

// While the pusher lingers it takes only full batches: a partial one stays queued, not busy,
// and goes once more operations fill it.
func TestQueueNextOnlyFull(t *testing.T) {
	q := newQueue(nil)
	var ops []Op
	for w := int64(1); w <= 10; w++ {
		ops = append(ops, Op{At: at(w, 0, "dev"), Kind: Delete, Coll: "c", Key: fmt.Sprintf("%02d", w)})
	}
	q.addOps(ops[:4])
	budget := 5 * opSize(ops[0])
	if got := q.next(budget, true, nil); len(got) != 0 || q.pushFrom != 0 {
		t.Fatalf("a partial batch taken while lingering: %d operations", len(got))
	}
	for _, it := range q.items {
		if it.busy {
			t.Fatal("an operation left busy by a batch not taken")
		}
	}
	q.addOps(ops[4:])
	if got := q.next(budget, true, nil); len(got) != 5 {
		t.Fatalf("%d operations taken, want a full batch of 5", len(got))
	}
	if got := q.next(budget, true, nil); len(got) != 5 {
		t.Fatalf("%d operations taken, want the second full batch", len(got))
	}
	if got := q.next(budget, false, nil); len(got) != 0 {
		t.Fatalf("%d operations left", len(got))
	}
}
