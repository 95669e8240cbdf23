package autocrypt

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// MaxHeaderSize is the largest Autocrypt header accepted (Level 1: MUST NOT exceed 10 KiB).
const MaxHeaderSize = 10 << 10

// Preference is the prefer-encrypt attribute.
type Preference string

const (
	NoPreference Preference = "nopreference"
	Mutual       Preference = "mutual"
)

// Header is one Autocrypt or Autocrypt-Gossip header.
type Header struct {
	Addr          string // lower case
	PreferEncrypt Preference
	KeyData       []byte // binary OpenPGP transferable public key
}

// Errors a header can be refused for.
var (
	ErrTooLarge        = errors.New("autocrypt: header larger than 10 KiB")
	ErrMalformed       = errors.New("autocrypt: malformed attribute")
	ErrUnknownCritical = errors.New("autocrypt: unknown critical attribute")
	ErrMissing         = errors.New("autocrypt: addr or keydata missing")
	ErrKeydataNotLast  = errors.New("autocrypt: keydata is not the last attribute")
	ErrBadKey          = errors.New("autocrypt: keydata is not an OpenPGP public key")
)

// ParseHeader reads a header value strictly as Level 1 says: addr and keydata required,
// keydata last, no attribute twice, unknown attributes invalidate the header unless their
// name starts with "_".
func ParseHeader(value string) (Header, error) {
	if len(value) > MaxHeaderSize {
		return Header{}, ErrTooLarge
	}
	var h Header
	seen := map[string]bool{}
	attrs := strings.Split(value, ";")
	for i, a := range attrs {
		a = strings.TrimSpace(a)
		if a == "" && i == len(attrs)-1 {
			continue // a trailing ";"
		}
		name, val, ok := strings.Cut(a, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return Header{}, fmt.Errorf("%w: %q", ErrMalformed, truncate(a))
		}
		if seen[name] {
			return Header{}, fmt.Errorf("%w: %s twice", ErrMalformed, name)
		}
		seen[name] = true
		if seen["keydata"] && name != "keydata" {
			return Header{}, ErrKeydataNotLast
		}
		switch {
		case name == "addr":
			h.Addr = strings.ToLower(strings.TrimSpace(val))
		case name == "prefer-encrypt":
			h.PreferEncrypt = NoPreference
			if strings.TrimSpace(val) == string(Mutual) {
				h.PreferEncrypt = Mutual
			}
		case name == "keydata":
			kd, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(val), ""))
			if err != nil {
				return Header{}, fmt.Errorf("%w: keydata is not base64", ErrMalformed)
			}
			h.KeyData = kd
		case strings.HasPrefix(name, "_"):
			// non-critical: ignored
		default:
			return Header{}, fmt.Errorf("%w: %s", ErrUnknownCritical, name)
		}
	}
	if h.Addr == "" || len(h.KeyData) == 0 {
		return Header{}, ErrMissing
	}
	if h.PreferEncrypt == "" {
		h.PreferEncrypt = NoPreference
	}
	if _, err := crypto.NewKey(h.KeyData); err != nil {
		return Header{}, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return h, nil
}

// Select returns the one valid header of a message whose addr is the From address. Level 1:
// with no valid header, or more than one, the message has none.
func Select(values []string, from string) (Header, bool) {
	from = strings.ToLower(strings.TrimSpace(from))
	var found []Header
	for _, v := range values {
		h, err := ParseHeader(v)
		if err == nil && h.Addr == from {
			found = append(found, h)
		}
	}
	if len(found) != 1 {
		return Header{}, false
	}
	return found[0], true
}

// String formats the header value. The key data is cut in space-separated chunks so a header
// writer folds it into short lines; readers drop the whitespace.
func (h Header) String() string {
	var b strings.Builder
	b.WriteString("addr=" + h.Addr + "; ")
	if h.PreferEncrypt == Mutual {
		b.WriteString("prefer-encrypt=mutual; ")
	}
	b.WriteString("keydata=")
	kd := base64.StdEncoding.EncodeToString(h.KeyData)
	for len(kd) > 0 {
		n := min(72, len(kd))
		b.WriteString(" " + kd[:n])
		kd = kd[n:]
	}
	return b.String()
}

// GossipString formats the header as an Autocrypt-Gossip value (no prefer-encrypt).
func (h Header) GossipString() string {
	h.PreferEncrypt = NoPreference
	return h.String()
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
