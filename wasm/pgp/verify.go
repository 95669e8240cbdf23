package pgp

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
	openpgp "github.com/ProtonMail/go-crypto/openpgp/v2"
	"github.com/ProtonMail/gopenpgp/v3/constants"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// verifier turns gopenpgp's verification results into model.Security facts.
type verifier struct {
	ring      *Ring
	autocrypt *autocrypt.Store // may be nil
	from      string           // sender address, lower case
	own       *PublicKey       // a key the message itself carries (its Autocrypt header), or nil
	// senderKeys are the sender's keys from Autocrypt state: known for the sender.
	senderKeys []*PublicKey
	// mine are the public halves of the user's own keys: known for the addresses they name
	// (the user's sent mail, read back).
	mine []*PublicKey
}

func newVerifier(keys Keys, from string, carried *PublicKey) verifier {
	v := verifier{ring: keys.Contacts, autocrypt: keys.Autocrypt, from: from, own: carried,
		senderKeys: AutocryptKeys(keys.Autocrypt, from)}
	for _, s := range keys.Own {
		v.mine = append(v.mine, s.pub)
	}
	return v
}

// AutocryptKeys returns the keys the Autocrypt state holds for addr (current and gossiped).
func AutocryptKeys(s *autocrypt.Store, addr string) []*PublicKey {
	if s == nil || addr == "" {
		return nil
	}
	peer, ok := s.Peer(addr)
	if !ok {
		return nil
	}
	var out []*PublicKey
	for _, kd := range [][]byte{peer.PublicKey, peer.GossipKey} {
		if k, err := ParsePublic(kd); len(kd) > 0 && err == nil {
			out = append(out, k)
		}
	}
	return out
}

func (v verifier) keyRing() *crypto.KeyRing {
	return v.ring.keyRing(slices.Concat([]*PublicKey{v.own}, v.senderKeys, v.mine)...)
}

// knownFor says whether the key with fingerprint fpr is held for addr: in the contacts'
// ring, in the Autocrypt state, or among the user's own keys naming addr. A key a message
// carries proves nothing about its sender.
func (v verifier) knownFor(addr, fpr string) bool {
	if addr == "" || fpr == "" {
		return false
	}
	for _, k := range v.ring.byFingerprint(fpr) {
		if k.Address == addr {
			return true
		}
	}
	held := v.senderKeys
	if addr != v.from {
		held = AutocryptKeys(v.autocrypt, addr)
	}
	for _, k := range held {
		if k.Fingerprint() == fpr {
			return true
		}
	}
	for _, k := range v.mine {
		if k.Fingerprint() == fpr && slices.Contains(k.Addresses(), addr) {
			return true
		}
	}
	return false
}

// judge fills sec from a verification result and returns the signing key's fingerprint
// when the signature is good ("" otherwise), and the signature's issuer.
func (v verifier) judge(sec *model.Security, res *crypto.VerifyResult) (string, Issuer) {
	sigErr := res.SignatureErrorExplicit()
	if sigErr == nil {
		signer := res.SignedByKey()
		if signer == nil {
			sec.Signature = model.SigError
			sec.AddNote(note("sig.signer-unknown", "The signature was accepted but its key is unknown."))
			return "", issuerOf(res)
		}
		fpr := signer.GetFingerprint()
		sec.SignerKeyID = signer.GetHexKeyID()
		sec.Signature = model.SigGoodUnknown
		if v.knownFor(v.from, fpr) {
			sec.Signature = model.SigGoodKnown
		} else {
			sec.AddNote(note("sig.good-unknown", fmt.Sprintf("Good signature, but key %s is not yet known for %s.", FormatFingerprint(fpr), v.from),
				"key", FormatFingerprint(fpr), "address", v.from))
		}
		if signer.IsExpired(timeNow().Unix()) {
			sec.AddNote(note("sig.signer-expired", "The signing key has expired since."))
		}
		return fpr, Issuer{KeyID: sec.SignerKeyID, Fingerprint: fpr}
	}
	iss := issuerOf(res)
	issuer := iss.KeyID
	sec.SignerKeyID = issuer
	switch sigErr.Status {
	case constants.SIGNATURE_NOT_SIGNED:
		sec.Signature = model.SigNone
	case constants.SIGNATURE_NO_VERIFIER:
		sec.Signature = model.SigError
		sec.AddNote(note("sig.no-key", fmt.Sprintf("Signed with key %s, which we do not have: the signature cannot be checked.", issuer), "key", issuer))
	default:
		switch v.keyTrouble(issuer) {
		case ProblemRevoked:
			sec.Signature = model.SigError
			sec.AddNote(note("sig.key-revoked", fmt.Sprintf("Signed with key %s, but that key is revoked: the signature cannot be trusted.", issuer), "key", issuer))
		case ProblemExpired:
			sec.Signature = model.SigError
			sec.AddNote(note("sig.key-expired", fmt.Sprintf("Signed with key %s, but that key has expired: the signature cannot be trusted.", issuer), "key", issuer))
		default:
			sec.Signature = model.SigBad
			sec.AddNote(note("sig.bad", "The signature does not match: the message was changed after it was signed, or the signature is forged."))
		}
	}
	return "", iss
}

