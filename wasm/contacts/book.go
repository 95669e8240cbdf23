package contacts

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"

	"caliopen/wasm/model"
)

// ContactID names a contact.
type ContactID string

// IDFor is the id of the contact OpEnsure creates for an identity: the same on every device.
func IDFor(uri model.IdentityURI) ContactID {
	sum := sha256.Sum256([]byte(uri))
	return ContactID("c-" + hex.EncodeToString(sum[:10]))
}

// Contact is a person and the identities the book says are theirs.
type Contact struct {
	ID         ContactID
	Name       string
	Identities []model.IdentityURI // sorted
}

// Book holds the contacts and the identities they own. It is not safe for concurrent use.
//
// A contact is a connected component of the identity link graph (see links.go): identities
// the book was given (Ensure) joined by the links the user's merges added and their splits did
// not remove. Its id derives from the component's smallest identity, so every device that
// holds the same links names it the same.
type Book struct {
	// AutoMergeStrong makes Consider merge on strong evidence without asking (default on).
	AutoMergeStrong bool

	graph      linkGraph
	contacts   map[ContactID]*Contact
	owner      map[model.IdentityURI]ContactID
	identities map[model.IdentityURI]model.Identity
	own        map[model.IdentityURI]bool
	evidence   []Evidence
	dismissed  map[string]Strength
	pending    map[string]Suggestion // by evidence key
	considered map[string]bool       // evidence keys already acted on
	applied    map[string]bool       // op ids already applied
	log        []Op
}

// NewBook returns an empty book with automatic merging on strong evidence.
func NewBook() *Book {
	return &Book{
		AutoMergeStrong: true,
		graph:           newLinkGraph(),
		contacts:        map[ContactID]*Contact{},
		owner:           map[model.IdentityURI]ContactID{},
		identities:      map[model.IdentityURI]model.Identity{},
		own:             map[model.IdentityURI]bool{},
		dismissed:       map[string]Strength{},
		pending:         map[string]Suggestion{},
		considered:      map[string]bool{},
		applied:         map[string]bool{},
	}
}

// ContactOf returns the contact owning an identity.
func (b *Book) ContactOf(uri model.IdentityURI) (ContactID, bool) {
	c, ok := b.owner[uri]
	return c, ok
}

// Contact returns a copy of a contact.
func (b *Book) Contact(id ContactID) (Contact, bool) {
	c, ok := b.contacts[id]
	if !ok {
		return Contact{}, false
	}
	return Contact{ID: c.ID, Name: c.Name, Identities: slices.Clone(c.Identities)}, true
}

// Contacts returns copies of all contacts, sorted by id.
func (b *Book) Contacts() []Contact {
	out := make([]Contact, 0, len(b.contacts))
	for id := range b.contacts {
		c, _ := b.Contact(id)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// PutIdentity records what a network says about an identity (name, handle, profile). It does
// not create a contact: Ensure does.
func (b *Book) PutIdentity(id model.Identity) {
	b.identities[id.URI] = id
	if id.Own {
		b.own[id.URI] = true
	}
}

// Identity returns what is known about an identity.
func (b *Book) Identity(uri model.IdentityURI) (model.Identity, bool) {
	id, ok := b.identities[uri]
	return id, ok
}

// Identities returns every identity put in the book, sorted by URI.
func (b *Book) Identities() []model.Identity {
	out := make([]model.Identity, 0, len(b.identities))
	for _, id := range b.identities {
		out = append(out, id)
	}
	slices.SortFunc(out, func(a, c model.Identity) int { return compareURI(a.URI, c.URI) })
	return out
}

// SetOwn marks an identity as one of the user's own (an account's address).
func (b *Book) SetOwn(uri model.IdentityURI) {
	b.own[uri] = true
}

// Own returns the user's own identities, sorted.
func (b *Book) Own() []model.IdentityURI {
	out := make([]model.IdentityURI, 0, len(b.own))
	for u := range b.own {
		out = append(out, u)
	}
	slices.SortFunc(out, compareURI)
	return out
}

// IsOwn reports whether an identity is one of the user's own.
func (b *Book) IsOwn(uri model.IdentityURI) bool { return b.own[uri] }

// Log returns the operations applied so far, in order.
func (b *Book) Log() []Op { return slices.Clone(b.log) }

// Links returns the evidence that links identities of a contact together.
func (b *Book) Links(id ContactID) []Evidence {
	c, ok := b.contacts[id]
	if !ok {
		return nil
	}
	var out []Evidence
	for _, e := range b.evidence {
		inside := len(e.Identities) > 1
		for _, u := range e.Identities {
			if !slices.Contains(c.Identities, u) {
				inside = false
				break
			}
		}
		if inside {
			out = append(out, e)
		}
	}
	return out
}

func (b *Book) nameFor(uri model.IdentityURI) string {
	if id, ok := b.identities[uri]; ok {
		if id.DisplayName != "" {
			return id.DisplayName
		}
		if id.Handle != "" {
			return id.Handle
		}
	}
	return uri.Address()
}

func compareURI(a, b model.IdentityURI) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("contacts: "+format, args...)
}
