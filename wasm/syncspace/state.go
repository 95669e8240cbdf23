package syncspace

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
)

type entryKey struct{ coll, key string }

type register struct {
	at    HLC
	value json.RawMessage
}

type claim struct {
	seq uint64
	at  HLC
}

func (c claim) before(o claim) bool {
	if c.seq != o.seq {
		return c.seq < o.seq
	}
	return c.at.Compare(o.at) < 0
}

// State is the merged result of a set of operations. Applying operations in any order, any
// number of times each, gives the same State: every rule below is a commutative, idempotent
// merge (a maximum, a minimum or a union).
//
// A device applies every operation of the space, so what one costs is paid thousands of
// times: the state is kept per collection, in maps keyed by one string (Go hashes those
// fastest), an entry's few fields in a slice whose first element lives in the entry, and
// entries allocated in slabs.
type State struct {
	colls   map[string]*collection
	removed map[HLC]removal // the add tags removed, and by which removal
	latest  HLC
	slab    []entry   // entries handed out next (see newEntry)
	tagSlab []addTags // and add tags
}

// collection is the state of one collection: its entries (fields and tombstones), its sets
// and its claims, each by key.
type collection struct {
	entries map[string]*entry
	sets    map[string]*set
	claims  map[string]claim // the first claim of each entry: smallest (seq, at)
}

// set is the adds of one set, by element.
type set struct {
	adds map[string]*addTags
}

type elemKey struct{ coll, key, elem string }

// removal is what a snapshot needs to write a removed tag back: the element, and the stamp of
// the earliest Remove that listed the tag (the earliest, so that it does not depend on the
// order removals arrived in).
type removal struct {
	elem elemKey
	at   HLC
}

type entry struct {
	fields []namedRegister
	tomb   HLC
	first  [1]namedRegister // fields' storage while the entry has one field, as most do
}

type namedRegister struct {
	name string
	register
}

func (e *entry) field(name string) *register {
	for i := range e.fields {
		if e.fields[i].name == name {
			return &e.fields[i].register
		}
	}
	return nil
}

// visible reports whether the entry has a field written after its last tombstone.
func (e *entry) visible() bool {
	for _, f := range e.fields {
		if f.at.Compare(e.tomb) > 0 {
			return true
		}
	}
	return false
}

// addTags are the tags of an element's adds: nearly always one.
type addTags struct {
	first HLC
	more  []HLC
}

func (a *addTags) has(t HLC) bool {
	return a.first == t || slices.Contains(a.more, t)
}

func (a *addTags) each(fn func(HLC)) {
	fn(a.first)
	for _, t := range a.more {
		fn(t)
	}
}

// NewState returns an empty state.
func NewState() *State {
	return &State{colls: map[string]*collection{}, removed: map[HLC]removal{}}
}

// coll returns a collection, created when create is set (else nil when absent).
func (s *State) coll(name string, create bool) *collection {
	c := s.colls[name]
	if c == nil && create {
		c = &collection{entries: map[string]*entry{}, sets: map[string]*set{}, claims: map[string]claim{}}
		s.colls[name] = c
	}
	return c
}

func (s *State) lookup(coll, key string) *entry {
	if c := s.colls[coll]; c != nil {
		return c.entries[key]
	}
	return nil
}

func (s *State) entry(c *collection, key string) *entry {
	e := c.entries[key]
	if e == nil {
		e = s.newEntry()
		c.entries[key] = e
	}
	return e
}

// newEntry hands out an entry from a slab of them: one allocation for many entries. The state
// never drops an entry (a tombstone keeps it), so a slab is never held for nothing.
func (s *State) newEntry() *entry {
	if len(s.slab) == 0 {
		s.slab = make([]entry, 64)
	}
	e := &s.slab[0]
	s.slab = s.slab[1:]
	e.fields = e.first[:0]
	return e
}

// newAddTags hands out add tags from a slab, as newEntry does entries.
func (s *State) newAddTags() *addTags {
	if len(s.tagSlab) == 0 {
		s.tagSlab = make([]addTags, 64)
	}
	t := &s.tagSlab[0]
	s.tagSlab = s.tagSlab[1:]
	return t
}

