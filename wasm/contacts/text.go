package contacts

import (
	"net/url"
	"regexp"
	"slices"
	"strings"

	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

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

// maxSignature bounds what SignatureNaming keeps of a signature block.
const maxSignature = 1000

// SignatureNaming returns the signature block of an email's text (after the last "-- " line,
// else its last lines) when it names a Mastodon account or an X handle, the facts Detect can
// link to the sender; else "". Mail text is untrusted: the block kept is bounded.
func SignatureNaming(text string) string {
	block := strings.TrimSpace(signatureBlock(text))
	if len(block) > maxSignature {
		return ""
	}
	if len(mastodonRefs(block)) > 0 || len(xRefs(block)) > 0 {
		return block
	}
	for _, tok := range strings.Fields(block) {
		if h, ok := strings.CutPrefix(strings.Trim(tok, ",;()"), "@"); ok && !strings.Contains(h, "@") {
			if _, err := identity.XHandle(h); err == nil {
				return block
			}
		}
	}
	return ""
}
