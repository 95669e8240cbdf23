package pgp

import (
	"errors"
	"fmt"
	"strings"

	"caliopen/wasm/model"
	"github.com/ProtonMail/gopenpgp/v3/constants"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// verifier turns gopenpgp's verification results into model.Security facts.
type verifier struct {
	ring *Ring
	from string     // sender address, lower case
	own  *PublicKey // a key the message itself carries (its Autocrypt header), or nil
	// senderKeys are the sender's keys from Autocrypt state: known for the sender.
	senderKeys []*PublicKey
}

func newVerifier(keys Keys, from string, carried *PublicKey) verifier {
	v := verifier{ring: keys.Contacts, from: from, own: carried}
	if keys.Autocrypt != nil && from != "" {
		if peer, ok := keys.Autocrypt.Peer(from); ok {
			for _, kd := range [][]byte{peer.PublicKey, peer.GossipKey} {
				if k, err := ParsePublic(kd); len(kd) > 0 && err == nil {
					v.senderKeys = append(v.senderKeys, k)
				}
			}
		}
	}
	return v
}

func (v verifier) keyRing() *crypto.KeyRing {
	return v.ring.keyRing(append([]*PublicKey{v.own}, v.senderKeys...)...)
}

// knownForSender says whether the key with fingerprint fpr is held for the sender.
func (v verifier) knownForSender(fpr string) bool {
	for _, k := range v.ring.byFingerprint(fpr) {
		if k.Address == v.from {
			return true
		}
	}
	for _, k := range v.senderKeys {
		if k.Fingerprint() == fpr {
			return true
		}
	}
	return false
}

// judge fills sec from a verification result; err is the non-signature error, if any.
func (v verifier) judge(sec *model.Security, res *crypto.VerifyResult) {
	sigErr := res.SignatureErrorExplicit()
	if sigErr == nil {
		signer := res.SignedByKey()
		if signer == nil {
			sec.Signature, sec.Note = model.SigError, "The signature was accepted but its key is unknown."
			return
		}
		sec.SignerKeyID = signer.GetHexKeyID()
		sec.Signature = model.SigGoodUnknown
		if v.knownForSender(signer.GetFingerprint()) {
			sec.Signature = model.SigGoodKnown
		}
		if sec.Signature == model.SigGoodUnknown {
			sec.Note = fmt.Sprintf("Good signature, but key %s is not yet known for %s.", FormatFingerprint(signer.GetFingerprint()), v.from)
		}
		if signer.IsExpired(timeNow().Unix()) {
			sec.Note = strings.TrimSpace(sec.Note + " The signing key has expired since.")
		}
		return
	}
	issuer := issuerKeyID(res)
	sec.SignerKeyID = issuer
	switch sigErr.Status {
	case constants.SIGNATURE_NOT_SIGNED:
		sec.Signature = model.SigNone
	case constants.SIGNATURE_NO_VERIFIER:
		sec.Signature = model.SigError
		sec.Note = fmt.Sprintf("Signed with key %s, which we do not have: the signature cannot be checked.", issuer)
	default:
		if why := v.keyTrouble(issuer); why != "" {
			sec.Signature = model.SigError
			sec.Note = fmt.Sprintf("Signed with key %s, but %s: the signature cannot be trusted.", issuer, why)
			return
		}
		sec.Signature = model.SigBad
		sec.Note = "The signature does not match: the message was changed after it was signed, or the signature is forged."
	}
}

// keyTrouble says why the key with the given id is not valid now (revoked, expired).
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
			return "that key is revoked"
		case k.IsExpired(now):
			return "that key has expired"
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

// verifyDetached checks an RFC 3156 detached signature over data.
func (v verifier) verifyDetached(sec *model.Security, data, signature []byte) {
	h, err := handle.Verify().VerificationKeys(v.keyRing()).New()
	if err == nil {
		var res *crypto.VerifyResult
		if res, err = h.VerifyDetached(data, signature, crypto.Auto); err == nil {
			v.judge(sec, res)
			return
		}
	}
	sec.Signature = model.SigError
	sec.Note = "The signature cannot be read: " + plainError(err)
}

func plainError(err error) string {
	var sigErr crypto.SignatureVerificationError
	if errors.As(err, &sigErr) {
		return sigErr.Message
	}
	return err.Error()
}