// Apply merges one operation. seq is the operation's batch's sequence number in the relay's
// log (0 for a local operation not yet stored), which only claims use (a claim copied into a
// snapshot carries its own, earlier one). It reports whether the visible state may have
// changed.
func (s *State) Apply(op Op, seq uint64) bool {
	if op.At.Compare(s.latest) > 0 {
		s.latest = op.At
	}
	switch op.Kind {
	case Set:
		e := s.entry(s.coll(op.Coll, true), op.Key)
		if cur := e.field(op.Field); cur != nil {
			if cur.at.Compare(op.At) >= 0 {
				return false
			}
			*cur = register{op.At, op.Value}
			return true
		}
		e.fields = append(e.fields, namedRegister{op.Field, register{op.At, op.Value}})
	case Delete:
		e := s.entry(s.coll(op.Coll, true), op.Key)
		if e.tomb.Compare(op.At) >= 0 {
			return false
		}
		e.tomb = op.At
	case Add:
		c := s.coll(op.Coll, true)
		st := c.sets[op.Key]
		if st == nil {
			st = &set{adds: map[string]*addTags{}}
			c.sets[op.Key] = st
		}
		tags := st.adds[op.Elem]
		if tags == nil {
			tags = s.newAddTags()
			tags.first = op.At
			st.adds[op.Elem] = tags
			return true
		}
		if tags.has(op.At) {
			return false
		}
		tags.more = append(tags.more, op.At)
	case Remove:
		changed := false
		for _, t := range op.Tags {
			cur, ok := s.removed[t]
			if !ok {
				changed = true
			}
			if !ok || op.At.Compare(cur.at) < 0 {
				s.removed[t] = removal{elemKey{op.Coll, op.Key, op.Elem}, op.At}
			}
		}
		return changed
	case Claim:
		if seq == 0 {
			return false // a claim counts once the relay has ordered it
		}
		if op.Seq != 0 && op.Seq < seq {
			seq = op.Seq // a claim in a snapshot: where the log first ordered it
		}
		c := s.coll(op.Coll, true)
		cl := claim{seq, op.At}
		if cur, ok := c.claims[op.Key]; ok && !cl.before(cur) {
			return false
		}
		c.claims[op.Key] = cl
	default:
		return false
	}
	return true
}

// Latest is the latest timestamp applied.
func (s *State) Latest() HLC { return s.latest }

// Entry returns the visible fields of an entry (those written after its last tombstone),
// or nil when it has none.
func (s *State) Entry(coll, key string) map[string]json.RawMessage {
	e := s.lookup(coll, key)
	if e == nil {
		return nil
	}
	var out map[string]json.RawMessage
	for _, f := range e.fields {
		if f.at.Compare(e.tomb) > 0 {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[f.name] = f.value
		}
	}
	return out
}

// Field decodes one visible field of an entry into v; it reports whether there was one.
func (s *State) Field(coll, key, field string, v any) (bool, error) {
	e := s.lookup(coll, key)
	if e == nil {
		return false, nil
	}
	r := e.field(field)
	if r == nil || r.at.Compare(e.tomb) <= 0 {
		return false, nil
	}
	return true, json.Unmarshal(r.value, v)
}

// Keys returns the keys of a collection's visible entries, sorted.
func (s *State) Keys(coll string) []string {
	c := s.colls[coll]
	if c == nil {
		return nil
	}
	var out []string
	for key, e := range c.entries {
		if e.visible() {
			out = append(out, key)
		}
	}
	sort.Strings(out)
	return out
}

// Elems returns the elements of a set, sorted: those with an add no remove has seen.
func (s *State) Elems(coll, key string) []string {
	st := s.set(coll, key)
	if st == nil {
		return nil
	}
	var out []string
	for elem, tags := range st.adds {
		if s.live(tags) {
			out = append(out, elem)
		}
	}
	sort.Strings(out)
	return out
}

// Sets returns the keys of a collection's sets, sorted: every set an add ever reached, its
// elements since removed or not.
func (s *State) Sets(coll string) []string {
	c := s.colls[coll]
	if c == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(c.sets))
}

func (s *State) set(coll, key string) *set {
	if c := s.colls[coll]; c != nil {
		return c.sets[key]
	}
	return nil
}

// Tags returns the live add tags of an element: what a Remove of it must list.
func (s *State) Tags(coll, key, elem string) []HLC {
	var out []HLC
	if st := s.set(coll, key); st != nil {
		if tags := st.adds[elem]; tags != nil {
			tags.each(func(t HLC) {
				if _, gone := s.removed[t]; !gone {
					out = append(out, t)
				}
			})
		}
	}
	slices.SortFunc(out, HLC.Compare)
	return out
}

