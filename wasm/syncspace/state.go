package syncspace

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
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
// Its maps are flat and an entry's few fields a slice: a device applies every operation of
// the space, so what one costs in allocations is paid thousands of times.
type State struct {
	entries  map[entryKey]*entry
	collKeys map[string][]string // keys of each collection's entries, in the order first seen
	adds     map[elemKey]*addTags
	setElems map[entryKey][]string // elements of each set, in the order first added
	removed  map[HLC]removal       // the add tags removed, and by which removal
	claims   map[entryKey]claim    // the first claim of each entry: smallest (seq, at)
	latest   HLC
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
	return &State{
		entries: map[entryKey]*entry{}, collKeys: map[string][]string{},
		adds: map[elemKey]*addTags{}, setElems: map[entryKey][]string{}, removed: map[HLC]removal{}, claims: map[entryKey]claim{},
	}
}

func (s *State) entry(ek entryKey) *entry {
	e := s.entries[ek]
	if e == nil {
		e = &entry{}
		s.entries[ek] = e
		s.collKeys[ek.coll] = append(s.collKeys[ek.coll], ek.key)
	}
	return e
}

// Apply merges one operation. seq is the operation's batch's sequence number in the relay's
// log (0 for a local operation not yet stored), which only claims use (a claim copied into a
// snapshot carries its own, earlier one). It reports whether the visible state may have
// changed.
func (s *State) Apply(op Op, seq uint64) bool {
	if op.At.Compare(s.latest) > 0 {
		s.latest = op.At
	}
	ek := entryKey{op.Coll, op.Key}
	switch op.Kind {
	case Set:
		e := s.entry(ek)
		if cur := e.field(op.Field); cur != nil {
			if cur.at.Compare(op.At) >= 0 {
				return false
			}
			*cur = register{op.At, op.Value}
			return true
		}
		e.fields = append(e.fields, namedRegister{op.Field, register{op.At, op.Value}})
	case Delete:
		e := s.entry(ek)
		if e.tomb.Compare(op.At) >= 0 {
			return false
		}
		e.tomb = op.At
	case Add:
		k := elemKey{op.Coll, op.Key, op.Elem}
		tags := s.adds[k]
		if tags == nil {
			s.adds[k] = &addTags{first: op.At}
			s.setElems[ek] = append(s.setElems[ek], op.Elem)
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
		c := claim{seq, op.At}
		if cur, ok := s.claims[ek]; ok && !c.before(cur) {
			return false
		}
		s.claims[ek] = c
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
	e := s.entries[entryKey{coll, key}]
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
	e := s.entries[entryKey{coll, key}]
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
	var out []string
	for _, key := range s.collKeys[coll] {
		e := s.entries[entryKey{coll, key}]
		for _, f := range e.fields {
			if f.at.Compare(e.tomb) > 0 {
				out = append(out, key)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// Elems returns the elements of a set, sorted: those with an add no remove has seen.
func (s *State) Elems(coll, key string) []string {
	var out []string
	for _, elem := range s.setElems[entryKey{coll, key}] {
		if s.live(s.adds[elemKey{coll, key, elem}]) {
			out = append(out, elem)
		}
	}
	sort.Strings(out)
	return out
}

// Tags returns the live add tags of an element: what a Remove of it must list.
func (s *State) Tags(coll, key, elem string) []HLC {
	var out []HLC
	if tags := s.adds[elemKey{coll, key, elem}]; tags != nil {
		tags.each(func(t HLC) {
			if _, gone := s.removed[t]; !gone {
				out = append(out, t)
			}
		})
	}
	slices.SortFunc(out, HLC.Compare)
	return out
}

func (s *State) live(tags *addTags) bool {
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
	c, ok := s.claims[entryKey{coll, key}]
	return c.at.Node, c.seq, ok
}

// Dump is a canonical, sorted rendering of the whole state (visible and hidden), to compare
// replicas.
func (s *State) Dump() string {
	var lines []string
	for ek, e := range s.entries {
		for _, f := range e.fields {
			lines = append(lines, "F "+ek.coll+"\x00"+ek.key+"\x00"+f.name+"="+f.at.String()+" "+string(f.value))
		}
		if !e.tomb.IsZero() {
			lines = append(lines, "T "+ek.coll+"\x00"+ek.key+"="+e.tomb.String())
		}
	}
	for k, tags := range s.adds {
		tags.each(func(t HLC) {
			lines = append(lines, "A "+k.coll+"\x00"+k.key+"\x00"+k.elem+"="+t.String())
		})
	}
	for t := range s.removed {
		lines = append(lines, "R "+t.String())
	}
	for ek, c := range s.claims {
		lines = append(lines, "C "+ek.coll+"\x00"+ek.key+"="+c.at.String()+" @"+strconv.FormatUint(c.seq, 10))
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
// a value in place.
func (s *State) SnapshotOps() []Op {
	var ops []Op
	for _, ek := range sortedKeys(s.entries) {
		e := s.entries[ek]
		for _, f := range e.fields {
			ops = append(ops, Op{At: f.at, Kind: Set, Coll: ek.coll, Key: ek.key, Field: f.name, Value: f.value})
		}
		if !e.tomb.IsZero() {
			ops = append(ops, Op{At: e.tomb, Kind: Delete, Coll: ek.coll, Key: ek.key})
		}
	}
	for _, ek := range sortedKeys(s.setElems) {
		for _, elem := range s.setElems[ek] {
			s.adds[elemKey{ek.coll, ek.key, elem}].each(func(t HLC) {
				ops = append(ops, Op{At: t, Kind: Add, Coll: ek.coll, Key: ek.key, Elem: elem})
			})
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
	for _, ek := range sortedKeys(s.claims) {
		c := s.claims[ek]
		ops = append(ops, Op{At: c.at, Kind: Claim, Coll: ek.coll, Key: ek.key, Seq: c.seq})
	}
	return ops
}

// sortedKeys returns a map's entry keys in order (a snapshot is the same whatever the
// order entries came in).
func sortedKeys[V any](m map[entryKey]V) []entryKey {
	return slices.SortedFunc(maps.Keys(m), func(a, b entryKey) int {
		if a.coll != b.coll {
			return strings.Compare(a.coll, b.coll)
		}
		return strings.Compare(a.key, b.key)
	})
}
