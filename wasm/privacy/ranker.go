package privacy

import (
	"strings"

	"caliopen/wasm/model"
)

// Channel ranks, from 0 to 100: how private a message sent on a channel would be with what
// is known now (see the package documentation). The reply-channel default is the channel
// with the highest rank.
const (
	RankEmailVerifiedKey = 100 // email, both keys known, theirs verified: end-to-end encrypted
	RankEmailKnownKey    = 85  // email, both keys known, theirs not yet verified
	RankEmail            = 40  // email over TLS, not end-to-end encrypted
	RankMastodonSame     = CapMastodonSameInstance
	RankMastodonCross    = CapMastodonCrossInstance
	RankX                = CapX
)

// Ranker ranks reply channels for the reply-channel default; it implements
// discussions.PrivacyRanker: email with both keys known > email over TLS > Mastodon DM on
// the user's own instance > Mastodon DM across instances > X DM.
type Ranker struct {
	People   People
	Accounts []model.Account // the user's accounts (their Mastodon instances)
	OwnKey   bool            // the user has an OpenPGP key of their own
}

// Rank scores sending to one identity on one network. ok is false for networks the index
// does not know.
func (r Ranker) Rank(network model.Network, to model.IdentityURI) (int, bool) {
	switch network {
	case model.Email:
		if !r.OwnKey || r.People == nil {
			return RankEmail, true
		}
		switch r.People.Person(to).Key {
		case KeyVerified:
			return RankEmailVerifiedKey, true
		case KeyKnown:
			return RankEmailKnownKey, true
		}
		return RankEmail, true
	case model.Mastodon:
		if r.sameInstance(to) {
			return RankMastodonSame, true
		}
		return RankMastodonCross, true
	case model.X:
		return RankX, true
	}
	return 0, false
}

func (r Ranker) sameInstance(to model.IdentityURI) bool {
	host := instanceOf(to)
	for _, a := range r.Accounts {
		if a.Network == model.Mastodon && host != "" && instanceOf(a.Identity) == host {
			return true
		}
	}
	return false
}

func instanceOf(u model.IdentityURI) string {
	_, host, _ := strings.Cut(u.Address(), "@")
	return host
}
