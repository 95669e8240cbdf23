package identity

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"caliopen/wasm/model"
)

// ErrEmpty is returned for an empty address.
var ErrEmpty = errors.New("identity: empty address")

// maxAddressLen bounds what we accept: RFC 5321 allows 254 octets for a path.
const maxAddressLen = 320

// Address is a normalised identity with the display name the source gave, if any.
type Address struct {
	URI  model.IdentityURI
	Name string
}

var domainProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// Email normalises a bare email address ("Alice@Example.ORG") into its identity URI.
func Email(addr string) (model.IdentityURI, error) {
	a := strings.TrimSpace(addr)
	a = strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">")
	a = strings.TrimPrefix(strings.TrimPrefix(a, "mailto:"), "MAILTO:")
	if a == "" {
		return "", ErrEmpty
	}
	if len(a) > maxAddressLen || !utf8.ValidString(a) {
		return "", fmt.Errorf("identity: invalid email address %q", truncate(a))
	}
	at := strings.LastIndexByte(a, '@')
	if at <= 0 || at == len(a)-1 {
		return "", fmt.Errorf("identity: email address %q has no local part or domain", truncate(a))
	}
	local, domain := a[:at], a[at+1:]
	if strings.ContainsFunc(local, invalidLocalRune) {
		return "", fmt.Errorf("identity: invalid local part in %q", truncate(a))
	}
	d, err := Domain(domain)
	if err != nil {
		return "", err
	}
	local = strings.ToLower(norm.NFC.String(local))
	return model.IdentityURI("email:" + local + "@" + d), nil
}

// ParseEmail parses one header address ("Alice Doe <Alice@Example.org>", a bare address, or
// an address with an RFC 2047 encoded name) into its URI and display name.
func ParseEmail(header string) (Address, error) {
	h := strings.TrimSpace(header)
	if h == "" {
		return Address{}, ErrEmpty
	}
	if len(h) > 4*maxAddressLen {
		return Address{}, fmt.Errorf("identity: address header too long")
	}
	if a, err := mail.ParseAddress(h); err == nil {
		uri, err := Email(a.Address)
		if err != nil {
			return Address{}, err
		}
		return Address{URI: uri, Name: cleanName(a.Name)}, nil
	}
	// Lenient fallback for what net/mail refuses but mail clients still send:
	// `Name <addr>` with unquoted specials, or a bare address with odd characters.
	name, addr := h, h
	if i := strings.LastIndexByte(h, '<'); i >= 0 && strings.HasSuffix(h, ">") {
		name, addr = h[:i], h[i+1:len(h)-1]
	} else {
		name = ""
	}
	uri, err := Email(addr)
	if err != nil {
		return Address{}, err
	}
	return Address{URI: uri, Name: cleanName(strings.Trim(strings.TrimSpace(name), `"`))}, nil
}

// ParseEmailList parses an address-list header (To, Cc). Addresses that cannot be parsed are
// skipped and reported together in the error; the good ones are still returned.
func ParseEmailList(header string) ([]Address, error) {
	if strings.TrimSpace(header) == "" {
		return nil, nil
	}
	if list, err := mail.ParseAddressList(header); err == nil {
		out := make([]Address, 0, len(list))
		var errs []error
		for _, a := range list {
			uri, err := Email(a.Address)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, Address{URI: uri, Name: cleanName(a.Name)})
		}
		return out, errors.Join(errs...)
	}
	var out []Address
	var errs []error
	for _, part := range splitAddressList(header) {
		a, err := ParseEmail(part)
		if err != nil {
			if !errors.Is(err, ErrEmpty) {
				errs = append(errs, err)
			}
			continue
		}
		out = append(out, a)
	}
	return out, errors.Join(errs...)
}

// Domain normalises a host name: IDNA mapping (which lower-cases and NFC-normalises), then the
// ASCII (punycode) form so that "exämple.org" and "xn--exmple-cua.org" are one domain.
func Domain(host string) (string, error) {
	h := strings.TrimSuffix(strings.TrimSpace(host), ".")
	if h == "" {
		return "", fmt.Errorf("identity: empty domain")
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") { // address literal
		return strings.ToLower(h), nil
	}
	if !utf8.ValidString(h) || strings.ContainsRune(h, utf8.RuneError) {
		return "", fmt.Errorf("identity: invalid domain %q", truncate(h))
	}
	d, err := domainProfile.ToASCII(h)
	if err == nil {
		// A domain must be a fixed point, or two spellings could give two identities.
		if again, err2 := domainProfile.ToASCII(d); err2 != nil || again != d {
			err = fmt.Errorf("unstable")
		}
	}
	if err != nil || d == "" || strings.ContainsAny(d, " @/\\<>\"[]") || emptyLabel(d) {
		return "", fmt.Errorf("identity: invalid domain %q", truncate(h))
	}
	return strings.ToLower(d), nil
}

func emptyLabel(d string) bool {
	return strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") || strings.Contains(d, "..")
}

// splitAddressList splits on commas outside quotes and angle brackets.
func splitAddressList(s string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == '<':
			depth++
		case r == '>' && depth > 0:
			depth--
		case r == ',' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func invalidLocalRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == '>'
}

func cleanName(n string) string {
	n = strings.Join(strings.Fields(n), " ")
	return strings.ToValidUTF8(n, "")
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
