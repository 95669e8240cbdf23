package app

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"

	"caliopen/wasm/discussions"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
	"caliopen/wasm/syncstore"
)

// The user's tags travel between devices as one add-wins set per participant set (collection
// "tags", key the set's key, elements the tag names): each device computes a set's key from
// the messages it fetched itself, so both name it alike. A tag added on one device while
// another removes it stays: the removal only takes away the adds its device had seen. A
// rename is a removal of the old name and an add of the new one on each set.
//
// The bridge pushes the local changes first (the operation log's repo.TagOp), then gives this
// device's sets the space's tags where other devices changed them; a set not indexed here yet
// keeps its tags until its messages come (see discussions/tags.go).

const collTags = "tags"

// syncedTags tracks which sets' tags to apply.
type syncedTags struct {
	mu      sync.Mutex
	all     bool            // apply every set (the client just started)
	changed map[string]bool // sets other devices changed
}

// noteTags records the sets other devices changed (syncspace OnChange).
func (s *syncer) noteTags(changes []syncspace.Change) {
	st := &s.tags
	st.mu.Lock()
	defer st.mu.Unlock()
	noteKeys(&st.changed, collTags, changes)
}

// pushTags turns the user's changes of tags, in the operation log, into sync operations; a
// change applied from the space is not carried back. Each add is a new add (the user added
// the tag where this device had none): it survives any removal that did not see it. A
// removal lists the adds this device's state holds, so an add made in the same round is
// written first; the bridge pushes before the client reads what other devices did while
// this one was away (see bridge), so that state is what the user saw.
func pushTags(ctx context.Context, client *syncspace.Client, logged []repo.Op, round *problems) error {
	var batch []syncspace.Op
	added := map[[2]string]bool{} // (set, tag) added in batch
	flush := func() error {
		err := client.Write(ctx, round.fitting(batch)...)
		batch = nil
		clear(added)
		return err
	}
	for _, op := range logged {
		var to repo.TagOp
		if op.Kind != repo.OpTagSet || json.Unmarshal(op.Data, &to) != nil || to.Origin == repo.OriginSync || to.Set == "" {
			continue
		}
		for _, t := range to.Remove {
			if added[[2]string{to.Set, t}] {
				if err := flush(); err != nil {
					return err
				}
				break
			}
		}
		for _, t := range to.Add {
			batch = append(batch, syncspace.Op{Kind: syncspace.Add, Coll: collTags, Key: to.Set, Elem: t})
			added[[2]string{to.Set, t}] = true
		}
		client.View(func(state *syncspace.State) {
			for _, t := range to.Remove {
				if seen := state.Tags(collTags, to.Set, t); len(seen) > 0 {
					batch = append(batch, syncspace.Op{Kind: syncspace.Remove, Coll: collTags, Key: to.Set, Elem: t, Tags: seen})
				}
			}
		})
	}
	return flush()
}

// applyTags gives this device's sets the tags the space holds for those other devices
// changed. While a local change of tags waits to be pushed, it waits too: the space does
// not know that change yet, and applying its older state would undo it here.
func (s *syncer) applyTags(ctx context.Context, client *syncspace.Client, st syncstore.Store) error {
	if waiting, err := s.localTagsWaiting(ctx, st); err != nil || waiting {
		return err
	}
	t := &s.tags
	t.mu.Lock()
	keys := t.changed
	t.changed = nil
	all := t.all
	t.all = false
	t.mu.Unlock()
	space := map[string][]string{}
	client.View(func(state *syncspace.State) {
		if all {
			keys = map[string]bool{}
			for _, k := range state.Sets(collTags) {
				keys[k] = true
			}
		}
		for k := range keys {
			var tags []string
			for _, name := range state.Elems(collTags, k) {
				if valid, err := tagName(name); err == nil && valid == name {
					tags = append(tags, name) // a name no version of this app writes is left out
				}
			}
			slices.SortFunc(tags, discussions.CompareTags)
			space[k] = tags
		}
	})
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(space)) {
		have, err := s.a.eng.SetTags(ctx, discussions.SetKey(k))
		if err == nil && !slices.Equal(have, space[k]) {
			err = s.a.eng.SetTagsFromSync(ctx, discussions.SetKey(k), space[k])
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// localTagsWaiting reports whether the operation log holds a change of tags made here that
// the bridge has not pushed yet.
func (s *syncer) localTagsWaiting(ctx context.Context, st syncstore.Store) (bool, error) {
	after, err := st.BridgeCursor(ctx)
	if err != nil {
		return false, err
	}
	for {
		ops, err := s.a.eng.Repo.Ops(ctx, after, 500)
		if err != nil || len(ops) == 0 {
			return false, err
		}
		for _, op := range ops {
			var to repo.TagOp
			if op.Kind == repo.OpTagSet && json.Unmarshal(op.Data, &to) == nil && to.Origin != repo.OriginSync {
				return true, nil
			}
		}
		after = ops[len(ops)-1].Seq
	}
}
