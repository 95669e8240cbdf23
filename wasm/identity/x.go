package identity

import (
	"fmt"
	"net/url"
	"strings"

	"caliopen/wasm/model"
)

// XAccount is an X (Twitter) account: keyed by its numeric id, which never changes, with the
// handle (which can) kept for display and matching.
type XAccount struct {
	URI    model.IdentityURI // x:<numeric id>
	Handle string            // "@Tapioca42", case kept; may be empty
}

// X normalises an X account from its numeric user id and, optionally, its handle.
func X(id, handle string) (XAccount, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return XAccount{}, ErrEmpty
	}
	if len(id) > 20 || strings.Trim(id, "0123456789") != "" {
		return XAccount{}, fmt.Errorf("identity: x user id %q is not numeric", truncate(id))
	}
	id = strings.TrimLeft(id, "0")
	if id == "" {
		return XAccount{}, fmt.Errorf("identity: x user id is zero")
	}
	a := XAccount{URI: model.IdentityURI("x:" + id)}
	if handle != "" {
		h, err := XHandle(handle)
		if err != nil {
			return XAccount{}, err
		}
		a.Handle = "@" + h
	}
	return a, nil
}

// XHandle extracts a handle from "@Tapioca42", "Tapioca42", "https://x.com/Tapioca42" or
// "twitter.com/Tapioca42", keeping its case. Compare handles with strings.EqualFold.
func XHandle(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ErrEmpty
	}
	if h, ok := xHandleFromURL(s); ok {
		s = h
	}
	s = strings.TrimPrefix(s, "@")
	if !validXHandle(s) {
		return "", fmt.Errorf("identity: invalid x handle %q", truncate(s))
	}
	return s, nil
}

// XHandleFromURL returns the handle of an x.com or twitter.com profile URL.
func XHandleFromURL(s string) (string, bool) {
	h, ok := xHandleFromURL(s)
	if !ok || !validXHandle(h) {
		return "", false
	}
	return h, true
}

var xHosts = map[string]bool{
	"x.com": true, "www.x.com": true, "twitter.com": true, "www.twitter.com": true,
	"mobile.twitter.com": true, "mobile.x.com": true,
}

func xHandleFromURL(s string) (string, bool) {
	if !strings.Contains(s, "://") {
		if !strings.Contains(s, "/") {
			return "", false
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || !xHosts[strings.ToLower(u.Hostname())] {
		return "", false
	}
	first, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	return strings.TrimPrefix(first, "@"), first != ""
}

// validXHandle: 1 to 15 letters, digits or underscores.
func validXHandle(h string) bool {
	if h == "" || len(h) > 15 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
