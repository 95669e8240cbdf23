package discussions

import (
	"maps"
	"slices"
	"strings"
)

// The user's tags. A tag is held by participant sets, not by discussion keys: a set's key is
// a hash of its messages' identity URIs, which every device computes the same from the
// messages it fetched itself, and which no merge or split of contacts changes, while a
// discussion key is resolved through the contact book and moves with it. A discussion's
// tags are the union of its sets' tags: a message arriving later in one of its sets carries
// them at once; a merge joins the tags of both sides; a split leaves each side the tags of
// its own sets. Tags of a set not indexed yet (its messages are still on their way to this
// device) are held until it comes.

// CompareTags orders tag names as the user reads them: regardless of case first.
func CompareTags(a, b string) int {
	if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// SetTags replaces the tags of a participant set (sorted by CompareTags, without repeats,
// by the caller).
func (ix *Index) SetTags(sk SetKey, tags []string) Changes {
	if ix.tags == nil {
		ix.tags = map[SetKey][]string{}
	}
	if len(tags) == 0 {
		delete(ix.tags, sk)
	} else {
		ix.tags[sk] = tags
	}
	ix.begin()
	if s, ok := ix.sets[sk]; ok {
		ix.touch(s.disc)
	}
	return ix.end()
}

// TagsOfSet returns the tags of a participant set; callers must not modify them.
func (ix *Index) TagsOfSet(sk SetKey) []string { return ix.tags[sk] }

// SetsOf returns the participant sets of a discussion, sorted (none when it is unknown).
func (ix *Index) SetsOf(k Key) []SetKey {
	d, ok := ix.discussions[k]
	if !ok {
		return nil
	}
	return slices.Sorted(maps.Keys(d.sets))
}

// TaggedSets returns the participant sets tagged with tag, indexed or not, sorted.
func (ix *Index) TaggedSets(tag string) []SetKey {
	var out []SetKey
	for sk, tags := range ix.tags {
		if slices.Contains(tags, tag) {
			out = append(out, sk)
		}
	}
	slices.Sort(out)
	return out
}

// TagCounts returns every tag the user has with the number of discussions (inbox and
// archive) that carry it; a tag held only by sets not indexed yet counts 0.
func (ix *Index) TagCounts() map[string]int {
	out := map[string]int{}
	seen := map[string]map[Key]bool{}
	for sk, tags := range ix.tags {
		s, indexed := ix.sets[sk]
		for _, t := range tags {
			if _, ok := out[t]; !ok {
				out[t] = 0
			}
			if !indexed {
				continue
			}
			if seen[t] == nil {
				seen[t] = map[Key]bool{}
			}
			if !seen[t][s.disc.key] {
				seen[t][s.disc.key] = true
				out[t]++
			}
		}
	}
	return out
}

// Tags returns the tags of a discussion, sorted.
func (ix *Index) Tags(k Key) []string {
	d, ok := ix.discussions[k]
	if !ok {
		return nil
	}
	return ix.tagsOf(d)
}

func (ix *Index) tagsOf(d *discussion) []string {
	if len(ix.tags) == 0 {
		return nil
	}
	var out []string
	for sk := range d.sets {
		out = append(out, ix.tags[sk]...)
	}
	if len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, CompareTags)
	return slices.Compact(out)
}

// tagged returns the discussions one of whose sets carries tag: the tagged sets are few, so
// this is cheaper than looking at every discussion's sets.
func (ix *Index) tagged(tag string) map[*discussion]bool {
	out := map[*discussion]bool{}
	for sk, tags := range ix.tags {
		if s, ok := ix.sets[sk]; ok && slices.Contains(tags, tag) {
			out[s.disc] = true
		}
	}
	return out
}
