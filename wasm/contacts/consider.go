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

// Suggestions returns the pending suggestions, strongest first.
func (b *Book) Suggestions() []Suggestion {
	out := make([]Suggestion, 0, len(b.pending))
	for _, s := range b.pending {
		s.Contacts = b.owners(s.Evidence.Identities)
		if len(s.Contacts) > 1 {
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

// Confirm merges the contacts of a suggestion; the user's word is added to its evidence.
func (b *Book) Confirm(key string, at time.Time) ([]Change, error) {
	s, ok := b.pending[key]
	if !ok {
		return nil, errorf("no suggestion %q", key)
	}
	delete(b.pending, key)
	user := newEvidence(KindUser, Strong, "You confirmed: "+s.Evidence.Explanation, s.Evidence.Identities)
	return b.mergeAll(s.Evidence.Identities, []Evidence{s.Evidence, user}, at)
}

// Dismiss refuses a suggestion; evidence of the same or lower strength for the same
// identities will not be proposed again.
func (b *Book) Dismiss(key string, at time.Time) (Change, error) {
	s, ok := b.pending[key]
	if !ok {
		return Change{}, errorf("no suggestion %q", key)
	}
	return b.Apply(Op{ID: OpID("dismiss", key, at.String()), At: at, Kind: OpDismiss, Evidence: []Evidence{s.Evidence}})
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
