package threading

// Strict mode: union-find over containers, so that every id a message names joins its
// thread, as in notmuch.

// unionAll puts a message's container in one component with every id it names (Strict).
func (t *table) unionAll(n *Node, m *Message) {
	if !t.strict {
		return
	}
	for _, r := range ids(m.References, m.MessageID) {
		t.union(n, t.get(r))
	}
	for _, r := range ids(m.InReplyTo, m.MessageID) {
		t.union(n, t.get(r))
	}
}

func (t *table) find(n *Node) *Node {
	if t.uf == nil {
		t.uf = map[*Node]*Node{}
	}
	root := n
	for {
		p, ok := t.uf[root]
		if !ok || p == root {
			break
		}
		root = p
	}
	for n != root { // path compression
		next, ok := t.uf[n]
		if !ok {
			break
		}
		t.uf[n] = root
		n = next
	}
	return root
}

func (t *table) union(a, b *Node) {
	if !t.strict {
		return
	}
	ra, rb := t.find(a), t.find(b)
	if ra != rb {
		t.uf[ra] = rb
	}
}

// joinComponents puts the roots of one component (messages naming each other's ids whose
// tree links were refused) under one ghost root, so that they form one thread (Strict).
func (t *table) joinComponents(roots []*Node) []*Node {
	byComp := map[*Node]*Node{} // component → the root or ghost holding it
	var out []*Node
	for _, r := range roots {
		c := t.find(r)
		holder, ok := byComp[c]
		switch {
		case !ok:
			byComp[c] = r
			out = append(out, r)
		case holder.Ghost() && holder.MessageID == "":
			link(holder, r)
		default:
			g := &Node{}
			for i, o := range out {
				if o == holder {
					out[i] = g
				}
			}
			link(g, holder)
			link(g, r)
			byComp[c] = g
		}
	}
	return out
}
