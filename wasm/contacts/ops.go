package contacts

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"caliopen/wasm/model"
)

// OpKind names an operation on the book.
type OpKind string

const (
	OpEnsure  OpKind = "ensure"  // give Identities[0] a contact (its own unless linked), named Name
	OpForget  OpKind = "forget"  // take Identities[0] out of the book again (the ensure adds Tags)
	OpMerge   OpKind = "merge"   // make Contact and Other one contact: add Links
	OpSplit   OpKind = "split"   // move Identities out of Contact: remove Unlinks, add Links
	OpDismiss OpKind = "dismiss" // remember that the user refused the link in Evidence
)

// Op is one change of the book, as recorded in the operation log.
type Op struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Kind    OpKind    `json:"kind"`
	Contact ContactID `json:"contact"`
	Other   ContactID `json:"other,omitempty"`
	// Name is the name of the contact created (ensure) or merged away (merge).
	Name string `json:"name,omitempty"`
	// Identities are the identities moved. Merge fills them in when applied, so that the
	// op carries what its inverse needs.
	Identities []model.IdentityURI `json:"identities,omitempty"`
	// Evidence is kept with a merge, and dismissed by a split or a dismiss.
	Evidence []Evidence `json:"evidence,omitempty"`
	Undoes   string     `json:"undoes,omitempty"` // the op this one undoes
	// What the operation does to the book's sets (see graph.go), filled in when it is made:
	// links it adds (tagged with its id), link adds it removes, ensure adds it removes.
	Links   []Pair   `json:"links,omitempty"`
	Unlinks []Unlink `json:"unlinks,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

// Move is one identity changing contact; an empty contact id means "no contact".
type Move struct {
	Identity model.IdentityURI
	From, To ContactID
}

// Change is what applying an operation did.
type Change struct {
	Op    Op
	Moved []Move
}

// Identities returns the identities whose contact changed.
func (c Change) Identities() []model.IdentityURI {
	out := make([]model.IdentityURI, len(c.Moved))
	for i, m := range c.Moved {
		out[i] = m.Identity
	}
	return out
}

// Apply applies an operation. An operation whose id was already applied is ignored (empty
// Change), so a log can be replayed over itself. An operation made on another device applies
// whatever this book holds (it says which set elements it adds and removes); one made here
// (or logged by an older version) is first filled in from the book's state, and fails when
// that state does not allow it.
func (b *Book) Apply(op Op) (Change, error) {
	if op.ID == "" {
		return Change{}, errorf("operation without id")
	}
	if b.applied[op.ID] {
		return Change{}, nil
	}
	var err error
	switch op.Kind {
	case OpEnsure:
		if len(op.Identities) != 1 {
			err = errorf("ensure needs one identity")
		}
	case OpForget:
		op, err = b.fillForget(op)
	case OpMerge:
		op, err = b.fillMerge(op)
	case OpSplit:
		op, err = b.fillSplit(op)
	case OpDismiss:
		if len(op.Evidence) == 0 {
			err = errorf("dismiss needs the evidence dismissed")
		}
	default:
		err = errorf("unknown operation kind %q", op.Kind)
	}
	if err != nil {
		return Change{}, err
	}
	ch := b.commit(op)
	b.applied[op.ID] = true
	b.log = append(b.log, ch.Op)
	return ch, nil
}

func (b *Book) fillForget(op Op) (Op, error) {
	if len(op.Identities) != 1 {
		return op, errorf("forget needs one identity")
	}
	if len(op.Tags) == 0 {
		op.Tags = b.graph.presentTags(op.Identities[0])
		if len(op.Tags) == 0 {
			return op, errorf("forget: %s has no contact", op.Identities[0])
		}
	}
	return op, nil
}

func (b *Book) fillMerge(op Op) (Op, error) {
	if len(op.Links) > 0 {
		return op, nil
	}
	into, ok := b.contacts[op.Contact]
	from, ok2 := b.contacts[op.Other]
	if !ok || !ok2 || into == from {
		return op, errorf("merge: need two existing contacts, got %s and %s", op.Contact, op.Other)
	}
	op.Identities = slices.Clone(from.Identities)
	op.Name = from.Name
	for _, u := range from.Identities {
		op.Links = append(op.Links, pairOf(into.Identities[0], u))
	}
	return op, nil
}

func (b *Book) fillSplit(op Op) (Op, error) {
	if len(op.Links) > 0 || len(op.Unlinks) > 0 {
		return op, nil
	}
	src, ok := b.contacts[op.Contact]
	if !ok {
		return op, errorf("split: no contact %s", op.Contact)
	}
	op.Identities = sortedURIs(op.Identities)
	if len(op.Identities) == 0 || len(op.Identities) >= len(src.Identities) {
		return op, errorf("split must move some but not all identities of %s", src.ID)
	}
	side := map[model.IdentityURI]bool{}
	for _, uri := range op.Identities {
		if b.owner[uri] != src.ID {
			return op, errorf("split: %s is not an identity of %s", uri, src.ID)
		}
		side[uri] = true
	}
	// Remove every link the two sides share, as this device sees them.
	all := b.graph.component(src.Identities[0])
	var rest []model.IdentityURI
	for _, u := range all {
		if !side[u] {
			rest = append(rest, u)
		}
		for v := range b.graph.adjacent[u] {
			if side[u] && !side[v] {
				p := pairOf(u, v)
				op.Unlinks = append(op.Unlinks, Unlink{Pair: p, Tags: b.graph.liveTags(p)})
			}
		}
	}
	slices.SortFunc(op.Unlinks, func(x, y Unlink) int { return compareStrings(pairElem(x.Pair), pairElem(y.Pair)) })
	// Keep each side in one piece where its identities were joined only through the other.
	crossing := func(p Pair) bool { return side[p[0]] != side[p[1]] }
	for _, nodes := range [][]model.IdentityURI{op.Identities, rest} {
		var first model.IdentityURI
		for _, piece := range b.graph.pieces(nodes, crossing) {
			if !slices.ContainsFunc(piece, b.graph.isPresent) {
				continue // identities only links name: nothing to keep together
			}
			if first == "" {
				first = piece[0]
				continue
			}
			op.Links = append(op.Links, pairOf(first, piece[0]))
		}
	}
	// The evidence that had linked the two sides is dismissed, so that detecting it again
	// (after a restart, on another device) does not merge them back.
	for _, e := range b.evidence {
		inA := slices.ContainsFunc(e.Identities, func(u model.IdentityURI) bool { return side[u] })
		inB := slices.ContainsFunc(e.Identities, func(u model.IdentityURI) bool { return b.owner[u] == src.ID && !side[u] })
		if inA && inB {
			op.Evidence = append(op.Evidence, e)
		}
	}
	if op.Name == "" {
		op.Name = b.nameFor(op.Identities[0])
	}
	return op, nil
}

// commit applies a filled-in operation to the sets and rebuilds the contacts it touched.
func (b *Book) commit(op Op) Change {
	var touched []model.IdentityURI
	switch op.Kind {
	case OpEnsure, OpForget:
		touched = append(touched, op.Identities[0])
	}
	for _, p := range op.Links {
		touched = append(touched, p[0], p[1])
	}
	for _, u := range op.Unlinks {
		touched = append(touched, u.Pair[0], u.Pair[1])
	}
	before := map[model.IdentityURI]ContactID{}
	for _, u := range b.reach(touched) {
		if c, ok := b.owner[u]; ok {
			before[u] = c
		}
	}
	switch op.Kind {
	case OpEnsure:
		b.graph.ensure(op.Identities[0], op.ID, op.Name)
	case OpForget:
		b.graph.forget(op.Identities[0], op.Tags)
	case OpMerge:
		b.keepEvidence(op.Evidence)
	case OpSplit:
		b.dismiss(op.Evidence)
	case OpDismiss:
		b.dismiss(op.Evidence)
		for _, e := range op.Evidence {
			delete(b.pending, e.Key())
		}
	}
	for _, p := range op.Links {
		b.graph.link(p, op.ID)
	}
	for _, u := range op.Unlinks {
		b.graph.unlink(u.Pair, u.Tags)
	}
	ch := Change{Op: op}
	nodes := b.reach(touched)
	for c := range before {
		if ct := b.contacts[before[c]]; ct != nil {
			delete(b.contacts, ct.ID)
		}
		delete(b.owner, c)
	}
	b.rebuild(nodes)
	for _, u := range sortedURIs(append(nodes, keys(before)...)) {
		from, to := before[u], b.owner[u]
		if from != to {
			ch.Moved = append(ch.Moved, Move{Identity: u, From: from, To: to})
		}
	}
	if op.Kind == OpSplit && len(op.Identities) > 0 {
		ch.Op.Other = b.owner[op.Identities[0]]
	}
	return ch
}

// reach returns the identities connected to any of nodes, sorted.
func (b *Book) reach(nodes []model.IdentityURI) []model.IdentityURI {
	seen := map[model.IdentityURI]bool{}
	var out []model.IdentityURI
	for _, n := range nodes {
		if seen[n] {
			continue
		}
		for _, u := range b.graph.component(n) {
			seen[u] = true
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

// rebuild makes the contacts of the components holding nodes: one per component with a
// present identity, its id derived from the component's smallest identity.
func (b *Book) rebuild(nodes []model.IdentityURI) {
	done := map[model.IdentityURI]bool{}
	for _, n := range nodes {
		if done[n] {
			continue
		}
		comp := b.graph.component(n)
		c := &Contact{ID: IDFor(comp[0])}
		for _, u := range comp {
			done[u] = true
			if b.graph.isPresent(u) {
				c.Identities = append(c.Identities, u)
			}
		}
		if len(c.Identities) == 0 {
			continue
		}
		c.Name = b.nameFor(c.Identities[0])
		if nm, ok := b.graph.names[c.Identities[0]]; ok {
			c.Name = nm.name
		}
		b.contacts[c.ID] = c
		for _, u := range c.Identities {
			b.owner[u] = c.ID
		}
	}
}

func keys[K comparable, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// dismiss remembers refused or split links: evidence at or below these strengths for the
// same identities is not acted on again. A maximum: the order of dismissals does not matter.
func (b *Book) dismiss(evs []Evidence) {
	for _, e := range evs {
		if k := identitiesKey(e.Identities); e.Strength > b.dismissed[k] {
			b.dismissed[k] = e.Strength
		}
	}
}

// Inverse returns the operation that undoes op (as applied, i.e. from the log): it removes
// exactly what op added and adds back what op removed.
func (b *Book) Inverse(op Op, id string, at time.Time) (Op, error) {
	inv := Op{ID: id, At: at, Undoes: op.ID}
	switch op.Kind {
	case OpEnsure:
		inv.Kind, inv.Contact, inv.Identities, inv.Tags = OpForget, op.Contact, op.Identities, []string{op.ID}
	case OpForget:
		inv.Kind, inv.Contact, inv.Identities, inv.Name = OpEnsure, op.Contact, op.Identities, op.Name
	case OpMerge, OpSplit:
		inv.Kind, inv.Contact, inv.Other, inv.Identities = OpSplit, op.Contact, op.Other, op.Identities
		if op.Kind == OpSplit {
			inv.Kind = OpMerge
		}
		for _, u := range op.Unlinks {
			inv.Links = append(inv.Links, u.Pair)
		}
		for _, p := range op.Links {
			inv.Unlinks = append(inv.Unlinks, Unlink{Pair: p, Tags: []string{op.ID}})
		}
		if len(inv.Links)+len(inv.Unlinks) == 0 {
			return Op{}, errorf("operation %s changed no link", op.ID)
		}
	default:
		return Op{}, errorf("operation %s (%s) cannot be undone", op.ID, op.Kind)
	}
	return inv, nil
}

// Undo applies the inverse of a logged operation.
func (b *Book) Undo(opID, newID string, at time.Time) (Change, error) {
	for i := len(b.log) - 1; i >= 0; i-- {
		if b.log[i].ID == opID {
			inv, err := b.Inverse(b.log[i], newID, at)
			if err != nil {
				return Change{}, err
			}
			return b.Apply(inv)
		}
	}
	return Change{}, errorf("no operation %s in the log", opID)
}

// Ensure gives an identity a contact of its own when it has none. The user's own identities
// get none. The returned change is empty when nothing was done.
func (b *Book) Ensure(uri model.IdentityURI, at time.Time) (Change, error) {
	if _, ok := b.owner[uri]; ok || b.own[uri] {
		return Change{}, nil
	}
	return b.Apply(Op{
		ID: OpID("ensure", string(uri), at.String()), At: at, Kind: OpEnsure,
		Contact: IDFor(uri), Name: b.nameFor(uri), Identities: []model.IdentityURI{uri},
	})
}

// EnsureAll gives every identity without a contact one of its own (the participants of a new
// message) and returns the changes made, for the discussions index to re-key.
func (b *Book) EnsureAll(uris []model.IdentityURI, at time.Time) ([]Change, error) {
	var out []Change
	for _, u := range uris {
		ch, err := b.Ensure(u, at)
		if err != nil {
			return out, err
		}
		if len(ch.Moved) > 0 {
			out = append(out, ch)
		}
	}
	return out, nil
}

// Merge merges contact other into contact into.
func (b *Book) Merge(into, other ContactID, evidence []Evidence, at time.Time) (Change, error) {
	return b.Apply(Op{
		ID: OpID("merge", string(into), string(other), at.String()), At: at, Kind: OpMerge,
		Contact: into, Other: other, Evidence: evidence,
	})
}

// Split moves identities of a contact into a new contact and returns the change (its
// Op.Other is the new contact). Contact ids derive from identities, so every device agrees
// on them.
func (b *Book) Split(from ContactID, identities []model.IdentityURI, at time.Time) (Change, error) {
	ids := sortedURIs(identities)
	if len(ids) == 0 {
		return Change{}, errorf("split needs identities")
	}
	parts := []string{"split", string(from), at.String()}
	for _, u := range ids {
		parts = append(parts, string(u))
	}
	return b.Apply(Op{ID: OpID(parts...), At: at, Kind: OpSplit, Contact: from, Identities: ids})
}

// OpID derives an operation id from its parts.
func OpID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:12])
}

func sortedURIs(in []model.IdentityURI) []model.IdentityURI {
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}
