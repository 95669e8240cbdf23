package privacy

import (
	"slices"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// KeyState is what the user knows of an identity's OpenPGP key.
type KeyState int

const (
	KeyNone     KeyState = iota // no key known
	KeyKnown                    // a key learned (Autocrypt, WKD, attached), not verified
	KeyVerified                 // a key the user verified (fingerprint compared, or signed mail checked by them)
)

func (k KeyState) String() string {
	switch k {
	case KeyKnown:
		return "known"
	case KeyVerified:
		return "verified"
	}
	return "none"
}

// Person is what the index needs to know of one identity.
type Person struct {
	// Name is how advice names the person ("Alice"); the address when empty.
	Name string
	// Known is true when the identity belongs to a contact the user knows: someone they
	// wrote to, imported, or confirmed. Every sender gets a contact record; that alone does
	// not make them known.
	Known bool
	Key   KeyState
	// Others are the other identities of the same contact (its email address when this is
	// their Mastodon handle...), so advice can point to a more private channel.
	Others []model.IdentityURI
}

// People answers questions about identities. Implementations must be pure lookups: the
// index is recomputed by calling again after the facts change.
type People interface {
	Person(model.IdentityURI) Person
}

// PeopleMap is a People held in a map; identities absent from it are unknown, keyless
// strangers.
type PeopleMap map[model.IdentityURI]Person

// Person returns the facts of one identity.
func (m PeopleMap) Person(u model.IdentityURI) Person { return m[u] }

// BookPeople reads names and sibling identities from the contact book and the rest from
// the maps the core keeps (keys from the OpenPGP layer, known contacts from the user's own
// mail, imports and confirmations).
type BookPeople struct {
	Book  *contacts.Book
	Keys  map[model.IdentityURI]KeyState
	Known map[contacts.ContactID]bool
}

// Person returns the facts of one identity.
func (b BookPeople) Person(u model.IdentityURI) Person {
	p := Person{Key: b.Keys[u]}
	if b.Book == nil {
		return p
	}
	id, ok := b.Book.ContactOf(u)
	if !ok {
		return p
	}
	c, _ := b.Book.Contact(id)
	p.Name, p.Known = c.Name, b.Known[id]
	for _, o := range c.Identities {
		if o != u {
			p.Others = append(p.Others, o)
		}
	}
	return p
}

// displayName is how a sentence names an identity.
func displayName(p Person, u model.IdentityURI) string {
	if p.Name != "" {
		return p.Name
	}
	if a := u.Address(); a != "" {
		return a
	}
	return "this correspondent"
}

// others returns the participants other than the user (the author included for an
// incoming message, the recipients for an outgoing one), each once.
func others(m model.Message, own func(model.IdentityURI) bool) []model.IdentityURI {
	var out []model.IdentityURI
	for _, p := range m.Participants {
		if p.Role == model.RoleList || p.URI == "" || own(p.URI) || slices.Contains(out, p.URI) {
			continue
		}
		out = append(out, p.URI)
	}
	return out
}
