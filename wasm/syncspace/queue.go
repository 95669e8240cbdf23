package syncspace

// queue holds this device's operations until the log delivers them back. Every step costs
// in proportion to the operations it touches, not to the queue's length: a device that
// wrote 10,000 operations offline pushes them without quadratic work.
type queue struct {
	items    []*qitem // oldest first; nil where delivered
	index    map[HLC]int
	holes    int
	pending  int // items the relay has not acknowledged
	pushFrom int // every item before it is acknowledged, pushed in this session, or gone
}

type qitem struct {
	Queued
	busy bool // in a pushed batch waiting for its ack
}

func newQueue(saved []Queued) *queue {
	q := &queue{index: map[HLC]int{}}
	for _, s := range saved {
		q.add(s)
	}
	return q
}

func (q *queue) add(s Queued) {
	q.addItem(&qitem{Queued: s})
}

func (q *queue) addItem(it *qitem) {
	if _, dup := q.index[it.Op.At]; dup {
		return
	}
	q.index[it.Op.At] = len(q.items)
	q.items = append(q.items, it)
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

func (q *queue) acked(ats []HLC, seq uint64) {
	for _, at := range ats {
		if i, ok := q.index[at]; ok && q.items[i].Seq == 0 {
			q.items[i].Seq, q.items[i].busy = seq, false
			q.pending--
		}
	}
}

// release makes operations of a refused batch pushable again.
func (q *queue) release(ats []HLC) {
	for _, at := range ats {
		if i, ok := q.index[at]; ok {
			q.items[i].busy = false
		}
	}
	q.pushFrom = 0
}

func (q *queue) delivered(ops []Op) {
	for _, op := range ops {
		i, ok := q.index[op.At]
		if !ok {
			continue
		}
		if q.items[i].Seq == 0 {
			q.pending--
		}
		q.items[i] = nil
		delete(q.index, op.At)
		q.holes++
	}
	if q.holes > 64 && q.holes > len(q.items)/2 {
		q.compact()
	}
}

// covered drops the operations the relay stored at or before upto: a snapshot up to upto
// holds them.
func (q *queue) covered(upto uint64) {
	for i, it := range q.items {
		if it != nil && it.Seq != 0 && it.Seq <= upto {
			q.items[i] = nil
			delete(q.index, it.Op.At)
			q.holes++
		}
	}
	if q.holes > 64 && q.holes > len(q.items)/2 {
		q.compact()
	}
}

func (q *queue) compact() {
	kept := q.items[:0]
	pushFrom := 0
	for i, it := range q.items {
		if it == nil {
			continue
		}
		if i < q.pushFrom {
			pushFrom++
		}
		q.index[it.Op.At] = len(kept)
		kept = append(kept, it)
	}
	clear(q.items[len(kept):])
	q.items, q.holes, q.pushFrom = kept, 0, pushFrom
}

// rewind makes every unacknowledged item a candidate for pushing again (a new session, a
// refused push).
func (q *queue) rewind() { q.pushFrom = 0 }

// next appends to ops the next unacknowledged operations not busy (in a batch waiting for
// its ack), up to budget estimated bytes, marks them busy and moves past them.
func (q *queue) next(budget int, ops []Op) []Op {
	size := 0
	for ; q.pushFrom < len(q.items); q.pushFrom++ {
		it := q.items[q.pushFrom]
		if it == nil || it.Seq != 0 || it.busy {
			continue
		}
		n := opSize(it.Op)
		if len(ops) > 0 && size+n > budget {
			break
		}
		it.busy = true
		ops = append(ops, it.Op)
		size += n
	}
	return ops
}

// get returns a queued operation by its stamp.
func (q *queue) get(at HLC) (Op, bool) {
	i, ok := q.index[at]
	if !ok {
		return Op{}, false
	}
	return q.items[i].Op, true
}