// keyTrouble says why the key with the given id is not valid now: ProblemRevoked,
// ProblemExpired, or "".
func (v verifier) keyTrouble(keyID string) string {
	if keyID == "" {
		return ""
	}
	now := timeNow().Unix()
	for _, k := range v.keyRing().GetKeys() {
		if !hasKeyID(k, keyID) {
			continue
		}
		switch {
		case k.IsRevoked(now):
			return ProblemRevoked
		case k.IsExpired(now):
			return ProblemExpired
		}
	}
	return ""
}

func hasKeyID(k *crypto.Key, hexID string) bool {
	e := k.GetEntity()
	if fmt.Sprintf("%016x", e.PrimaryKey.KeyId) == hexID {
		return true
	}
	for _, s := range e.Subkeys {
		if fmt.Sprintf("%016x", s.PublicKey.KeyId) == hexID {
			return true
		}
	}
	return false
}

// issuerOf names the key that made the first signature of res that names one.
func issuerOf(res *crypto.VerifyResult) Issuer {
	for _, s := range res.Signatures {
		if s.Signature != nil && s.Signature.IssuerKeyId != nil {
			return Issuer{KeyID: fmt.Sprintf("%016x", *s.Signature.IssuerKeyId), Fingerprint: hex.EncodeToString(s.Signature.IssuerFingerprint)}
		}
	}
	return Issuer{}
}

// Issuer names the key a signature was made with: its key ID (16 hex digits) and, when the
// signature says it or the key was at hand, a fingerprint (lower-case hex), of the primary
// key or of the signing subkey.
type Issuer struct {
	KeyID       string `json:"keyId,omitempty"`
	Fingerprint string `json:"fingerprint,omitempty"`
}

// IsZero says whether the issuer is unnamed.
func (i Issuer) IsZero() bool { return i == Issuer{} }

// Matches says whether pub is the issuer's key: the fingerprint, when known, names its
// primary key or one of its subkeys; otherwise the key ID does (64 bits that anyone can make
// a key collide with: the fingerprint is preferred).
func (i Issuer) Matches(pub *PublicKey) bool {
	if pub == nil || i.IsZero() {
		return false
	}
	if i.Fingerprint == "" {
		return hasKeyID(pub.key, strings.ToLower(i.KeyID))
	}
	e := pub.key.GetEntity()
	if strings.EqualFold(hex.EncodeToString(e.PrimaryKey.Fingerprint), i.Fingerprint) {
		return true
	}
	return slices.ContainsFunc(e.Subkeys, func(s openpgp.Subkey) bool {
		return strings.EqualFold(hex.EncodeToString(s.PublicKey.Fingerprint), i.Fingerprint)
	})
}

// AwaitsKey says whether a message's signature was made by a key not held for its sender:
// good but from an unknown key, or not checkable for want of the key. Once the key is held,
// reading the message again settles it (good from a known key, or bad).
func AwaitsKey(sec model.Security) bool {
	switch sec.Signature {
	case model.SigGoodUnknown:
		return true
	case model.SigError:
		return slices.ContainsFunc(sec.Notes, func(n model.SecurityNote) bool { return n.Code == "sig.no-key" })
	}
	return false
}

// verifyDetached checks an RFC 3156 detached signature over data and returns the signing
// key's fingerprint when the signature is good, and the signature's issuer.
func (v verifier) verifyDetached(sec *model.Security, data, signature []byte) (string, Issuer) {
	h, err := handle.Verify().VerificationKeys(v.keyRing()).New()
	if err == nil {
		var res *crypto.VerifyResult
		if res, err = h.VerifyDetached(data, signature, crypto.Auto); err == nil {
			return v.judge(sec, res)
		}
	}
	sec.Signature = model.SigError
	sec.AddNote(note("sig.unreadable", "The signature cannot be read: "+plainError(err), "detail", plainError(err)))
	return "", Issuer{}
}

func plainError(err error) string {
	var sigErr crypto.SignatureVerificationError
	if errors.As(err, &sigErr) {
		return sigErr.Message
	}
	return err.Error()
}
