package pgp

import (
	"regexp"
	"strings"

	"caliopen/wasm/mail"
)

// legacyDisplayParam marks a text part that starts with a copy of the protected headers for
// clients without header protection (RFC 9788 section 4.3); such a part exists only in a
// message with protected headers.
var legacyDisplayParam = regexp.MustCompile(`(?i)hp-legacy-display\s*=\s*"?1"?`)

// hideLegacyDisplay removes what only clients without header protection need: the header
// lines at the top of a part marked hp-legacy-display (RFC 9788), and the older
// text/rfc822-headers part of protected-headers="v1" messages, since the real headers are
// already applied.
func hideLegacyDisplay(p *mail.Parsed, innerHeader, innerBody []byte) {
	kept := p.Body.Attachments[:0]
	for _, a := range p.Body.Attachments {
		if a.ContentType != "text/rfc822-headers" {
			kept = append(kept, a)
		}
	}
	p.Body.Attachments = kept
	p.Message.HasAttachments = len(kept) > 0
	if !legacyDisplayParam.Match(innerHeader) && !legacyDisplayParam.Match(innerBody) {
		return
	}
	block, rest, ok := leadingHeaderBlock(p.Body.Text)
	if !ok {
		return
	}
	p.Body.Text = rest
	p.Message.Snippet = strings.TrimSpace(strings.TrimPrefix(p.Message.Snippet, strings.Join(strings.Fields(block), " ")))
}

// leadingHeaderBlock splits text after its first lines when they all look like header
// fields ("Name: value") and end with an empty line.
func leadingHeaderBlock(text string) (block, rest string, ok bool) {
	end := strings.Index(text, "\n\n")
	if end <= 0 {
		return "", "", false
	}
	for _, line := range strings.Split(text[:end], "\n") {
		name, _, found := strings.Cut(line, ":")
		if !found || name == "" || strings.ContainsAny(name, " \t") {
			return "", "", false
		}
	}
	return text[:end], strings.TrimLeft(text[end:], "\n"), true
}
