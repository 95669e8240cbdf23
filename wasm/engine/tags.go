package engine

import (
	"context"
	"slices"

	"caliopen/wasm/discussions"
	"caliopen/wasm/store/repo"
)

// The user's tags (see discussions/tags.go for why they are held per participant set). Every
// change stores the sets' tags, logs a repo.TagOp per set for device sync, and rewrites the
// summaries of the discussions it touches, in one transaction.

// TagCount is one of the user's tags and the number of discussions that carry it.
type TagCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// Tags returns the user's tags by name (discussions.CompareTags), each with its number of discussions.
func (e *Engine) Tags(ctx context.Context) ([]TagCount, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	counts := e.index.TagCounts()
	out := make([]TagCount, 0, len(counts))
	for name, n := range counts {
		out = append(out, TagCount{name, n})
	}
	slices.SortFunc(out, func(a, b TagCount) int { return discussions.CompareTags(a.Name, b.Name) })
	return out, nil
}

// DiscussionTags returns the tags of a discussion.
func (e *Engine) DiscussionTags(ctx context.Context, key discussions.Key) ([]string, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	return slices.Clone(e.index.Tags(key)), nil
}

// TagDiscussion adds tags to and removes tags from every participant set of a discussion.
// It reports false when the discussion is unknown.
func (e *Engine) TagDiscussion(ctx context.Context, key discussions.Key, add, remove []string) (bool, error) {
	if err := e.lock(ctx); err != nil {
		return false, err
	}
	defer e.unlock()
	sets := e.index.SetsOf(key)
	if len(sets) == 0 {
		return false, nil
	}
	return true, e.retagLocked(ctx, sets, add, remove, "")
}

// RenameTag renames a tag on every set that carries it (into another tag: they become one).
func (e *Engine) RenameTag(ctx context.Context, from, to string) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	if from == to {
		return nil
	}
	return e.retagLocked(ctx, e.index.TaggedSets(from), []string{to}, []string{from}, "")
}

// DeleteTag takes a tag off every set that carries it.
func (e *Engine) DeleteTag(ctx context.Context, name string) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	return e.retagLocked(ctx, e.index.TaggedSets(name), nil, []string{name}, "")
}

// SetTagsFromSync gives a participant set the tags device sync holds for it: the log says
// so (origin sync), and sync does not carry the change back.
func (e *Engine) SetTagsFromSync(ctx context.Context, set discussions.SetKey, tags []string) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	have := e.index.TagsOfSet(set)
	var add, remove []string
	for _, t := range tags {
		if !slices.Contains(have, t) {
			add = append(add, t)
		}
	}
	for _, t := range have {
		if !slices.Contains(tags, t) {
			remove = append(remove, t)
		}
	}
	return e.retagLocked(ctx, []discussions.SetKey{set}, add, remove, repo.OriginSync)
}

// SetTags returns the tags this device holds for a participant set.
func (e *Engine) SetTags(ctx context.Context, set discussions.SetKey) ([]string, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	return slices.Clone(e.index.TagsOfSet(set)), nil
}

// retagLocked adds then removes tags on sets; sets it leaves as they were are not written.
// Caller holds e.mu.
func (e *Engine) retagLocked(ctx context.Context, sets []discussions.SetKey, add, remove []string, origin string) error {
	type retag struct {
		set  discussions.SetKey
		tags []string
		op   repo.TagOp
	}
	var todo []retag
	for _, sk := range sets {
		have := e.index.TagsOfSet(sk)
		next := slices.Clone(have)
		op := repo.TagOp{Set: string(sk), Origin: origin}
		for _, t := range add {
			if !slices.Contains(next, t) && !slices.Contains(remove, t) {
				next = append(next, t)
				op.Add = append(op.Add, t)
			}
		}
		for _, t := range remove {
			if i := slices.Index(next, t); i >= 0 {
				next = slices.Delete(next, i, i+1)
				op.Remove = append(op.Remove, t)
			}
		}
		if len(op.Add)+len(op.Remove) > 0 {
			slices.SortFunc(next, discussions.CompareTags)
			todo = append(todo, retag{sk, next, op})
		}
	}
	if len(todo) == 0 {
		return nil
	}
	chs := make([]discussions.Changes, len(todo))
	for i, r := range todo {
		chs[i] = e.index.SetTags(r.set, r.tags)
	}
	err := e.Repo.Update(ctx, repo.TagStores, func(tx *repo.Tx) error {
		for _, r := range todo {
			if err := tx.PutSetTags(string(r.set), r.tags, r.op); err != nil {
				return err
			}
		}
		return e.writeChanges(tx, chs...)
	})
	if err != nil {
		e.reloadLocked(ctx, true)
		return err
	}
	e.changedLocked(TopicDiscussions)
	return nil
}
