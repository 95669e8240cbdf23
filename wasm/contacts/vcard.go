package contacts

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-vcard"

	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

// Card is what one vCard (3.0 or 4.0) says about a person's addresses.
type Card struct {
	Name       string
	Identities []model.IdentityURI // email and Mastodon addresses, normalised
	XHandles   []string            // X handles: the card has no numeric id; see CardEvidence
	URLs       []string
	Keys       []string // KEY values as written (data URI, URL or armored text)
}

// ReadVCards reads every card of a .vcf stream. Addresses that do not parse are skipped.
func ReadVCards(r io.Reader) ([]Card, error) {
	dec := vcard.NewDecoder(r)
	var cards []Card
	for {
		c, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			return cards, nil
		}
		if err != nil {
			return cards, fmt.Errorf("contacts: vcard %d: %w", len(cards)+1, err)
		}
		cards = append(cards, readCard(c))
	}
}

func readCard(c vcard.Card) Card {
	out := Card{Name: c.PreferredValue(vcard.FieldFormattedName)}
	addID := func(u model.IdentityURI) {
		if !slices.Contains(out.Identities, u) {
			out.Identities = append(out.Identities, u)
		}
	}
	addX := func(h string) {
		if !slices.ContainsFunc(out.XHandles, func(x string) bool { return strings.EqualFold(x, h) }) {
			out.XHandles = append(out.XHandles, h)
		}
	}
	// link sorts a profile URL or handle into the address lists.
	link := func(v, network string) {
		v = strings.TrimSpace(v)
		if h, ok := identity.XHandleFromURL(v); ok {
			addX(h)
			return
		}
		if network == "twitter" || network == "x" {
			if h, err := identity.XHandle(v); err == nil {
				addX(h)
			}
			return
		}
		if a, err := identity.Mastodon(v, ""); err == nil && (network == "mastodon" || strings.HasPrefix(v, "http")) {
			addID(a.URI)
		}
	}
	for _, v := range c.Values(vcard.FieldEmail) {
		if u, err := identity.Email(v); err == nil {
			addID(u)
		}
	}
	for _, f := range c[vcard.FieldIMPP] {
		scheme, rest, _ := strings.Cut(f.Value, ":")
		switch strings.ToLower(scheme) {
		case "mailto":
			if u, err := identity.Email(rest); err == nil {
				addID(u)
			}
		case "mastodon", "x", "twitter":
			link(rest, strings.ToLower(scheme))
		}
	}
	for _, f := range c["X-SOCIALPROFILE"] {
		network := strings.ToLower(f.Params.Get(vcard.ParamType))
		if user := f.Params.Get("X-USER"); user != "" && (network == "twitter" || network == "x") {
			link(user, network)
			continue
		}
		link(f.Value, network)
	}
	for _, v := range c.Values(vcard.FieldURL) {
		out.URLs = append(out.URLs, v)
		link(v, "")
	}
	out.Keys = c.Values(vcard.FieldKey)
	return out
}

// CardEvidence is the strong evidence an imported card gives: all its addresses are one
// person. X handles are resolved against the known identities (an X identity is keyed by
// its numeric id, which a card does not carry). ok is false when the card names fewer than
// two known or normalisable identities.
func CardEvidence(c Card, known []model.Identity) (Evidence, bool) {
	ids := slices.Clone(c.Identities)
	facts := []Fact{{Name: "card", Value: c.Name}}
	for _, h := range c.XHandles {
		for _, k := range known {
			if k.URI.Network() == model.X && strings.EqualFold(strings.TrimPrefix(k.Handle, "@"), h) {
				ids = append(ids, k.URI)
				facts = append(facts, Fact{Identity: k.URI, Name: "X handle", Value: "@" + h})
			}
		}
	}
	ids = sortedURIs(ids)
	if len(ids) < 2 {
		return Evidence{}, false
	}
	name := c.Name
	if name == "" {
		name = "An imported contact card"
	}
	return newEvidence(KindVCard, Strong, fmt.Sprintf("The contact card %q lists %s.", name, join(ids)), ids, facts...), true
}
