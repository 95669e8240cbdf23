package pgp

import (
	"slices"
	"sort"
	"strings"
	"time"

	"caliopen/wasm/autocrypt"
)

// PlanInput describes a message about to be sent.
type PlanInput struct {
	Recipients       []string // To, Cc and Bcc addresses
	Contacts         *Ring
	Autocrypt        *autocrypt.Store // may be nil
	Self             string           // the From address
	OwnPreference    autocrypt.Preference
	ReplyToEncrypted bool
}

// SendPlan says, before sending, whether a message will be encrypted and why (not).
type SendPlan struct {
	// Encrypt is the default the composer shows; the user may still change it when
	// CanEncrypt is true.
	Encrypt    bool
	CanEncrypt bool                  // every recipient has a usable key
	Keys       map[string]*PublicKey // the key each recipient's copy is encrypted to
	Missing    []string              // recipients without a usable key
	// Expired and Revoked are the recipients of Missing whose only keys have expired, or
	// were revoked: their key must be renewed, not found.
	Expired, Revoked []string
	// Recommendation is Autocrypt Level 1's advice for these recipients.
	Recommendation autocrypt.Recommendation
	Reason         string // one readable sentence for the composer
	// ReasonCode names Reason for translations: no-recipient, missing-keys (Missing names
	// them), revoked-keys or expired-keys (Revoked or Expired name whose), autocrypt,
	// chosen-keys, discouraged or available.
	ReasonCode string
}

// Plan decides how a message will be sent. A recipient's key comes from the contacts' ring
// (verified keys first) or else from Autocrypt. The message is encrypted by default when
// every recipient has a key and either Autocrypt recommends encrypt or every key was chosen
// by the user (imported, verified, from WKD or an attachment) rather than only learnt from
// Autocrypt headers.
func Plan(in PlanInput, now time.Time) SendPlan {
	p := SendPlan{Keys: map[string]*PublicKey{}, Recommendation: autocrypt.Disable}
	allChosen := true
	for _, r := range in.Recipients {
		addr := normAddr(r)
		if addr == normAddr(in.Self) {
			continue
		}
		if k := in.Contacts.EncryptionKey(addr); k != nil {
			p.Keys[addr] = k.Key
			if k.Source == SourceAutocrypt && !k.Verified {
				allChosen = false
			}
			continue
		}
		if k := autocryptKeyFor(in.Autocrypt, addr, now); k != nil {
			p.Keys[addr] = k
			allChosen = false
			continue
		}
		p.Missing = append(p.Missing, addr)
		switch unusableKey(in, addr, now) {
		case ProblemRevoked:
			p.Revoked = append(p.Revoked, addr)
		case ProblemExpired:
			p.Expired = append(p.Expired, addr)
		}
	}
	if in.Autocrypt != nil {
		p.Recommendation = in.Autocrypt.Recommend(autocrypt.Compose{
			Recipients: in.Recipients, Self: in.Self, OwnPreference: in.OwnPreference, ReplyToEncrypted: in.ReplyToEncrypted}, now)
	}
	p.CanEncrypt = len(p.Missing) == 0 && len(p.Keys) > 0
	switch {
	case len(p.Keys) == 0 && len(p.Missing) == 0:
		p.ReasonCode, p.Reason = "no-recipient", "There is no recipient yet."
	case len(p.Revoked) > 0:
		p.ReasonCode, p.Reason = "revoked-keys", "Not encrypted: the key of "+strings.Join(p.Revoked, ", ")+" was revoked (ask for their new key)"+p.noKeySuffix()+"."
	case len(p.Expired) > 0:
		p.ReasonCode, p.Reason = "expired-keys", "Not encrypted: the key of "+strings.Join(p.Expired, ", ")+" has expired (ask for their renewed key)"+p.noKeySuffix()+"."
	case !p.CanEncrypt:
		p.ReasonCode, p.Reason = "missing-keys", "Not encrypted: no key for "+strings.Join(p.Missing, ", ")+"."
	case p.Recommendation == autocrypt.Encrypt:
		p.Encrypt, p.ReasonCode = true, "autocrypt"
		p.Reason = "Encrypted: every recipient uses Autocrypt and asks for encryption, or this replies to an encrypted message."
	case allChosen:
		p.Encrypt, p.ReasonCode = true, "chosen-keys"
		p.Reason = "Encrypted: every recipient has a key you imported, verified or found in their Web Key Directory."
	case p.Recommendation == autocrypt.Discourage:
		p.ReasonCode = "discouraged"
		p.Reason = "Not encrypted by default: a recipient's key may be out of date (their client may have changed), so they might not be able to read it."
	default:
		p.ReasonCode, p.Reason = "available", "Encryption is available for every recipient; it is off unless you turn it on."
	}
	return p
}

// NoKey returns the recipients of Missing for whom no key at all is held.
func (p SendPlan) NoKey() []string {
	var out []string
	for _, a := range p.Missing {
		if !slices.Contains(p.Expired, a) && !slices.Contains(p.Revoked, a) {
			out = append(out, a)
		}
	}
	return out
}

func (p SendPlan) noKeySuffix() string {
	if none := p.NoKey(); len(none) > 0 {
		return "; no key for " + strings.Join(none, ", ")
	}
	return ""
}

// Recipients returns the keys to encrypt to, in a stable order.
func (p SendPlan) Recipients() []*PublicKey {
	addrs := make([]string, 0, len(p.Keys))
	for a := range p.Keys {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	out := make([]*PublicKey, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, p.Keys[a])
	}
	return out
}

// unusableKey says why the keys held for addr cannot be used: ProblemRevoked when one was
// revoked, else ProblemExpired when one has expired, else "" (none is held, or another
// reason).
func unusableKey(in PlanInput, addr string, now time.Time) string {
	var held []*PublicKey
	for _, k := range in.Contacts.ForAddress(addr) {
		held = append(held, k.Key)
	}
	held = append(held, AutocryptKeys(in.Autocrypt, addr)...)
	problem := ""
	for _, k := range held {
		switch k.Usable(now.Unix()) {
		case ProblemRevoked:
			return ProblemRevoked
		case ProblemExpired:
			problem = ProblemExpired
		}
	}
	return problem
}

func autocryptKeyFor(s *autocrypt.Store, addr string, now time.Time) *PublicKey {
	if s == nil {
		return nil
	}
	peer, ok := s.Peer(addr)
	if !ok || len(peer.Key()) == 0 {
		return nil
	}
	k, err := ParsePublic(peer.Key())
	if err != nil || k.Usable(now.Unix()) != "" {
		return nil
	}
	return k
}

// AutocryptHeader returns the value of the Autocrypt header for the user's own key.
func AutocryptHeader(me *SecretKey, prefer autocrypt.Preference) (string, error) {
	pub, err := me.Public()
	if err != nil {
		return "", err
	}
	kd, err := pub.Bytes()
	if err != nil {
		return "", err
	}
	return autocrypt.Header{Addr: me.Address(), PreferEncrypt: prefer, KeyData: kd}.String(), nil
}
