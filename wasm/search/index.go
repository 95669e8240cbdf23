package search

import (
	"math/bits"
	"slices"
	"strings"
)

// Index maps words to the messages that contain them, in memory. It is not safe for
// concurrent use.
type Index struct {
	docs     map[string]uint32 // message id -> document number
	ids      []string          // document number -> message id ("" when free)
	terms    [][]uint32        // document number -> its term numbers
	free     []uint32          // document numbers to reuse
	termOf   map[string]uint32 // word -> term number
	words    []string          // term number -> word
	postings [][]uint32        // term number -> document numbers, unordered
	sorted   []uint32          // term numbers in the order of their words; nil when stale
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{docs: map[string]uint32{}, termOf: map[string]uint32{}}
}

// Len returns the number of messages indexed.
func (ix *Index) Len() int { return len(ix.docs) }

// Has reports whether a message is indexed.
func (ix *Index) Has(id string) bool {
	_, ok := ix.docs[id]
	return ok
}

// Set indexes a message under its tokens (see Tokens), replacing what it had.
func (ix *Index) Set(id string, tokens []string) {
	doc, ok := ix.docs[id]
	if ok {
		ix.unpost(doc)
	} else if n := len(ix.free); n > 0 {
		doc, ix.free = ix.free[n-1], ix.free[:n-1]
		ix.ids[doc] = id
	} else {
		doc = uint32(len(ix.ids))
		ix.ids = append(ix.ids, id)
		ix.terms = append(ix.terms, nil)
	}
	ix.docs[id] = doc
	terms := make([]uint32, 0, len(tokens))
	for _, w := range tokens {
		t, ok := ix.termOf[w]
		if !ok {
			t = uint32(len(ix.words))
			ix.termOf[w] = t
			ix.words = append(ix.words, w)
			ix.postings = append(ix.postings, nil)
			ix.sorted = nil
		}
		if slices.Contains(terms, t) {
			continue
		}
		terms = append(terms, t)
		ix.postings[t] = append(ix.postings[t], doc)
	}
	ix.terms[doc] = terms
}

// Remove forgets a message.
func (ix *Index) Remove(id string) {
	doc, ok := ix.docs[id]
	if !ok {
		return
	}
	ix.unpost(doc)
	delete(ix.docs, id)
	ix.ids[doc], ix.terms[doc] = "", nil
	ix.free = append(ix.free, doc)
}

// unpost takes a document out of its terms' postings. Words left without messages stay in
// the dictionary (their postings are empty): a word seen once is likely seen again.
func (ix *Index) unpost(doc uint32) {
	for _, t := range ix.terms[doc] {
		p := ix.postings[t]
		if i := slices.Index(p, doc); i >= 0 {
			p[i] = p[len(p)-1]
			ix.postings[t] = p[:len(p)-1]
		}
	}
}

// Find returns the messages in which every word of the query starts a word, in no order.
// A query without a word long enough to search finds nothing.
func (ix *Index) Find(query string) []string {
	q := QueryWords(query)
	if len(q) == 0 || len(ix.docs) == 0 {
		return nil
	}
	if ix.sorted == nil {
		ix.sorted = make([]uint32, len(ix.words))
		for i := range ix.sorted {
			ix.sorted[i] = uint32(i)
		}
		slices.SortFunc(ix.sorted, func(a, b uint32) int { return strings.Compare(ix.words[a], ix.words[b]) })
	}
	var found bitset
	for i, w := range q {
		set := ix.prefixed(w)
		if i == 0 {
			found = set
		} else {
			found.and(set)
		}
	}
	var out []string
	found.each(func(doc uint32) { out = append(out, ix.ids[doc]) })
	return out
}

// prefixed returns the documents with a word that starts with prefix.
func (ix *Index) prefixed(prefix string) bitset {
	set := make(bitset, (len(ix.ids)+63)/64)
	i, _ := slices.BinarySearchFunc(ix.sorted, prefix, func(t uint32, p string) int { return strings.Compare(ix.words[t], p) })
	for ; i < len(ix.sorted) && strings.HasPrefix(ix.words[ix.sorted[i]], prefix); i++ {
		for _, doc := range ix.postings[ix.sorted[i]] {
			set.add(doc)
		}
	}
	return set
}

// bitset is a set of document numbers.
type bitset []uint64

func (b bitset) add(n uint32) { b[n/64] |= 1 << (n % 64) }

func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b bitset) each(fn func(uint32)) {
	for i, w := range b {
		for w != 0 {
			j := bits.TrailingZeros64(w)
			fn(uint32(i*64 + j))
			w &^= 1 << j
		}
	}
}
