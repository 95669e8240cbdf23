package contacts

import (
	"fmt"
	"slices"
	"strings"

	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

// directory indexes identities by what other profiles may name them by.
type directory struct {
	ids      []model.Identity
	byURI    map[model.IdentityURI]model.Identity
	xHandle  map[string]model.IdentityURI // lower-cased handle → x identity
	claimsOf map[string][]model.IdentityURI
}

func newDirectory(ids []model.Identity) *directory {
	d := &directory{byURI: map[model.IdentityURI]model.Identity{}, xHandle: map[string]model.IdentityURI{},
		claimsOf: map[string][]model.IdentityURI{}}
	d.ids = slices.Clone(ids)
	slices.SortFunc(d.ids, func(a, b model.Identity) int { return compareURI(a.URI, b.URI) })
	for _, id := range d.ids {
		d.byURI[id.URI] = id
		if id.URI.Network() == model.X && id.Handle != "" {
			if h, err := identity.XHandle(id.Handle); err == nil {
				d.xHandle[strings.ToLower(h)] = id.URI
			}
		}
		for _, u := range profileURLs(id) {
			d.claimsOf[u] = append(d.claimsOf[u], id.URI)
		}
	}
	return d
}

// verifiedLinks: a Mastodon field verified by the server names a URL another identity also
// claims in its profile.
func (d *directory) verifiedLinks() []Evidence {
	var out []Evidence
	for _, m := range d.ids {
		if m.URI.Network() != model.Mastodon || m.Profile == nil {
			continue
		}
		for _, f := range m.Profile.Fields {
			u := normURL(fieldURL(f))
			if f.VerifiedAt.IsZero() || u == "" {
				continue
			}
			for _, other := range d.claimsOf[u] {
				if other == m.URI {
					continue
				}
				out = append(out, newEvidence(KindVerifiedLink, Strong,
					fmt.Sprintf("%s verified on %s that %s links back to %s, and %s names the same site.",
						m.URI.Address()[strings.IndexByte(m.URI.Address(), '@')+1:], f.VerifiedAt.Format("2006-01-02"),
						u, display(m), display(d.byURI[other])),
					[]model.IdentityURI{m.URI, other},
					Fact{Identity: m.URI, Name: "verified field " + f.Name, Value: u},
					Fact{Identity: other, Name: "profile link", Value: u}))
			}
		}
	}
	return out
}

// claims: an X profile and a Mastodon profile naming each other (medium), or only one
// naming the other (weak).
func (d *directory) claims() []Evidence {
	var out []Evidence
	for _, x := range d.ids {
		if x.URI.Network() != model.X {
			continue
		}
		xHandle, err := identity.XHandle(x.Handle)
		if err != nil {
			continue
		}
		claimed := map[model.IdentityURI]string{}
		for _, text := range profileTexts(x) {
			for _, m := range mastodonRefs(text) {
				if id, ok := d.byURI[m]; ok && id.URI.Network() == model.Mastodon {
					claimed[m] = text
				}
			}
		}
		for _, m := range d.ids {
			if m.URI.Network() != model.Mastodon {
				continue
			}
			back := ""
			for _, text := range profileTexts(m) {
				if slices.ContainsFunc(xRefs(text), func(h string) bool { return strings.EqualFold(h, xHandle) }) {
					back = text
					break
				}
			}
			there, named := claimed[m.URI]
			pair := []model.IdentityURI{x.URI, m.URI}
			switch {
			case named && back != "":
				out = append(out, newEvidence(KindTwoWayClaim, Medium,
					fmt.Sprintf("%s's X profile names %s, and that Mastodon profile names %s back. Claimed, not verified.",
						display(x), display(m), display(x)), pair,
					Fact{Identity: x.URI, Name: "X profile", Value: there},
					Fact{Identity: m.URI, Name: "Mastodon profile", Value: back}))
			case named:
				out = append(out, newEvidence(KindOneWayClaim, Weak,
					fmt.Sprintf("%s's X profile names %s (not confirmed by the Mastodon profile).", display(x), display(m)),
					pair, Fact{Identity: x.URI, Name: "X profile", Value: there}))
			case back != "":
				out = append(out, newEvidence(KindOneWayClaim, Weak,
					fmt.Sprintf("%s's Mastodon profile names %s (not confirmed by the X profile).", display(m), display(x)),
					pair, Fact{Identity: m.URI, Name: "Mastodon profile", Value: back}))
			}
		}
	}
	return out
}

// nameAvatar: identities with the same display name and the same avatar.
func (d *directory) nameAvatar() []Evidence {
	groups := map[string][]model.IdentityURI{}
	for _, id := range d.ids {
		name := strings.ToLower(strings.Join(strings.Fields(id.DisplayName), " "))
		avatar := id.AvatarSHA256
		if avatar == "" {
			avatar = id.AvatarURL
		}
		if len(name) < 2 || avatar == "" {
			continue
		}
		k := name + "\x00" + avatar
		groups[k] = append(groups[k], id.URI)
	}
	var out []Evidence
	for k, ids := range groups {
		if len(ids) < 2 {
			continue
		}
		name, _, _ := strings.Cut(k, "\x00")
		out = append(out, newEvidence(KindNameAvatar, Weak,
			fmt.Sprintf("%s use the same name (%q) and the same avatar.", join(ids), name), ids,
			Fact{Name: "display name", Value: name}))
	}
	return out
}

// signature: an email signature quoting a known Mastodon or X handle.
func (d *directory) signature(s Signature) []Evidence {
	block := signatureBlock(s.Text)
	var out []Evidence
	seen := map[model.IdentityURI]bool{}
	add := func(u model.IdentityURI) {
		if u == s.From || seen[u] {
			return
		}
		seen[u] = true
		out = append(out, newEvidence(KindSignature, Weak,
			fmt.Sprintf("The email signature of %s quotes %s.", s.From.Address(), display(d.byURI[u])),
			[]model.IdentityURI{s.From, u}, Fact{Identity: s.From, Name: "signature", Value: block}))
	}
	for _, m := range mastodonRefs(block) {
		if _, ok := d.byURI[m]; ok {
			add(m)
		}
	}
	for _, h := range xRefs(block) {
		if u, ok := d.xHandle[strings.ToLower(h)]; ok {
			add(u)
		}
	}
	for _, tok := range strings.Fields(block) {
		if h, ok := strings.CutPrefix(strings.Trim(tok, ",;()"), "@"); ok && !strings.Contains(h, "@") {
			if u, ok := d.xHandle[strings.ToLower(h)]; ok {
				add(u)
			}
		}
	}
	return out
}
