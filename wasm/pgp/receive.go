package pgp

import (
	"bytes"
	"caliopen/wasm/autocrypt"
	"fmt"
	"strings"

	"caliopen/wasm/mail"
	"caliopen/wasm/model"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// Keys are the keys reading a message needs: the user's own secret keys to decrypt and the
// contacts' ring to verify.
type Keys struct {
	Own      []*SecretKey
	Contacts *Ring
	// Autocrypt, when set, lends the sender's Autocrypt key to verification: a signature by
	// it is good from a known key, like one by a key in Contacts for that address.
	Autocrypt *autocrypt.Store
}

// Opened is an incoming message after decryption and verification.
type Opened struct {
	// Parsed is the readable message: for an encrypted message, the decrypted MIME entity
	// under the outer header (protected headers applied), parsed like any mail. Its
	// Message.Security holds the same facts as Security.
	Parsed   *mail.Parsed
	Security model.Security
	// Protected is true when the Subject or other headers came from inside the signed or
	// encrypted part (see protection for which ones are believed).
	Protected bool
	// Sender is the lower-case address of the outer From, the one mail servers and
	// Autocrypt headers vouch for: Autocrypt state is updated for it, never for a From
	// claimed inside.
	Sender string
	// Gossip holds the Autocrypt-Gossip header values found inside an encrypted payload
	// whose signature verified; it is empty otherwise.
	Gossip []string
	// Issuer names the signing key when the signature awaits a key (AwaitsKey): the key to
	// look for, and to take only if it is this one.
	Issuer Issuer
}

// Open reads a raw incoming message, decrypting and verifying it when it is PGP/MIME
// (RFC 3156) or inline PGP. A message that cannot be decrypted or verified is still returned,
// with Security.Note saying why; only a message whose header cannot be read is an error.
func Open(raw []byte, keys Keys) (o *Opened, err error) {
	defer func() {
		if r := recover(); r != nil { // a library bug on hostile input must not take the core down
			o, err = nil, fmt.Errorf("%w: %v", mail.ErrUnreadable, r)
		}
	}()
	return open(raw, keys, 0)
}

// maxWrapping bounds how many mailing-list wrappers are taken off.
const maxWrapping = 2

func open(raw []byte, keys Keys, depth int) (*Opened, error) {
	outer, err := readEntity(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", mail.ErrUnreadable, err)
	}
	o := opener{keys: keys, outer: outer, sender: senderAddress(outer)}
	o.v = newVerifier(keys, o.sender, autocryptKey(outer))
	t, params := outer.mediaType()
	switch {
	case t == "multipart/encrypted" && strings.EqualFold(params["protocol"], "application/pgp-encrypted"):
		return o.encrypted()
	case t == "multipart/signed" && strings.EqualFold(params["protocol"], "application/pgp-signature"):
		return o.signed(outer, raw)
	case t == "multipart/mixed":
		if wrapped := listWrapped(outer); wrapped != nil && depth < maxWrapping {
			return open(wrapped, keys, depth+1)
		}
	}
	return o.inline(raw)
}

// listWrapped returns the PGP/MIME message a mailing list wrapped as the first part of a
// multipart/mixed (adding a footer part after it), under the outer header; or nil.
func listWrapped(outer *entity) []byte {
	parts, err := outer.parts()
	if err != nil || len(parts) == 0 {
		return nil
	}
	first, err := readEntity(parts[0])
	if err != nil {
		return nil
	}
	if t, _ := first.mediaType(); t != "multipart/encrypted" && t != "multipart/signed" {
		return nil
	}
	var buf bytes.Buffer
	for f := outer.header.Fields(); f.Next(); {
		if !isMIMEField(f.Key()) {
			writeField(&buf, f)
		}
	}
	buf.WriteString("MIME-Version: 1.0\r\n")
	buf.Write(first.rawHeader)
	buf.Write(first.body)
	return buf.Bytes()
}

type opener struct {
	keys   Keys
	outer  *entity
	sender string // the outer From address
	v      verifier
	signer string // fingerprint of the key whose signature verified, or ""
	issuer Issuer // the key the signature names
}

// finish parses readable and records sec on the result.
// A decrypted message keeps its attachments' bytes (Parsed.AttachmentData): no server can
// give them back part by part.
func (o *opener) finish(readable []byte, sec model.Security, protected bool) (*Opened, error) {
	parse := mail.Parse
	if sec.Encrypted {
		parse = mail.ParseKeepingAttachments
	}
	p, err := parse(readable)
	if err != nil {
		return nil, err
	}
	p.Message.Security = sec
	out := &Opened{Parsed: p, Security: sec, Protected: protected, Sender: o.sender}
	if AwaitsKey(sec) {
		out.Issuer = o.issuer
	}
	return out, nil
}

// encrypted decrypts a multipart/encrypted message (RFC 3156 section 4).
func (o *opener) encrypted() (*Opened, error) {
	raw := o.outerRaw()
	var sec model.Security
	parts, err := o.outer.parts()
	if err != nil || len(parts) < 2 {
		sec.AddNote(note("decrypt.part-missing", "This encrypted message is damaged: its encrypted part is missing."))
		return o.finish(raw, sec, false)
	}
	part, err := readEntity(parts[1])
	var ciphertext []byte
	if err == nil {
		ciphertext, err = part.decodedBody()
	}
	if err != nil {
		sec.AddNote(note("decrypt.damaged", "This encrypted message is damaged: "+err.Error(), "detail", err.Error()))
		return o.finish(raw, sec, false)
	}
	plain, sec := o.decrypt(ciphertext)
	if !sec.Encrypted {
		return o.finish(raw, sec, false)
	}
	inner, err := readEntity(canonicalCRLF(plain))
	if err != nil {
		sec.AddNote(note("decrypt.content-unreadable", "The decrypted content cannot be read: "+err.Error(), "detail", err.Error()))
		return o.finish(raw, sec, false)
	}
	if sec.Signature == model.SigNone { // sign-then-encrypt: a multipart/signed inside
		if t, params := inner.mediaType(); t == "multipart/signed" && strings.EqualFold(params["protocol"], "application/pgp-signature") {
			var signedPart *entity
			signedPart, sec = o.verifySigned(inner, sec)
			if signedPart != nil {
				inner = signedPart
			}
		}
	}
	trust := o.protection(inner, &sec)
	out, err := o.finish(merge(o.outer, inner, trust), sec, trust.any())
	if err == nil {
		if signatureValid(sec) {
			out.Gossip = inner.header.Values("Autocrypt-Gossip")
		}
		if out.Protected {
			hideLegacyDisplay(out.Parsed, inner.rawHeader, inner.body)
		}
	}
	return out, err
}

// signatureValid says whether a signature verified (by a key known for the sender or not).
func signatureValid(sec model.Security) bool {
	return sec.Signature == model.SigGoodKnown || sec.Signature == model.SigGoodUnknown
}

// protection decides which of the inner entity's protected header fields the message shows,
// as header protection (RFC 9788) and Autocrypt ask: what the envelope proves, no more.
//   - Inside a valid signature, every protected field is the signer's word. A From naming
//     another address than the outer one is believed only when the signing key is held for
//     that address; then the signature is good from a known key for the sender shown.
//   - Inside an encryption without a valid signature, the fields that hide what the outer
//     header obscures (Subject, Date, threading) are shown, since they are as trustworthy as
//     the body they come with; the addresses stay the outer ones.
//   - A signed-only message whose signature does not verify shows its outer header.
//
// A From claimed inside and not believed is kept in sec.ClaimedFrom, with a note.
func (o *opener) protection(inner *entity, sec *model.Security) headerTrust {
	if !inner.isProtected() {
		return headerTrust{}
	}
	valid := signatureValid(*sec)
	trust := headerTrust{content: sec.Encrypted || valid, recipients: valid}
	claimed := senderAddress(inner)
	switch {
	case claimed == "" || claimed == o.sender:
		trust.sender = valid
	case valid && o.v.knownFor(claimed, o.signer):
		trust.sender = true
		if sec.Signature == model.SigGoodUnknown {
			sec.Signature = model.SigGoodKnown
			sec.DropNote("sig.good-unknown")
		}
	default:
		shown := o.sender
		if shown == "" {
			shown = "an unknown sender"
		}
		sec.ClaimedFrom = claimed
		sec.AddNote(note("from.not-covered",
			fmt.Sprintf("Inside, this message claims to come from %s, but no valid signature by a key held for %s covers that claim: it is shown as from %s, the address it was sent from.", claimed, claimed, shown),
			"claimed", claimed, "shown", shown))
	}
	return trust
}

// DecryptAndVerify decrypts an armored or binary OpenPGP message with keys.Own and checks its
// signature against keys.Contacts for the sender address from.
func DecryptAndVerify(ciphertext []byte, keys Keys, from string) ([]byte, model.Security) {
	o := opener{keys: keys, sender: normAddr(from), v: newVerifier(keys, normAddr(from), nil)}
	return o.decrypt(ciphertext)
}

// decrypt decrypts and verifies an OpenPGP message with the user's keys.
func (o *opener) decrypt(ciphertext []byte) ([]byte, model.Security) {
	var sec model.Security
	own, _ := crypto.NewKeyRing(nil)
	for _, k := range o.keys.Own {
		_ = own.AddKey(k.key)
	}
	h, err := handle.Decryption().DecryptionKeys(own).VerificationKeys(o.v.keyRing()).New()
	if err != nil {
		sec.AddNote(note("decrypt.failed", "This message cannot be decrypted: "+err.Error(), "detail", err.Error()))
		return nil, sec
	}
	var res *crypto.VerifiedDataResult
	if bin, ok := unarmorMessage(ciphertext); ok {
		res, err = h.Decrypt(bin, crypto.Bytes)
	} else {
		res, err = h.Decrypt(ciphertext, crypto.Auto)
	}
	if err != nil {
		why, missing := o.whyNotDecrypted(ciphertext, own, err)
		sec.AddNote(why)
		sec.Undecrypted = missing
		return nil, sec
	}
	sec.Encrypted = true
	o.signer, o.issuer = o.v.judge(&sec, &res.VerifyResult)
	return res.Bytes(), sec
}

// whyNotDecrypted explains a decryption failure: no key of ours (missing is true: another
// key may open it later), or damaged data.
func (o *opener) whyNotDecrypted(ciphertext []byte, own *crypto.KeyRing, err error) (why model.SecurityNote, missing bool) {
	msg, perr := messageFrom(ciphertext)
	if perr != nil {
		return note("decrypt.corrupt", "This encrypted message is damaged and cannot be read."), false
	}
	ids, ok := msg.HexEncryptionKeyIDs()
	if ok && len(ids) > 0 && !ringHasAny(own, ids) {
		list := strings.Join(ids, ", ")
		return note("decrypt.missing-key", fmt.Sprintf("This message was encrypted to a key we do not have (key ID %s).", list), "keys", list), true
	}
	if len(o.keys.Own) == 0 {
		return note("decrypt.no-own-key", "This message is encrypted and no key of yours is available to open it."), true
	}
	return note("decrypt.corrupt-data", "This message cannot be decrypted; its encrypted data is damaged ("+err.Error()+").", "detail", err.Error()), false
}

func messageFrom(data []byte) (*crypto.PGPMessage, error) {
	if bytes.Contains(data, []byte("-----BEGIN PGP")) {
		return crypto.NewPGPMessageFromArmored(string(data))
	}
	return crypto.NewPGPMessage(data), nil
}

func ringHasAny(kr *crypto.KeyRing, hexIDs []string) bool {
	for _, k := range kr.GetKeys() {
		for _, id := range hexIDs {
			if hasKeyID(k, id) || id == "0000000000000000" { // wildcard (hidden) recipient
				return true
			}
		}
	}
	return false
}

// signed verifies a top-level multipart/signed message (RFC 3156 section 5).
func (o *opener) signed(outer *entity, raw []byte) (*Opened, error) {
	signedPart, sec := o.verifySigned(outer, model.Security{})
	if signedPart == nil {
		return o.finish(raw, sec, false)
	}
	trust := o.protection(signedPart, &sec)
	out, err := o.finish(merge(o.outer, signedPart, trust), sec, trust.any())
	if err == nil && out.Protected {
		hideLegacyDisplay(out.Parsed, signedPart.rawHeader, signedPart.body)
	}
	return out, err
}

// verifySigned checks a multipart/signed entity and returns its signed part. The signature
// covers the first part exactly as received, in canonical CRLF form.
func (o *opener) verifySigned(e *entity, sec model.Security) (*entity, model.Security) {
	parts, err := e.parts()
	if err != nil || len(parts) < 2 {
		sec.Signature = model.SigError
		sec.AddNote(note("sig.part-missing", "This signed message is damaged: its signature part is missing."))
		return nil, sec
	}
	signedBytes := canonicalCRLF(parts[0])
	signedPart, err := readEntity(signedBytes)
	if err != nil {
		sec.Signature = model.SigError
		sec.AddNote(note("sig.signed-part-unreadable", "The signed part cannot be read: "+err.Error(), "detail", err.Error()))
		return nil, sec
	}
	sigEntity, err := readEntity(parts[1])
	var signature []byte
	if err == nil {
		signature, err = sigEntity.decodedBody()
	}
	if err != nil {
		sec.Signature = model.SigError
		sec.AddNote(note("sig.signature-part-unreadable", "The signature part cannot be read: "+err.Error(), "detail", err.Error()))
		return signedPart, sec
	}
	o.signer, o.issuer = o.v.verifyDetached(&sec, signedBytes, signature)
	if sec.Signature == model.SigNone {
		sec.Signature = model.SigError
		sec.AddNote(note("sig.empty", "The signature part holds no signature."))
	}
	return signedPart, sec
}

// outerRaw returns the outer message as received.
func (o *opener) outerRaw() []byte {
	return append(append([]byte(nil), o.outer.rawHeader...), o.outer.body...)
}
