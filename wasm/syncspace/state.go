package syncspace

import (
	"bytes"
	"encoding/json"
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
type State struct {
	fields  map[entryKey]map[string]register // by entry, then field
	tombs   map[entryKey]HLC
	adds    map[entryKey]map[string]map[HLC]struct{} // by set, then element: add tags
	removed map[HLC]struct{}
	claims  map[entryKey]claim // the first claim of each entry: smallest (seq, at)
	latest  HLC
}

// NewState returns an empty state.
func NewState() *State {
	return &State{
		fields: map[entryKey]map[string]register{}, tombs: map[entryKey]HLC{},
		adds: map[entryKey]map[string]map[HLC]struct{}{}, removed: map[HLC]struct{}{}, claims: map[entryKey]claim{},
	}
}

// Apply merges one operation. seq is the operation's batch's sequence number in the relay's
// log (0 for a local operation not yet stored), which only claims use. It reports whether the
// visible state may have changed.
func (s *State) Apply(op Op, seq uint64) bool {
	if op.At.Compare(s.latest) > 0 {
		s.latest = op.At
	}
	ek := entryKey{op.Coll, op.Key}
	switch op.Kind {
	case Set:
		fields := s.fields[ek]
		if cur, ok := fields[op.Field]; ok && cur.at.Compare(op.At) >= 0 {
			return false
		}
		if fields == nil {
			fields = map[string]register{}
			s.fields[ek] = fields
		}
		fields[op.Field] = register{op.At, op.Value}
	case Delete:
		if cur, ok := s.tombs[ek]; ok && cur.Compare(op.At) >= 0 {
			return false
		}
		s.tombs[ek] = op.At
	case Add:
		elems := s.adds[ek]
		if elems == nil {
			elems = map[string]map[HLC]struct{}{}
			s.adds[ek] = elems
		}
		tags := elems[op.Elem]
		if tags == nil {
			tags = map[HLC]struct{}{}
			elems[op.Elem] = tags
		}
		if _, ok := tags[op.At]; ok {
			return false
		}
		tags[op.At] = struct{}{}
	case Remove:
		changed := false
		for _, t := range op.Tags {
			if _, ok := s.removed[t]; !ok {
				s.removed[t] = struct{}{}
				changed = true
			}
		}
		return changed
	case Claim:
		if seq == 0 {
			return false // a claim counts once the relay has ordered it
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
	ek := entryKey{coll, key}
	tomb := s.tombs[ek]
	var out map[string]json.RawMessage
	for f, r := range s.fields[ek] {
		if r.at.Compare(tomb) > 0 {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[f] = r.value
		}
	}
	return out
}

// Field decodes one visible field of an entry into v; it reports whether there was one.
func (s *State) Field(coll, key, field string, v any) (bool, error) {
	ek := entryKey{coll, key}
	r, ok := s.fields[ek][field]
	if !ok || r.at.Compare(s.tombs[ek]) <= 0 {
		return false, nil
	}
	return true, json.Unmarshal(r.value, v)
}

// Keys returns the keys of a collection's visible entries, sorted.
func (s *State) Keys(coll string) []string {
	var out []string
	for ek, fields := range s.fields {
		if ek.coll != coll {
			continue
		}
		for _, r := range fields {
			if r.at.Compare(s.tombs[ek]) > 0 {
				out = append(out, ek.key)
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
	for elem, tags := range s.adds[entryKey{coll, key}] {
		if s.live(tags) {
			out = append(out, elem)
		}
	}
	sort.Strings(out)
	return out
}

// Tags returns the live add tags of an element: what a Remove of it must list.
func (s *State) Tags(coll, key, elem string) []HLC {
	var out []HLC
	for t := range s.adds[entryKey{coll, key}][elem] {
		if _, gone := s.removed[t]; !gone {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, HLC.Compare)
	return out
}

func (s *State) live(tags map[HLC]struct{}) bool {
	for t := range tags {
		if _, gone := s.removed[t]; !gone {
			return true
		}
	}
	return false
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
	for ek, fields := range s.fields {
		for f, r := range fields {
			lines = append(lines, "F "+ek.coll+"\x00"+ek.key+"\x00"+f+"="+r.at.String()+" "+string(r.value))
		}
	}
	for ek, t := range s.tombs {
		lines = append(lines, "T "+ek.coll+"\x00"+ek.key+"="+t.String())
	}
	for ek, elems := range s.adds {
		for elem, tags := range elems {
			for t := range tags {
				lines = append(lines, "A "+ek.coll+"\x00"+ek.key+"\x00"+elem+"="+t.String())
			}
		}
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