func (s *State) live(tags *addTags) bool {
	if len(s.removed) == 0 {
		return true
	}
	alive := false
	tags.each(func(t HLC) {
		if _, gone := s.removed[t]; !gone {
			alive = true
		}
	})
	return alive
}

// ClaimWinner returns the device whose claim on an entry came first in the relay's log, and
// that claim's sequence number.
func (s *State) ClaimWinner(coll, key string) (node string, seq uint64, ok bool) {
	if col := s.colls[coll]; col != nil {
		c, ok := col.claims[key]
		return c.at.Node, c.seq, ok
	}
	return "", 0, false
}

// claimed returns every entry with a claim.
func (s *State) claimed() []Change {
	var out []Change
	for name, c := range s.colls {
		for key := range c.claims {
			out = append(out, Change{name, key})
		}
	}
	return out
}

// Dump is a canonical, sorted rendering of the whole state (visible and hidden), to compare
// replicas.
func (s *State) Dump() string {
	var lines []string
	for coll, c := range s.colls {
		for key, e := range c.entries {
			for _, f := range e.fields {
				lines = append(lines, "F "+coll+"\x00"+key+"\x00"+f.name+"="+f.at.String()+" "+string(f.value))
			}
			if !e.tomb.IsZero() {
				lines = append(lines, "T "+coll+"\x00"+key+"="+e.tomb.String())
			}
		}
		for key, st := range c.sets {
			for elem, tags := range st.adds {
				tags.each(func(t HLC) {
					lines = append(lines, "A "+coll+"\x00"+key+"\x00"+elem+"="+t.String())
				})
			}
		}
		for key, cl := range c.claims {
			lines = append(lines, "C "+coll+"\x00"+key+"="+cl.at.String()+" @"+strconv.FormatUint(cl.seq, 10))
		}
	}
	for t := range s.removed {
		lines = append(lines, "R "+t.String())
	}
	sort.Strings(lines)
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// SnapshotOps returns operations that rebuild exactly this state on an empty one (Dump equal):
// each field with its stamp, each tombstone, each add tag, each removed tag under the
// earliest removal that listed it, and for each claimed entry only its winning claim, with
// the sequence number the log ordered it at. Applying them to a replica that already holds
// part of the state changes nothing but what it lacked: they are the operations that made
// the state, or equivalent ones. The values are shared with the state, which never changes
// a value in place. The order is the same whatever the order the state was built in.
func (s *State) SnapshotOps() []Op {
	var ops []Op
	colls := slices.Sorted(maps.Keys(s.colls))
	for _, coll := range colls {
		c := s.colls[coll]
		for _, key := range slices.Sorted(maps.Keys(c.entries)) {
			e := c.entries[key]
			for _, f := range e.fields {
				ops = append(ops, Op{At: f.at, Kind: Set, Coll: coll, Key: key, Field: f.name, Value: f.value})
			}
			if !e.tomb.IsZero() {
				ops = append(ops, Op{At: e.tomb, Kind: Delete, Coll: coll, Key: key})
			}
		}
	}
	for _, coll := range colls {
		c := s.colls[coll]
		for _, key := range slices.Sorted(maps.Keys(c.sets)) {
			st := c.sets[key]
			for _, elem := range slices.Sorted(maps.Keys(st.adds)) {
				st.adds[elem].each(func(t HLC) {
					ops = append(ops, Op{At: t, Kind: Add, Coll: coll, Key: key, Elem: elem})
				})
			}
		}
	}
	removes := map[removal][]HLC{}
	for t, r := range s.removed {
		removes[r] = append(removes[r], t)
	}
	rems := make([]Op, 0, len(removes))
	for r, tags := range removes {
		slices.SortFunc(tags, HLC.Compare)
		rems = append(rems, Op{At: r.at, Kind: Remove, Coll: r.elem.coll, Key: r.elem.key, Elem: r.elem.elem, Tags: tags})
	}
	slices.SortFunc(rems, func(a, b Op) int { return a.At.Compare(b.At) })
	ops = append(ops, rems...)
	for _, coll := range colls {
		c := s.colls[coll]
		for _, key := range slices.Sorted(maps.Keys(c.claims)) {
			cl := c.claims[key]
			ops = append(ops, Op{At: cl.at, Kind: Claim, Coll: coll, Key: key, Seq: cl.seq})
		}
	}
	return ops
}
