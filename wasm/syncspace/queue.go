package syncspace

import "slices"

// queue holds this device's operations until the log delivers them back. Every step costs
// in proportion to the operations it touches, not to the queue's length: a device that
// wrote 10,000 operations offline pushes them without quadratic work.
//
// Its items are in stamp order (a device stamps its operations in increasing order, and a
// saved queue loads in that order), so an operation is found by its stamp with a binary
// search, without an index to maintain. A batch pushed keeps its items themselves, so its
// ack and its delivery back touch them directly.
type queue struct {
	items    []*qitem // in stamp order; gone ones stay until the next compaction
	gone     int      // items delivered or covered by a snapshot, still in items
	pending  int      // items the relay has not acknowledged
	pushFrom int      // every item before it is acknowledged, pushed in this session, or gone
}

type qitem struct {
	Queued
	busy bool // in a pushed batch waiting for its ack
	gone bool // delivered back by the log, or covered by a snapshot
}

func newQueue(saved []Queued) *queue {
	q := &queue{}
	items := make([]qitem, len(saved))
	for i, s := range saved {
		items[i].Queued = s
		q.addItem(&items[i])
	}
	return q
}

// addItem adds an item in its place by stamp: at the end, unless the wall clock went back
// (past what Observe corrects) since the items before it were stamped.
func (q *queue) addItem(it *qitem) {
	i := len(q.items)
	if i > 0 && q.items[i-1].Op.At.Compare(it.Op.At) >= 0 {
		var found bool
		if i, found = q.search(it.Op.At); found {
			return // already queued
		}
		q.pushFrom = min(q.pushFrom, i)
	}
	q.items = slices.Insert(q.items, i, it)
	if it.Seq == 0 {
		q.pending++
	}
}

// addOps queues local operations just written (their items allocated together).
func (q *queue) addOps(ops []Op) {
	items := make([]qitem, len(ops))
	for i := range ops {
		items[i].Op = ops[i]
		q.addItem(&items[i])
	}
}

// search returns where the item stamped at is, or would be, in items.
func (q *queue) search(at HLC) (int, bool) {
	return slices.BinarySearchFunc(q.items, at, func(it *qitem, at HLC) int { return it.Op.At.Compare(at) })
}

// find returns the item stamped at, nil when it is not queued. next is where to look first
// (then it is set past the item): a batch's operations are mostly consecutive items.
func (q *queue) find(at HLC, next *int) *qitem {
	i := *next
	if i >= len(q.items) || q.items[i].Op.At != at {
		var ok bool
		if i, ok = q.search(at); !ok {
			return nil
		}
	}
	*next = i + 1
	if q.items[i].gone {
		return nil
	}
	return q.items[i]
}

// acked records that the relay stored the items at seq.
func (q *queue) acked(items []*qitem, seq uint64) {
	for _, it := range items {
		if !it.gone && it.Seq == 0 {
			it.Seq, it.busy = seq, false
			q.pending--
		}
	}
}

// release makes the items of a refused batch pushable again.
func (q *queue) release(items []*qitem) {
	for _, it := range items {
		it.busy = false
	}
	q.pushFrom = 0
}

// remove marks an item gone: the log delivered it back, or a snapshot holds it.
func (q *queue) remove(it *qitem) {
	if it.gone {
		return
	}
	if it.Seq == 0 {
		q.pending--
	}
	it.gone = true
	q.gone++
}

// delivered removes the operations of a batch the log delivered: its items when it is one
// of this device's batches (own), else those of its operations that are this device's.
func (q *queue) delivered(device string, own []*qitem, ops []Op) {
	if own != nil {
		for _, it := range own {
			q.remove(it)
		}
	} else {
		next := 0
		for _, op := range ops {
			if op.At.Node != device {
				continue
			}
			if it := q.find(op.At, &next); it != nil {
				q.remove(it)
			}
		}
	}
	q.compactIfSparse()
}

// covered drops the operations the relay stored at or before upto: a snapshot up to upto
// holds them.
func (q *queue) covered(upto uint64) {
	for _, it := range q.items {
		if !it.gone && it.Seq != 0 && it.Seq <= upto {
			q.remove(it)
		}
	}
	q.compactIfSparse()
}

func (q *queue) compactIfSparse() {
	if q.gone > 64 && q.gone > len(q.items)/2 {
		q.compact()
	}
}

func (q *queue) compact() {
	kept := q.items[:0]
	pushFrom := 0
	for i, it := range q.items {
		if it.gone {
			continue
		}
		if i < q.pushFrom {
			pushFrom++
		}
		kept = append(kept, it)
	}
	clear(q.items[len(kept):])
	q.items, q.gone, q.pushFrom = kept, 0, pushFrom
}

// next appends to items the next unacknowledged items not busy (in a batch waiting for its
// ack), up to budget estimated bytes, marks them busy and moves past them. With onlyFull, it
// takes none unless they fill the budget.
func (q *queue) next(budget int, onlyFull bool, items []*qitem) []*qitem {
	from, n := q.pushFrom, len(items)
	size := 0
	for ; q.pushFrom < len(q.items); q.pushFrom++ {
		it := q.items[q.pushFrom]
		if it.gone || it.Seq != 0 || it.busy {
			continue
		}
		n := opSize(it.Op)
		if len(items) > 0 && size+n > budget {
			return items
		}
		it.busy = true
		items = append(items, it)
		size += n
	}
	if onlyFull && size < budget {
		for _, it := range items[n:] {
			it.busy = false
		}
		q.pushFrom, items = from, items[:n]
	}
	return items
}
