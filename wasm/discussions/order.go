package discussions

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"
)

// position is where a discussion sorts in the list: newest last message first, then by key.
type position struct {
	date int64 // unix nanoseconds of the last message
	key  Key
}

func (a position) before(b position) bool {
	if a.date != b.date {
		return a.date > b.date
	}
	return a.key < b.key
}

// Cursor is an opaque position in the discussion list; the empty cursor is the start.
type Cursor string

func (p position) cursor() Cursor { return Cursor(fmt.Sprintf("%d|%s", p.date, p.key)) }

func parseCursor(c Cursor) (position, bool, error) {
	if c == "" {
		return position{}, false, nil
	}
	d, k, ok := strings.Cut(string(c), "|")
	n, err := strconv.ParseInt(d, 10, 64)
	if !ok || err != nil {
		return position{}, false, fmt.Errorf("discussions: invalid cursor %q", c)
	}
	return position{date: n, key: Key(k)}, true, nil
}

// OrderKey is a string that sorts like the discussion list (newest first), for a store's
// secondary index.
func OrderKey(last time.Time, k Key) string {
	return fmt.Sprintf("%020d|%s", uint64(math.MaxInt64-last.UnixNano()), k)
}

// treap is a balanced search tree of positions (priorities from a hash of the key, so the
// shape is deterministic); insert, delete and seek are O(log n).
type treap struct {
	root *tnode
	size int
}

type tnode struct {
	pos         position
	prio        uint64
	left, right *tnode
}

func priority(k Key) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k))
	return h.Sum64()
}

// split returns the nodes before p and the nodes at or after p.
func split(n *tnode, p position) (*tnode, *tnode) {
	if n == nil {
		return nil, nil
	}
	if n.pos.before(p) {
		l, r := split(n.right, p)
		n.right = l
		return n, r
	}
	l, r := split(n.left, p)
	n.left = r
	return l, n
}

func merge(a, b *tnode) *tnode {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case a.prio > b.prio:
		a.right = merge(a.right, b)
		return a
	default:
		b.left = merge(a, b.left)
		return b
	}
}

func (t *treap) insert(p position) {
	l, r := split(t.root, p)
	t.root = merge(merge(l, &tnode{pos: p, prio: priority(p.key)}), r)
	t.size++
}

func (t *treap) delete(p position) {
	t.root = deleteNode(t.root, p, &t.size)
}

func deleteNode(n *tnode, p position, size *int) *tnode {
	if n == nil {
		return nil
	}
	switch {
	case n.pos == p:
		*size--
		return merge(n.left, n.right)
	case p.before(n.pos):
		n.left = deleteNode(n.left, p, size)
	default:
		n.right = deleteNode(n.right, p, size)
	}
	return n
}

// ascend calls fn on every position after `after` (or from the start), in order, until fn
// returns false.
func (t *treap) ascend(after position, from bool, fn func(position) bool) {
	ascend(t.root, after, from, fn)
}

func ascend(n *tnode, after position, from bool, fn func(position) bool) bool {
	if n == nil {
		return true
	}
	if !from || after.before(n.pos) {
		if !ascend(n.left, after, from, fn) || !fn(n.pos) {
			return false
		}
	}
	return ascend(n.right, after, from, fn)
}
