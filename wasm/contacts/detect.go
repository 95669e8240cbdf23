package contacts

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
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

// signatureBlock is the text after the last "-- " line, or the last eight lines.
func signatureBlock(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimRight(lines[i], " "); l == "--" {
			return strings.Join(lines[i+1:], "\n")
		}
	}
	return strings.Join(lines[max(0, len(lines)-8):], "\n")
}

var (
	urlRe  = regexp.MustCompile(`https?://[^\s<>"')]+`)
	acctRe = regexp.MustCompile(`@?[A-Za-z0-9_][A-Za-z0-9_.-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+`)
)

// mastodonRefs finds Mastodon accounts named in text: "@user@host" and profile URLs.
func mastodonRefs(text string) []model.IdentityURI {
	var out []model.IdentityURI
	for _, u := range urlRe.FindAllString(text, -1) {
		if a, err := identity.Mastodon(strings.TrimRight(u, ".,;"), ""); err == nil {
			out = append(out, a.URI)
		}
	}
	for _, s := range acctRe.FindAllString(urlRe.ReplaceAllString(text, " "), -1) {
		if a, err := identity.Mastodon(strings.TrimRight(s, "."), ""); err == nil {
			out = append(out, a.URI)
		}
	}
	return out
}

var xFieldName = regexp.MustCompile(`(?i)^\s*(x|twitter|x\.com|twitter\.com)\s*$`)

// xRefs finds X handles named in text by profile URL.
func xRefs(text string) []string {
	var out []string
	for _, u := range urlRe.FindAllString(text, -1) {
		if h, ok := identity.XHandleFromURL(u); ok {
			out = append(out, h)
		}
	}
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, "x.com/") || strings.HasPrefix(f, "twitter.com/") {
			if h, ok := identity.XHandleFromURL(f); ok {
				out = append(out, h)
			}
		}
	}
	return out
}

// profileTexts are the texts of a profile where claims are made; a field named "X" or
// "Twitter" whose value is a bare handle is rewritten as the profile URL it means.
func profileTexts(id model.Identity) []string {
	if id.Profile == nil {
		return nil
	}
	texts := []string{id.Profile.Note}
	texts = append(texts, id.Profile.URLs...)
	for _, f := range id.Profile.Fields {
		if xFieldName.MatchString(f.Name) {
			if h, err := identity.XHandle(f.Value); err == nil {
				texts = append(texts, "https://x.com/"+h)
			}
		}
		texts = append(texts, f.Value, f.URL)
	}
	return slices.DeleteFunc(texts, func(s string) bool { return s == "" })
}

// profileURLs are the normalised URLs an identity's profile claims.
func profileURLs(id model.Identity) []string {
	if id.Profile == nil {
		return nil
	}
	var out []string
	add := func(u string) {
		if n := normURL(u); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, u := range id.Profile.URLs {
		add(u)
	}
	for _, f := range id.Profile.Fields {
		add(fieldURL(f))
	}
	for _, u := range urlRe.FindAllString(id.Profile.Note, -1) {
		add(u)
	}
	return out
}

func fieldURL(f model.ProfileField) string {
	if f.URL != "" {
		return f.URL
	}
	return urlRe.FindString(f.Value)
}

// normURL makes URLs comparable: https, lower-case host without "www.", no trailing slash,
// no query or fragment.
func normURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	return "https://" + host + strings.TrimRight(u.EscapedPath(), "/")
}

func display(id model.Identity) string {
	switch {
	case id.Handle != "":
		return id.Handle
	case id.URI != "":
		return id.URI.Address()
	}
	return "an unknown identity"
}

func join(ids []model.IdentityURI) string {
	s := make([]string, len(ids))
	for i, u := range ids {
		s[i] = readable(u)
	}
	return strings.Join(s, ", ")
}

// readable writes a URI the way people write that network's addresses.
func readable(u model.IdentityURI) string {
	switch u.Network() {
	case model.Mastodon:
		return "@" + u.Address()
	case model.X:
		return "X user " + u.Address()
	}
	return u.Address()
}

func short(fp string) string {
	if len(fp) > 16 {
		return fp[len(fp)-16:]
	}
	return fp
}
