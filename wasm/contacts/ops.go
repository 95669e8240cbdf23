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
	OpEnsure  OpKind = "ensure"  // give Identities[0] the contact Contact, named Name
	OpForget  OpKind = "forget"  // remove contact Contact, which holds only Identities[0]
	OpMerge   OpKind = "merge"   // move every identity of Other into Contact; remove Other
	OpSplit   OpKind = "split"   // move Identities from Contact into the new contact Other
	OpDismiss OpKind = "dismiss" // remember that the user refused the link in Evidence
)

// Op is one change of the book, as recorded in the operation log.
type Op struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Kind    OpKind    `json:"kind"`
	Contact ContactID `json:"contact"`
	Other   ContactID `json:"other,omitempty"`
	// Name is the name of the contact created (ensure, split) or removed (merge).
	Name string `json:"name,omitempty"`
	// Identities are the identities moved. Merge fills them in when applied, so that the
	// op carries what its inverse needs.
	Identities []model.IdentityURI `json:"identities,omitempty"`
	Evidence   []Evidence          `json:"evidence,omitempty"`
	Undoes     string              `json:"undoes,omitempty"` // the op this one undoes
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
// Change), so a log can be replayed over itself.
func (b *Book) Apply(op Op) (Change, error) {
	if op.ID == "" {
		return Change{}, errorf("operation without id")
	}
	if b.applied[op.ID] {
		return Change{}, nil
	}
	var ch Change
	var err error
	switch op.Kind {
	case OpEnsure:
		ch, err = b.applyEnsure(op)
	case OpForget:
		ch, err = b.applyForget(op)
	case OpMerge:
		ch, err = b.applyMerge(op)
	case OpSplit:
		ch, err = b.applySplit(op)
	case OpDismiss:
		ch, err = b.applyDismiss(op)
	default:
		err = errorf("unknown operation kind %q", op.Kind)
	}
	if err != nil {
		return Change{}, err
	}
	b.applied[op.ID] = true
	b.log = append(b.log, ch.Op)
	return ch, nil
}

func (b *Book) applyEnsure(op Op) (Change, error) {
	if len(op.Identities) != 1 {
		return Change{}, errorf("ensure needs one identity")
	}
	uri := op.Identities[0]
	if _, ok := b.owner[uri]; ok {
		return Change{Op: op}, nil // already has a contact: nothing to do
	}
	if _, exists := b.contacts[op.Contact]; exists {
		return Change{}, errorf("ensure: contact %s already exists", op.Contact)
	}
	c := &Contact{ID: op.Contact, Name: op.Name}
	b.contacts[c.ID] = c
	b.addIdentity(c, uri)
	return Change{Op: op, Moved: []Move{{Identity: uri, To: c.ID}}}, nil
}

func (b *Book) applyForget(op Op) (Change, error) {
	c, ok := b.contacts[op.Contact]
	if !ok || len(op.Identities) != 1 || !slices.Equal(c.Identities, op.Identities) {
		return Change{}, errorf("forget: contact %s does not hold exactly %v", op.Contact, op.Identities)
	}
	b.removeIdentity(c, op.Identities[0])
	delete(b.contacts, c.ID)
	return Change{Op: op, Moved: []Move{{Identity: op.Identities[0], From: c.ID}}}, nil
}

func (b *Book) applyMerge(op Op) (Change, error) {
	into, ok := b.contacts[op.Contact]
	from, ok2 := b.contacts[op.Other]
	if !ok || !ok2 || into == from {
		return Change{}, errorf("merge: need two existing contacts, got %s and %s", op.Contact, op.Other)
	}
	op.Identities = slices.Clone(from.Identities)
	op.Name = from.Name
	ch := Change{Op: op}
	for _, uri := range op.Identities {
		b.removeIdentity(from, uri)
		b.addIdentity(into, uri)
		ch.Moved = append(ch.Moved, Move{Identity: uri, From: from.ID, To: into.ID})
	}
	delete(b.contacts, from.ID)
	b.keepEvidence(op.Evidence)
	return ch, nil
}

