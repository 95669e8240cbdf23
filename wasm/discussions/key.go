package discussions

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	"caliopen/wasm/contacts"
	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

// Key identifies a discussion: a hash of its resolved participants.
type Key string

// SetKey identifies a participant set: a hash of the sorted identity URIs of a message.
type SetKey string

// Resolver says which contact owns an identity and which identities are the user's own.
// *contacts.Book is one.
type Resolver interface {
	ContactOf(model.IdentityURI) (contacts.ContactID, bool)
	IsOwn(model.IdentityURI) bool
}

// selfComponent is the only component of a discussion with nobody but the user.
const selfComponent = "self"

// ParticipantSet returns the immutable participant set of a message: its List-Id alone for
// list mail, otherwise the URIs of every From, To, Cc and Bcc participant, sorted.
func ParticipantSet(m *model.Message) []model.IdentityURI {
	if m.ListID != "" {
		if u, err := identity.List(m.ListID); err == nil {
			return []model.IdentityURI{u}
		}
	}
	var out []model.IdentityURI
	for _, p := range m.Participants {
		switch p.Role {
		case model.RoleReplyTo:
			continue
		case model.RoleList:
			return []model.IdentityURI{p.URI}
		}
		if p.URI != "" {
			out = append(out, p.URI)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// SetKeyOf returns the key of a message's participant set, for the store's "set" index.
func SetKeyOf(m *model.Message) SetKey { return setKeyOf(ParticipantSet(m)) }

func setKeyOf(uris []model.IdentityURI) SetKey {
	sum := sha256.Sum256([]byte(joinURIs(uris)))
	return SetKey(hex.EncodeToString(sum[:16]))
}

// joinURIs is the canonical text of a participant set (URIs never contain a newline:
// the identity package rejects control characters).
func joinURIs(uris []model.IdentityURI) string {
	n := 0
	for _, u := range uris {
		n += len(u) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for _, u := range uris {
		b.WriteString(string(u))
		b.WriteByte('\n')
	}
	return b.String()
}

// components resolves a participant set: own identities dropped, each other identity replaced
// by "contact:<id>" when it has a contact, sorted and without repeats.
func components(r Resolver, uris []model.IdentityURI) []string {
	out := make([]string, 0, len(uris))
	for _, u := range uris {
		if r.IsOwn(u) {
			continue
		}
		if c, ok := r.ContactOf(u); ok {
			out = append(out, "contact:"+string(c))
		} else {
			out = append(out, string(u))
		}
	}
	if len(out) == 0 {
		return []string{selfComponent}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func keyOf(comps []string) Key {
	sum := sha256.Sum256([]byte(strings.Join(comps, "\n")))
	return Key(hex.EncodeToString(sum[:16]))
}

// KeyFor returns the discussion key a message with these participants would have, for
// the composer to show the discussion a new message will join.
func KeyFor(r Resolver, participants []model.IdentityURI) Key {
	uris := slices.Clone(participants)
	slices.Sort(uris)
	return keyOf(components(r, slices.Compact(uris)))
}
