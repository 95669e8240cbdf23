package contacts

import (
	"slices"
	"strings"

	"caliopen/wasm/model"
)

// Strength grades evidence. Strong evidence may merge contacts on its own; the rest is a
// suggestion for the user.
type Strength int

const (
	Weak   Strength = 1
	Medium Strength = 2
	Strong Strength = 3
)

func (s Strength) String() string {
	switch s {
	case Weak:
		return "weak"
	case Medium:
		return "medium"
	case Strong:
		return "strong"
	}
	return "none"
}

// EvidenceKind says what kind of fact links identities.
type EvidenceKind string

const (
	KindOpenPGPKey     EvidenceKind = "openpgp-key"            // one key used by several identities
	KindOpenPGPUserIDs EvidenceKind = "openpgp-user-ids"       // one key whose user ids name several addresses
	KindVerifiedLink   EvidenceKind = "mastodon-verified-link" // a server-verified profile link another identity claims
	KindVCard          EvidenceKind = "vcard"                  // one imported card lists several addresses
	KindUser           EvidenceKind = "user"                   // the user said so
	KindTwoWayClaim    EvidenceKind = "two-way-claim"          // X and Mastodon profiles name each other
	KindOneWayClaim    EvidenceKind = "one-way-claim"          // one profile names the other
	KindNameAvatar     EvidenceKind = "name-avatar"            // same display name and same avatar
	KindSignature      EvidenceKind = "signature-handle"       // a handle quoted in an email signature
)

// Fact is one observed fact behind evidence, for the UI to show.
type Fact struct {
	Identity model.IdentityURI `json:"identity,omitempty"`
	Name     string            `json:"name"`
	Value    string            `json:"value"`
}

// Evidence says why some identities are thought to be one person.
type Evidence struct {
	Kind        EvidenceKind        `json:"kind"`
	Strength    Strength            `json:"strength"`
	Explanation string              `json:"explanation"`
	Identities  []model.IdentityURI `json:"identities"` // sorted, at least two
	Facts       []Fact              `json:"facts,omitempty"`
}

// Key identifies evidence by kind and identities.
func (e Evidence) Key() string {
	return string(e.Kind) + "|" + identitiesKey(e.Identities)
}

func identitiesKey(ids []model.IdentityURI) string {
	s := make([]string, len(ids))
	for i, u := range sortedURIs(ids) {
		s[i] = string(u)
	}
	return strings.Join(s, " ")
}

func newEvidence(kind EvidenceKind, s Strength, explanation string, ids []model.IdentityURI, facts ...Fact) Evidence {
	return Evidence{Kind: kind, Strength: s, Explanation: explanation, Identities: sortedURIs(ids), Facts: facts}
}

// keepEvidence adds evidence to what the book knows, kept sorted by key (a union: the order
// merges arrive in does not matter).
func (b *Book) keepEvidence(evs []Evidence) {
	for _, e := range evs {
		i, found := slices.BinarySearchFunc(b.evidence, e.Key(), func(x Evidence, k string) int { return compareStrings(x.Key(), k) })
		if !found {
			b.evidence = slices.Insert(b.evidence, i, e)
		}
	}
}