func (b *Book) applySplit(op Op) (Change, error) {
	src, ok := b.contacts[op.Contact]
	if !ok {
		return Change{}, errorf("split: no contact %s", op.Contact)
	}
	if _, exists := b.contacts[op.Other]; exists || op.Other == "" {
		return Change{}, errorf("split: new contact id %q is empty or taken", op.Other)
	}
	if len(op.Identities) == 0 || len(op.Identities) >= len(src.Identities) {
		return Change{}, errorf("split must move some but not all identities of %s", src.ID)
	}
	for _, uri := range op.Identities {
		if b.owner[uri] != src.ID {
			return Change{}, errorf("split: %s is not an identity of %s", uri, src.ID)
		}
	}
	dst := &Contact{ID: op.Other, Name: op.Name}
	if dst.Name == "" {
		dst.Name = b.nameFor(op.Identities[0])
	}
	b.contacts[dst.ID] = dst
	ch := Change{Op: op}
	for _, uri := range sortedURIs(op.Identities) {
		b.removeIdentity(src, uri)
		b.addIdentity(dst, uri)
		ch.Moved = append(ch.Moved, Move{Identity: uri, From: src.ID, To: dst.ID})
	}
	b.dismissAcross(src, dst)
	return ch, nil
}

// dismissAcross remembers that the user separated two contacts: evidence linking them is
// dismissed, so that detecting it again (after a restart, on another device replaying the
// log) does not merge them back.
func (b *Book) dismissAcross(a, c *Contact) {
	for _, e := range b.evidence {
		inA := slices.ContainsFunc(e.Identities, func(u model.IdentityURI) bool { return b.owner[u] == a.ID })
		inC := slices.ContainsFunc(e.Identities, func(u model.IdentityURI) bool { return b.owner[u] == c.ID })
		if k := identitiesKey(e.Identities); inA && inC && e.Strength > b.dismissed[k] {
			b.dismissed[k] = e.Strength
		}
	}
}

func (b *Book) applyDismiss(op Op) (Change, error) {
	if len(op.Evidence) == 0 {
		return Change{}, errorf("dismiss needs the evidence dismissed")
	}
	for _, e := range op.Evidence {
		k := identitiesKey(e.Identities)
		if e.Strength > b.dismissed[k] {
			b.dismissed[k] = e.Strength
		}
		delete(b.pending, e.Key())
	}
	return Change{Op: op}, nil
}

// Inverse returns the operation that undoes op (as applied, i.e. from the log).
func (b *Book) Inverse(op Op, id string, at time.Time) (Op, error) {
	inv := Op{ID: id, At: at, Undoes: op.ID}
	switch op.Kind {
	case OpEnsure:
		inv.Kind, inv.Contact, inv.Identities = OpForget, op.Contact, op.Identities
	case OpForget:
		inv.Kind, inv.Contact, inv.Identities, inv.Name = OpEnsure, op.Contact, op.Identities, op.Name
	case OpMerge:
		inv.Kind, inv.Contact, inv.Other, inv.Name, inv.Identities = OpSplit, op.Contact, op.Other, op.Name, op.Identities
	case OpSplit:
		inv.Kind, inv.Contact, inv.Other = OpMerge, op.Contact, op.Other
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

// Split moves identities of a contact into a new contact and returns the change; the new
// contact's id is derived from the operation so that every device agrees on it.
func (b *Book) Split(from ContactID, identities []model.IdentityURI, at time.Time) (Change, error) {
	ids := sortedURIs(identities)
	if len(ids) == 0 {
		return Change{}, errorf("split needs identities")
	}
	parts := []string{"split", string(from), at.String()}
	for _, u := range ids {
		parts = append(parts, string(u))
	}
	id := OpID(parts...)
	return b.Apply(Op{
		ID: id, At: at, Kind: OpSplit, Contact: from, Other: ContactID("c-" + id[:20]),
		Identities: ids, Name: b.nameFor(ids[0]), // named now, so that a replay names it the same
	})
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
