package pgp

import (
	"errors"
	"fmt"
	"slices"

	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
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
		senderKeys: autocryptKeys(keys.Autocrypt, from)}
	for _, s := range keys.Own {
		v.mine = append(v.mine, s.pub)
	}
	return v
}

// autocryptKeys returns the keys the Autocrypt state holds for addr (current and gossiped).
func autocryptKeys(s *autocrypt.Store, addr string) []*PublicKey {
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
		held = autocryptKeys(v.autocrypt, addr)
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
// when the signature is good ("" otherwise).
func (v verifier) judge(sec *model.Security, res *crypto.VerifyResult) string {
	sigErr := res.SignatureErrorExplicit()
	if sigErr == nil {
		signer := res.SignedByKey()
		if signer == nil {
			sec.Signature = model.SigError
			sec.AddNote(note("sig.signer-unknown", "The signature was accepted but its key is unknown."))
			return ""
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
		return fpr
	}
	issuer := issuerKeyID(res)
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
	return ""
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

func issuerKeyID(res *crypto.VerifyResult) string {
	for _, s := range res.Signatures {
		if s.Signature != nil && s.Signature.IssuerKeyId != nil {
			return fmt.Sprintf("%016x", *s.Signature.IssuerKeyId)
		}
	}
	return ""
}

// verifyDetached checks an RFC 3156 detached signature over data and returns the signing
// key's fingerprint when the signature is good.
func (v verifier) verifyDetached(sec *model.Security, data, signature []byte) string {
	h, err := handle.Verify().VerificationKeys(v.keyRing()).New()
	if err == nil {
		var res *crypto.VerifyResult
		if res, err = h.VerifyDetached(data, signature, crypto.Auto); err == nil {
			return v.judge(sec, res)
		}
	}
	sec.Signature = model.SigError
	sec.AddNote(note("sig.unreadable", "The signature cannot be read: "+plainError(err), "detail", plainError(err)))
	return ""
}

func plainError(err error) string {
	var sigErr crypto.SignatureVerificationError
	if errors.As(err, &sigErr) {
		return sigErr.Message
	}
	return err.Error()
}
