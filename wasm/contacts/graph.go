package contacts

import (
	"slices"

	"caliopen/wasm/model"
)

// The book's state is two add-wins sets, so that devices applying the same operations in any
// order, any number of times, hold the same contacts:
//
//   - present: the identities given a contact (OpEnsure adds, OpForget removes), each add
//     tagged with its operation's id;
//   - links: pairs of identities the user (or strong evidence) said are one person. OpMerge
//     adds links tagged with its id; OpSplit removes the link tags its device saw between
//     the two sides (a merge it did not see survives: add wins) and may add links that keep
//     each side in one piece.
//
// Each operation carries exactly which tags it adds and removes (filled in from the book's
// state when it is made), and applying it is a union of adds and a union of removed tags:
// both commute and are idempotent, so the sets, hence the connected components (the
// contacts), do not depend on the order of delivery. The property tests in this package and
// in the engine check it.

// Pair is a link between two identities, smallest first.
type Pair [2]model.IdentityURI

func pairOf(a, b model.IdentityURI) Pair {
	if b < a {
		a, b = b, a
	}
	return Pair{a, b}
}

// Unlink removes the adds (tags: operation ids) of a link that its device saw.
type Unlink struct {
	Pair Pair     `json:"pair"`
	Tags []string `json:"tags"`
}

type tagged struct {
	elem string
	tag  string
}

// linkGraph holds the two sets and the live links as adjacency.
type linkGraph struct {
	present  map[model.IdentityURI]map[string]bool // identity → ensure tags
	names    map[model.IdentityURI]named           // the name an ensure gave (latest wins)
	links    map[Pair]map[string]bool              // link → add tags
	removed  map[tagged]bool                       // removed (elem, tag): elem is a URI or a pair
	adjacent map[model.IdentityURI]map[model.IdentityURI]bool
}

type named struct {
	name string
	tag  string
}

func newLinkGraph() linkGraph {
	return linkGraph{
		present: map[model.IdentityURI]map[string]bool{}, names: map[model.IdentityURI]named{},
		links: map[Pair]map[string]bool{}, removed: map[tagged]bool{},
		adjacent: map[model.IdentityURI]map[model.IdentityURI]bool{},
	}
}

func pairElem(p Pair) string { return string(p[0]) + " " + string(p[1]) }

func (g *linkGraph) isPresent(u model.IdentityURI) bool {
	for t := range g.present[u] {
		if !g.removed[tagged{string(u), t}] {
			return true
		}
	}
	return false
}

// liveTags returns the tags of a link no removal has seen, sorted.
func (g *linkGraph) liveTags(p Pair) []string {
	var out []string
	for t := range g.links[p] {
		if !g.removed[tagged{pairElem(p), t}] {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// presentTags returns the ensure tags of an identity no removal has seen, sorted.
func (g *linkGraph) presentTags(u model.IdentityURI) []string {
	var out []string
	for t := range g.present[u] {
		if !g.removed[tagged{string(u), t}] {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func (g *linkGraph) ensure(u model.IdentityURI, tag, name string) {
	if g.present[u] == nil {
		g.present[u] = map[string]bool{}
	}
	g.present[u][tag] = true
	if cur, ok := g.names[u]; name != "" && (!ok || cur.tag < tag) {
		g.names[u] = named{name, tag}
	}
}

func (g *linkGraph) forget(u model.IdentityURI, tags []string) {
	for _, t := range tags {
		g.removed[tagged{string(u), t}] = true
	}
}

func (g *linkGraph) link(p Pair, tag string) {
	if g.links[p] == nil {
		g.links[p] = map[string]bool{}
	}
	g.links[p][tag] = true
	g.refresh(p)
}

func (g *linkGraph) unlink(p Pair, tags []string) {
	for _, t := range tags {
		g.removed[tagged{pairElem(p), t}] = true
	}
	g.refresh(p)
}

// refresh brings the adjacency of a pair's ends in line with the pair's live tags.
func (g *linkGraph) refresh(p Pair) {
	live := len(g.liveTags(p)) > 0
	for i, u := range p {
		v := p[1-i]
		if live {
			if g.adjacent[u] == nil {
				g.adjacent[u] = map[model.IdentityURI]bool{}
			}
			g.adjacent[u][v] = true
		} else if g.adjacent[u] != nil {
			delete(g.adjacent[u], v)
			if len(g.adjacent[u]) == 0 {
				delete(g.adjacent, u)
			}
		}
	}
}

// component returns the identities connected to u by live links (u included), sorted.
func (g *linkGraph) component(u model.IdentityURI) []model.IdentityURI {
	seen := map[model.IdentityURI]bool{u: true}
	queue := []model.IdentityURI{u}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for m := range g.adjacent[n] {
			if !seen[m] {
				seen[m] = true
				queue = append(queue, m)
			}
		}
	}
	out := make([]model.IdentityURI, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// pieces splits nodes into the groups that live links among them alone connect, each sorted,
// ordered by their first node.
func (g *linkGraph) pieces(nodes []model.IdentityURI, skip func(Pair) bool) [][]model.IdentityURI {
	in := map[model.IdentityURI]bool{}
	for _, n := range nodes {
		in[n] = true
	}
	seen := map[model.IdentityURI]bool{}
	var out [][]model.IdentityURI
	for _, start := range sortedURIs(nodes) {
		if seen[start] {
			continue
		}
		seen[start] = true
		piece := []model.IdentityURI{start}
		for i := 0; i < len(piece); i++ {
			for m := range g.adjacent[piece[i]] {
				if in[m] && !seen[m] && !skip(pairOf(piece[i], m)) {
					seen[m] = true
					piece = append(piece, m)
				}
			}
		}
		slices.Sort(piece)
		out = append(out, piece)
	}
	return out
}
