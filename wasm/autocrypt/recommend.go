package autocrypt

import (
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// Recommendation is Level 1's advice on encrypting a message being composed.
type Recommendation string

const (
	Disable    Recommendation = "disable"    // cannot encrypt: a key is missing or unusable
	Discourage Recommendation = "discourage" // could encrypt, but the recipient may not read it
	Available  Recommendation = "available"  // can encrypt; off unless the user turns it on
	Encrypt    Recommendation = "encrypt"    // encrypt by default
)

// staleAfter is Level 1's limit: a peer whose Autocrypt header was last seen this long before
// its last message has probably changed client.
const staleAfter = 35 * 24 * time.Hour

// Compose describes the message being composed.
type Compose struct {
	Recipients       []string   // To, Cc and Bcc addresses; the user's own is skipped
	Self             string     // the From address
	OwnPreference    Preference // the account's prefer-encrypt setting
	ReplyToEncrypted bool       // a reply to an encrypted message
}

// Key returns the key to encrypt to addr with (public_key, else gossip_key), or nil.
func (p Peer) Key() []byte {
	if len(p.PublicKey) > 0 {
		return p.PublicKey
	}
	return p.GossipKey
}

// Preliminary is Level 1's preliminary recommendation for one peer.
func (p Peer) Preliminary(now time.Time) Recommendation {
	key := p.Key()
	if len(key) == 0 {
		return Disable
	}
	k, err := crypto.NewKey(key)
	if err != nil || !k.CanEncrypt(now.Unix()) {
		return Disable
	}
	if len(p.PublicKey) == 0 {
		return Discourage // known only from gossip
	}
	if p.AutocryptTimestamp.Add(staleAfter).Before(p.LastSeen) {
		return Discourage
	}
	return Available
}

// final applies the reply-to-encrypted and mutual rules to one peer's recommendation.
func (p Peer) final(now time.Time, c Compose) Recommendation {
	pre := p.Preliminary(now)
	switch {
	case (pre == Available || pre == Discourage) && c.ReplyToEncrypted:
		return Encrypt
	case pre == Available && p.PreferEncrypt == Mutual && c.OwnPreference == Mutual:
		return Encrypt
	}
	return pre
}

// Recommend is Level 1's recommendation for a message to one or several recipients: disable
// if any recipient is disabled; encrypt for a reply to an encrypted message or when every
// recipient's own recommendation is encrypt; else discourage if any is discouraged; else
// available.
func (s *Store) Recommend(c Compose, now time.Time) Recommendation {
	var finals []Recommendation
	for _, r := range c.Recipients {
		if norm(r) == norm(c.Self) {
			continue
		}
		p, _ := s.Peer(r)
		finals = append(finals, p.final(now, c))
	}
	if len(finals) == 0 {
		return Disable
	}
	all := func(want Recommendation) bool {
		for _, f := range finals {
			if f != want {
				return false
			}
		}
		return true
	}
	switch {
	case contains(finals, Disable):
		return Disable
	case c.ReplyToEncrypted || all(Encrypt):
		return Encrypt
	case contains(finals, Discourage):
		return Discourage
	}
	return Available
}

func contains(rs []Recommendation, want Recommendation) bool {
	for _, r := range rs {
		if r == want {
			return true
		}
	}
	return false
}
