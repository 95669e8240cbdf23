package contacts

import (
	"slices"
	"time"

	"caliopen/wasm/model"
)

// Suggestion is evidence not strong enough (or not allowed) to merge on its own: the user
// confirms or dismisses it.
type Suggestion struct {
	Key      string      `json:"key"`
	Evidence Evidence    `json:"evidence"`
	Contacts []ContactID `json:"contacts"`
}

// Consider acts on newly found evidence: identities get contacts if they have none, strong
// evidence merges their contacts (when AutoMergeStrong), other evidence becomes a suggestion
// unless the user dismissed it at that strength or above. A split dismisses the evidence
// that had linked the two sides, so detecting it again (after a restart, or on a device
// replaying the log) does not merge them back.
// The user's own identities are never linked to anyone.
func (b *Book) Consider(evs []Evidence, at time.Time) ([]Change, []Suggestion, error) {
	var changes []Change
	var suggestions []Suggestion
	evs = slices.Clone(evs)
	slices.SortFunc(evs, func(x, y Evidence) int { return compareStrings(x.Key(), y.Key()) })
	for _, e := range evs {
		e.Identities = slices.DeleteFunc(sortedURIs(e.Identities), b.IsOwn)
		if len(e.Identities) < 2 || b.considered[e.Key()] {
			continue
		}
		b.considered[e.Key()] = true
		for _, u := range e.Identities {
			ch, err := b.Ensure(u, at)
			if err != nil {
				return changes, suggestions, err
			}
			if len(ch.Moved) > 0 {
				changes = append(changes, ch)
			}
		}
		owners := b.owners(e.Identities)
		if len(owners) < 2 {
			b.keepEvidence([]Evidence{e})
			continue
		}
		if b.dismissed[identitiesKey(e.Identities)] >= e.Strength {
			continue // the user refused this link, or split what it had merged
		}
		if e.Strength >= Strong && b.AutoMergeStrong {
			chs, err := b.mergeAll(e.Identities, []Evidence{e}, at)
			changes = append(changes, chs...)
			if err != nil {
				return changes, suggestions, err
			}
			continue
		}
		s := Suggestion{Key: e.Key(), Evidence: e, Contacts: owners}
		b.pending[s.Key] = s
		suggestions = append(suggestions, s)
	}
	return changes, suggestions, nil
}

// Suggestions returns the pending suggestions, strongest first: those whose identities still
// belong to several contacts and that the user did not dismiss (here or on another device).
func (b *Book) Suggestions() []Suggestion {
	out := make([]Suggestion, 0, len(b.pending))
	for _, s := range b.pending {
		s.Contacts = b.owners(s.Evidence.Identities)
		if len(s.Contacts) > 1 && b.dismissed[identitiesKey(s.Evidence.Identities)] < s.Evidence.Strength {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(x, y Suggestion) int {
		if x.Evidence.Strength != y.Evidence.Strength {
			return int(y.Evidence.Strength - x.Evidence.Strength)
		}
		return compareStrings(x.Key, y.Key)
	})
	return out
}

// Restore puts back suggestions kept from an earlier run (the book does not keep them in its
// operation log: they are derived, not decided). Their evidence counts as considered, so
// detecting it again does not propose it twice.
func (b *Book) Restore(ss []Suggestion) {
	for _, s := range ss {
		if s.Key == "" || len(s.Evidence.Identities) < 2 {
			continue
		}
		b.pending[s.Key] = s
		b.considered[s.Key] = true
	}
}

// Confirm merges the contacts of suggestions (one, or several about the same people) in one
// decision; the user's word is added to their evidence.
func (b *Book) Confirm(at time.Time, keys ...string) ([]Change, error) {
	var evs []Evidence
	var ids []model.IdentityURI
	for _, key := range keys {
		s, ok := b.pending[key]
		if !ok {
			return nil, errorf("no suggestion %q", key)
		}
		evs = append(evs, s.Evidence)
		ids = append(ids, s.Evidence.Identities...)
	}
	if len(evs) == 0 {
		return nil, errorf("confirm needs a suggestion")
	}
	for _, key := range keys {
		delete(b.pending, key)
	}
	explanation := "You confirmed that these are the same person."
	if len(evs) == 1 {
		explanation = "You confirmed: " + evs[0].Explanation
	}
	user := newEvidence(KindUser, Strong, explanation, ids)
	return b.mergeAll(user.Identities, append(evs, user), at)
}

// Dismiss refuses suggestions (one operation for them all); evidence of the same or lower
// strength for the same identities will not be proposed again.
func (b *Book) Dismiss(at time.Time, keys ...string) (Change, error) {
	var evs []Evidence
	for _, key := range keys {
		s, ok := b.pending[key]
		if !ok {
			return Change{}, errorf("no suggestion %q", key)
		}
		evs = append(evs, s.Evidence)
	}
	if len(evs) == 0 {
		return Change{}, errorf("dismiss needs a suggestion")
	}
	return b.Apply(Op{ID: OpID(append(append([]string{"dismiss"}, keys...), at.String())...), At: at, Kind: OpDismiss, Evidence: evs})
}

// Link merges the contacts of the given identities because the user says they are one
// person, whatever the automatic-merge setting.
func (b *Book) Link(ids []model.IdentityURI, at time.Time) ([]Change, error) {
	var changes []Change
	for _, u := range ids {
		ch, err := b.Ensure(u, at)
		if err != nil {
			return changes, err
		}
		if len(ch.Moved) > 0 {
			changes = append(changes, ch)
		}
	}
	e := newEvidence(KindUser, Strong, "You said these addresses are the same person.", ids)
	chs, err := b.mergeAll(ids, []Evidence{e}, at)
	return append(changes, chs...), err
}

// mergeAll merges the contacts of the identities into one, two at a time (a merged contact
// takes the id of its smallest identity, so the owners are looked up again after each).
func (b *Book) mergeAll(ids []model.IdentityURI, evs []Evidence, at time.Time) ([]Change, error) {
	var changes []Change
	for {
		owners := b.owners(ids)
		if len(owners) < 2 {
			return changes, nil
		}
		ch, err := b.Merge(owners[0], owners[1], evs, at)
		if err != nil {
			return changes, err
		}
		changes = append(changes, ch)
	}
}

// owners returns the distinct contacts of the identities, sorted.
func (b *Book) owners(ids []model.IdentityURI) []ContactID {
	var out []ContactID
	for _, u := range ids {
		if c, ok := b.owner[u]; ok && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
