package identity

import (
	"fmt"
	"strings"

	"caliopen/wasm/model"
)

// List normalises a List-Id header value (RFC 2919: `Phrase <list-label.example.org>` or a
// bare id) into a list pseudo-identity, list:<id>, lower-cased.
func List(header string) (model.IdentityURI, error) {
	h := strings.TrimSpace(header)
	if h == "" {
		return "", ErrEmpty
	}
	if i := strings.LastIndexByte(h, '<'); i >= 0 {
		j := strings.IndexByte(h[i:], '>')
		if j < 0 {
			return "", fmt.Errorf("identity: unterminated List-Id %q", truncate(h))
		}
		h = h[i+1 : i+j]
	}
	h = strings.ToLower(strings.TrimSpace(h))
	if h == "" || len(h) > 255 || strings.ContainsFunc(h, func(r rune) bool {
		return r <= ' ' || r == '<' || r == '>' || r == '"' || r >= 0x7f
	}) {
		return "", fmt.Errorf("identity: invalid List-Id %q", truncate(header))
	}
	return model.IdentityURI(string(model.List) + ":" + h), nil
}
