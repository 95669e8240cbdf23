package identity

import (
	"fmt"
	"net/url"
	"strings"

	"caliopen/wasm/model"
)

// MastodonAccount is a normalised Mastodon account: its URI and the handle as people write it.
type MastodonAccount struct {
	URI    model.IdentityURI // mastodon:user@host, lower-cased
	Handle string            // "@User@host", case kept for display
	User   string            // user name, case kept
	Host   string            // normalised host
}

// Mastodon normalises a Mastodon account reference. It accepts an acct ("user@host", a
// local "user", either with a leading "@"), "acct:user@host", and profile URLs
// ("https://host/@user", "https://host/users/user", "https://host/@user@remote").
// instanceHost is the host of the instance the reference came from; a local acct gets it.
func Mastodon(ref, instanceHost string) (MastodonAccount, error) {
	r := strings.TrimSpace(ref)
	if r == "" {
		return MastodonAccount{}, ErrEmpty
	}
	if len(r) > maxAddressLen*2 {
		return MastodonAccount{}, fmt.Errorf("identity: mastodon reference too long")
	}
	if strings.HasPrefix(r, "https://") || strings.HasPrefix(r, "http://") {
		return mastodonURL(r)
	}
	r = strings.TrimPrefix(r, "acct:")
	r = strings.TrimPrefix(r, "@")
	user, host, hasHost := strings.Cut(r, "@")
	if !hasHost {
		host = instanceHost
	}
	return mastodonAcct(user, host)
}

// MastodonURL reports whether s looks like a Mastodon profile URL and parses it.
func mastodonURL(s string) (MastodonAccount, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return MastodonAccount{}, fmt.Errorf("identity: invalid mastodon profile URL %q", truncate(s))
	}
	path := strings.Trim(u.EscapedPath(), "/")
	path, _ = url.PathUnescape(path)
	switch {
	case strings.HasPrefix(path, "@"):
		user, host, remote := strings.Cut(path[1:], "@")
		if !remote {
			host = u.Hostname()
		}
		return mastodonAcct(user, host)
	case strings.HasPrefix(path, "users/"):
		return mastodonAcct(path[len("users/"):], u.Hostname())
	}
	return MastodonAccount{}, fmt.Errorf("identity: %q is not a mastodon profile URL", truncate(s))
}

func mastodonAcct(user, host string) (MastodonAccount, error) {
	if user == "" || !validMastodonUser(user) {
		return MastodonAccount{}, fmt.Errorf("identity: invalid mastodon user name %q", truncate(user))
	}
	if host == "" {
		return MastodonAccount{}, fmt.Errorf("identity: mastodon account %q has no host", truncate(user))
	}
	h, err := Domain(host)
	if err != nil {
		return MastodonAccount{}, err
	}
	return MastodonAccount{
		URI:    model.IdentityURI("mastodon:" + strings.ToLower(user) + "@" + h),
		Handle: "@" + user + "@" + h,
		User:   user,
		Host:   h,
	}, nil
}

// validMastodonUser follows Mastodon's username rule ([a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?,
// case-insensitive), relaxed to accept the characters other ActivityPub servers allow.
func validMastodonUser(u string) bool {
	if len(u) > 64 {
		return false
	}
	for _, r := range u {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '_' || r == '.' || r == '-':
		default:
			return false
		}
	}
	return true
}
