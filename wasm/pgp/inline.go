package pgp

import (
	"strings"

	"caliopen/wasm/autocrypt"
	cmail "caliopen/wasm/mail"
	"caliopen/wasm/model"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

const (
	beginMessage   = "-----BEGIN PGP MESSAGE-----"
	endMessage     = "-----END PGP MESSAGE-----"
	beginCleartext = "-----BEGIN PGP SIGNED MESSAGE-----"
	endSignature   = "-----END PGP SIGNATURE-----"
)

// inline reads a message that is not PGP/MIME: an inline PGP message or cleartext-signed
// text in its text body is decrypted or verified in place; anything else is parsed as is.
func (o *opener) inline(raw []byte) (*Opened, error) {
	p, err := cmail.Parse(raw)
	if err != nil {
		return nil, err
	}
	out := &Opened{Parsed: p, Sender: o.sender}
	text := p.Body.Text
	var sec model.Security
	switch {
	case strings.Contains(text, beginMessage):
		block, ok := armoredBlock(text, beginMessage, endMessage)
		if !ok {
			sec.AddNote(note("inline.cut-short", "This inline PGP message is cut short and cannot be decrypted."))
			break
		}
		plain, s := o.decrypt([]byte(block))
		sec = s
		if sec.Encrypted {
			p.Body.Text = strings.Replace(text, block, string(plain), 1)
		}
	case strings.Contains(text, beginCleartext):
		block, ok := armoredBlock(text, beginCleartext, endSignature)
		if !ok {
			sec.Signature = model.SigError
			sec.AddNote(note("sig.text-cut-short", "This signed text is cut short; its signature cannot be checked."))
			break
		}
		clear, s := o.verifyCleartext([]byte(block))
		sec = s
		if clear != nil {
			p.Body.Text = strings.Replace(text, block, string(clear), 1)
		}
	default:
		return out, nil
	}
	p.Message.Security = sec
	out.Security = sec
	return out, nil
}

func (o *opener) verifyCleartext(block []byte) ([]byte, model.Security) {
	var sec model.Security
	h, err := handle.Verify().VerificationKeys(o.v.keyRing()).New()
	if err != nil {
		sec.Signature = model.SigError
		sec.AddNote(note("sig.cannot-check", "The signature cannot be checked: "+err.Error(), "detail", err.Error()))
		return nil, sec
	}
	res, err := h.VerifyCleartext(block)
	if err != nil {
		sec.Signature = model.SigError
		sec.AddNote(note("sig.text-damaged", "The signed text is damaged: "+plainError(err), "detail", plainError(err)))
		return nil, sec
	}
	o.signer, o.issuer = o.v.judge(&sec, &res.VerifyResult)
	return res.Cleartext(), sec
}

// armoredBlock returns the text from begin through end (inclusive).
func armoredBlock(text, begin, end string) (string, bool) {
	i := strings.Index(text, begin)
	j := strings.Index(text[i:], end)
	if j < 0 {
		return "", false
	}
	return text[i : i+j+len(end)], true
}

// senderAddress is the lower-case address an entity's header names as its author, read as
// the mail parser reads it, or "".
func senderAddress(e *entity) string { return cmail.SenderOf(e.header) }

// autocryptKey returns the key of the message's valid Autocrypt header, if any: it lets a
// signature from a first message be shown as good (from a key not yet known).
func autocryptKey(e *entity) *PublicKey {
	h, ok := autocrypt.Select(e.header.Values("Autocrypt"), senderAddress(e))
	if !ok {
		return nil
	}
	k, err := crypto.NewKey(h.KeyData)
	if err != nil {
		return nil
	}
	return &PublicKey{key: k}
}
