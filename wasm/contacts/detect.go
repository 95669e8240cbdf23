package contacts

import (
	"fmt"
	"strings"

	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

// Key is what the OpenPGP layer knows of one public key.
type Key struct {
	Fingerprint string
	// UserIDs are the key's user ids as written ("Alice <alice@example.org>").
	UserIDs []string
	// SeenFor are identities the key is proven for: messages from them carrying a valid
	// signature by the key, or Autocrypt headers of mail that passed DKIM.
	SeenFor []model.IdentityURI
}

// Signature is the text of an email's signature (or its body: the signature block is found
// here) and its author.
type Signature struct {
	From model.IdentityURI
	Text string
}

// Facts is what Detect looks at.
type Facts struct {
	Identities []model.Identity // with their profiles
	Keys       []Key
	Signatures []Signature
}

// Detect finds link evidence in the facts. It only links identities it is given (or, for
// keys, the addresses their user ids name); it never guesses an address.
func Detect(f Facts) []Evidence {
	d := newDirectory(f.Identities)
	var out []Evidence
	for _, k := range f.Keys {
		out = append(out, keyEvidence(k)...)
	}
	out = append(out, d.verifiedLinks()...)
	out = append(out, d.claims()...)
	out = append(out, d.nameAvatar()...)
	for _, s := range f.Signatures {
		out = append(out, d.signature(s)...)
	}
	return out
}

func keyEvidence(k Key) []Evidence {
	fp := strings.ToUpper(k.Fingerprint)
	var out []Evidence
	if seen := sortedURIs(k.SeenFor); len(seen) > 1 {
		out = append(out, newEvidence(KindOpenPGPKey, Strong,
			fmt.Sprintf("Messages from %[2]s carry valid signatures by the same OpenPGP key %[1]s.", short(fp), join(seen)), seen,
			Fact{Name: "fingerprint", Value: fp}))
	}
	var named []model.IdentityURI
	var facts []Fact
	for _, uid := range k.UserIDs {
		a, err := identity.ParseEmail(uid)
		if err != nil {
			continue
		}
		named = append(named, a.URI)
		facts = append(facts, Fact{Identity: a.URI, Name: "user id", Value: uid})
	}
	if named = sortedURIs(named); len(named) > 1 {
		out = append(out, newEvidence(KindOpenPGPUserIDs, Strong,
			fmt.Sprintf("OpenPGP key %s has user ids for %s.", short(fp), join(named)), named,
			append(facts, Fact{Name: "fingerprint", Value: fp})...))
	}
	return out
}
