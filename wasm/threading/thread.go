package threading

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Message is what threading needs of a message.
type Message struct {
	ID         string // the local id, unique among the input
	MessageID  string // without angle brackets; empty when the message has none
	References []string
	InReplyTo  []string
	Subject    string
	Date       time.Time
}

// Mode chooses how messages are linked.
type Mode int

const (
	// Strict threads the way notmuch does: a message joins the thread of every id it names
	// (References and all of In-Reply-To), its parent is its In-Reply-To when it has one,
	// and subjects are never compared.
	Strict Mode = iota
	// References is RFC 5256 REFERENCES without its subject step: References, or the
	// first In-Reply-To id when there are none; a link made earlier is never changed.
	References
	// Subject is RFC 5256 REFERENCES in full: References mode, then roots with the same
	// base subject grouped.
	Subject
)

// Node is one container of the thread tree. Message is nil for a ghost: a message that is
// referred to but was not received.
type Node struct {
	MessageID string
	Message   *Message
	Duplicate bool // a second copy of a Message-ID already seen
	Children  []*Node
	parent    *Node
}

// Ghost reports whether the node stands for a message we do not have.
func (n *Node) Ghost() bool { return n.Message == nil }

// Messages returns the messages of the subtree, depth first.
func (n *Node) Messages() []*Message {
	var out []*Message
	n.walk(func(x *Node) {
		if x.Message != nil {
			out = append(out, x.Message)
		}
	})
	return out
}

func (n *Node) walk(fn func(*Node)) {
	fn(n)
	for _, c := range n.Children {
		c.walk(fn)
	}
}

// Build threads the messages and returns the roots, oldest thread first.
func Build(msgs []Message, mode Mode) []*Node {
	ordered := make([]*Message, len(msgs))
	for i := range msgs {
		ordered[i] = &msgs[i]
	}
	// A fixed processing order makes the result independent of the input order.
	slices.SortFunc(ordered, func(a, b *Message) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.ID, b.ID))
	})
	t := &table{byID: map[string]*Node{}, strict: mode == Strict}
	for _, m := range ordered {
		t.add(m)
	}
	roots := t.roots()
	roots = prune(roots, nil)
	switch mode {
	case Strict:
		roots = t.joinComponents(roots)
	case Subject:
		roots = groupBySubject(roots)
	}
	sortTree(roots)
	return roots
}

type table struct {
	byID   map[string]*Node
	nodes  []*Node // in creation order, for a deterministic root list
	anon   int
	strict bool
	uf     map[*Node]*Node // union-find over containers (Strict mode)
}

func (t *table) get(id string) *Node {
	if n, ok := t.byID[id]; ok {
		return n
	}
	n := &Node{MessageID: id}
	t.byID[id] = n
	t.nodes = append(t.nodes, n)
	return n
}

func (t *table) add(m *Message) {
	id := m.MessageID
	if id == "" {
		t.anon++
		id = "\x00no-message-id-" + strconv.Itoa(t.anon) + "-" + m.ID
	}
	n := t.get(id)
	if n.Message != nil {
		dup := &Node{MessageID: id, Message: m, Duplicate: true}
		t.nodes = append(t.nodes, dup)
		link(n, dup)
		t.union(n, dup)
		t.unionAll(dup, m)
		return
	}
	n.Message = m
	t.unionAll(n, m)
	var prev *Node
	for _, ref := range parentChain(m) {
		r := t.get(ref)
		if prev != nil && r.parent == nil && !isAncestor(r, prev) {
			link(prev, r)
		}
		prev = r
	}
	if t.strict {
		if irt := ids(m.InReplyTo, m.MessageID); len(irt) > 0 {
			prev = t.get(irt[0]) // notmuch's choice: In-Reply-To names the parent
		}
	}
	// The message's own references are authoritative for its parent.
	if prev != nil && (prev == n || isAncestor(n, prev)) {
		return // would make a loop: keep what we have
	}
	unlink(n)
	if prev != nil {
		link(prev, n)
	}
}

// MaxReferences bounds how many References ids of one message are used (the last ones, the
// nearest ancestors): a hostile message with thousands would otherwise cost quadratic time.
const MaxReferences = 100

// parentChain is References, or the first In-Reply-To id when References is empty, without
// empty ids and without the message's own id.
func parentChain(m *Message) []string {
	refs := m.References
	if len(refs) == 0 && len(m.InReplyTo) > 0 {
		refs = m.InReplyTo[:1]
	}
	return ids(refs, m.MessageID)
}

// ids drops empty ids and the message's own id, and keeps at most the last MaxReferences.
func ids(in []string, own string) []string {
	if len(in) > MaxReferences {
		in = in[len(in)-MaxReferences:]
	}
	out := make([]string, 0, len(in))
	for _, r := range in {
		if r != "" && r != own {
			out = append(out, r)
		}
	}
	return out
}

func (t *table) roots() []*Node {
	var roots []*Node
	for _, n := range t.nodes {
		if n.parent == nil {
			roots = append(roots, n)
		}
	}
	return roots
}

// isAncestor reports whether a is b or one of b's ancestors.
func isAncestor(a, b *Node) bool {
	for x := b; x != nil; x = x.parent {
		if x == a {
			return true
		}
	}
	return false
}

func link(parent, child *Node) {
	child.parent = parent
	parent.Children = append(parent.Children, child)
}

func unlink(n *Node) {
	p := n.parent
	if p == nil {
		return
	}
	p.Children = slices.DeleteFunc(p.Children, func(c *Node) bool { return c == n })
	n.parent = nil
}

// prune removes ghosts without children and promotes the children of the other ghosts,
// except a root ghost with several children, which stays to hold them together.
func prune(nodes []*Node, parent *Node) []*Node {
	var out []*Node
	for _, n := range nodes {
		n.Children = prune(n.Children, n)
		switch {
		case !n.Ghost():
			out = append(out, n)
		case len(n.Children) == 0:
		case parent == nil && len(n.Children) > 1:
			out = append(out, n)
		default:
			out = append(out, n.Children...)
		}
	}
	for _, n := range out {
		n.parent = parent
	}
	return out
}

func sortTree(nodes []*Node) time.Time {
	for _, n := range nodes {
		sortTree(n.Children)
	}
	slices.SortStableFunc(nodes, func(a, b *Node) int {
		return cmp.Or(date(a).Compare(date(b)), cmp.Compare(a.MessageID, b.MessageID))
	})
	if len(nodes) == 0 {
		return time.Time{}
	}
	return date(nodes[0])
}

// date is a node's message date, or for a ghost the date of its first child (RFC 5256).
func date(n *Node) time.Time {
	for n.Message == nil {
		if len(n.Children) == 0 {
			return time.Time{}
		}
		n = n.Children[0]
	}
	return n.Message.Date
}

// Partition returns the local ids of each thread's messages, sorted, one slice per thread.
func Partition(roots []*Node) [][]string {
	out := make([][]string, 0, len(roots))
	for _, r := range roots {
		var ids []string
		for _, m := range r.Messages() {
			ids = append(ids, m.ID)
		}
		if len(ids) > 0 {
			slices.Sort(ids)
			out = append(out, ids)
		}
	}
	return out
}
