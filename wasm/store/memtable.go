package store

import (
	"slices"
	"sort"
)

// entry is one position in an order: an index key and the record's primary key.
type entry struct{ k, pk string }

func cmpEntry(a, b entry) int {
	if c := Compare(a.k, b.k); c != 0 {
		return c
	}
	return Compare(a.pk, b.pk)
}

// table is an object store of the in-memory backend: records, and one sorted order per index
// ("" is the primary key order).
type table struct {
	spec  StoreSpec
	recs  map[string]Record
	order map[string][]entry
}

func newTable(spec StoreSpec) *table {
	t := &table{spec: spec, recs: map[string]Record{}}
	t.reindex()
	return t
}

// reindex rebuilds every order from the records, for the spec's indexes.
func (t *table) reindex() {
	t.order = map[string][]entry{"": nil}
	for _, name := range t.spec.Indexes {
		t.order[name] = nil
	}
	for _, r := range t.recs {
		t.order[""] = append(t.order[""], entry{r.Key, r.Key})
		for name, k := range r.Index {
			if _, ok := t.order[name]; ok {
				t.order[name] = append(t.order[name], entry{k, r.Key})
			}
		}
	}
	for name, es := range t.order {
		sort.Slice(es, func(i, j int) bool { return cmpEntry(es[i], es[j]) < 0 })
		t.order[name] = es
	}
}

func (t *table) entries(r Record) map[string]entry {
	m := map[string]entry{"": {r.Key, r.Key}}
	for name, k := range r.Index {
		if _, ok := t.order[name]; ok {
			m[name] = entry{k, r.Key}
		}
	}
	return m
}

func (t *table) put(r Record) {
	t.remove(r.Key)
	t.recs[r.Key] = r
	for name, e := range t.entries(r) {
		es := t.order[name]
		i, _ := slices.BinarySearchFunc(es, e, cmpEntry)
		t.order[name] = slices.Insert(es, i, e)
	}
}

func (t *table) remove(key string) (Record, bool) {
	old, ok := t.recs[key]
	if !ok {
		return Record{}, false
	}
	delete(t.recs, key)
	for name, e := range t.entries(old) {
		es := t.order[name]
		if i, found := slices.BinarySearchFunc(es, e, cmpEntry); found {
			t.order[name] = slices.Delete(es, i, i+1)
		}
	}
	return old, true
}

// bounds returns the key range [lo, hi) a query selects; hi == "" means no upper bound.
func bounds(q Query) (lo, hi string) {
	lo, hi = q.Start, q.End
	if q.Prefix != "" {
		if Compare(q.Prefix, lo) > 0 {
			lo = q.Prefix
		}
		if pe := PrefixEnd(q.Prefix); hi == "" || Compare(pe, hi) < 0 {
			hi = pe
		}
	}
	return lo, hi
}

// span returns the indexes [i, j) of the order's entries inside the query's key range.
func span(es []entry, q Query) (int, int) {
	lo, hi := bounds(q)
	i := sort.Search(len(es), func(n int) bool { return Compare(es[n].k, lo) >= 0 })
	j := len(es)
	if hi != "" {
		j = sort.Search(len(es), func(n int) bool { return Compare(es[n].k, hi) >= 0 })
	}
	return i, max(i, j)
}

// next returns the entry following cur in the scan's direction (the first one when cur is nil).
// It searches again each time so that the callback may change the table.
func (t *table) next(es []entry, q Query, cur *entry) (entry, bool) {
	i, j := span(es, q)
	if !q.Reverse {
		if cur != nil {
			k, found := slices.BinarySearchFunc(es, *cur, cmpEntry)
			if found {
				k++
			}
			i = max(i, k)
		}
		if i < j {
			return es[i], true
		}
		return entry{}, false
	}
	if cur != nil {
		k, _ := slices.BinarySearchFunc(es, *cur, cmpEntry)
		j = min(j, k)
	}
	if i < j {
		return es[j-1], true
	}
	return entry{}, false
}
