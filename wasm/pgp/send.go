package pgp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// ObscuredSubject replaces the Subject on the outside of an encrypted message (RFC 9788);
// the real one travels in the protected headers.
const ObscuredSubject = "[...]"

// BuildEncrypted writes m as an RFC 3156 multipart/encrypted message, signed with me and
// encrypted to every recipient key and to me. The text, attachments and protected headers
// (RFC 9788 hp="cipher", and the older protected-headers="v1") are inside the encryption; the
// outer header carries an obscured Subject and m.Autocrypt.
func BuildEncrypted(m Outgoing, me *SecretKey, recipients []*PublicKey) ([]byte, error) {
	if err := m.fillDefaults(); err != nil {
		return nil, err
	}
	inner, err := m.protectedContent("cipher", true)
	if err != nil {
		return nil, err
	}
	armored, err := EncryptAndSign(inner, me, recipients)
	if err != nil {
		return nil, err
	}
	var outer mail.Header
	outer.SetContentType("multipart/encrypted", map[string]string{"protocol": "application/pgp-encrypted", "boundary": newBoundary()})
	outer.Set("MIME-Version", "1.0")
	if m.Autocrypt != "" {
		outer.Set("Autocrypt", m.Autocrypt)
	}
	m.messageHeader(&outer, ObscuredSubject)
	var buf bytes.Buffer
	w, err := message.CreateWriter(&buf, outer.Header)
	if err != nil {
		return nil, err
	}
	var vh message.Header
	vh.SetContentType("application/pgp-encrypted", nil)
	vh.Set("Content-Description", "PGP/MIME version identification")
	if err := writePart(w, vh, []byte("Version: 1\r\n")); err != nil {
		return nil, err
	}
	var ch message.Header
	ch.SetContentType("application/octet-stream", map[string]string{"name": "encrypted.asc"})
	ch.Set("Content-Description", "OpenPGP encrypted message")
	ch.SetContentDisposition("inline", map[string]string{"filename": "encrypted.asc"})
	if err := writePart(w, ch, canonicalCRLF(armored)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BuildDraft writes m encrypted to the user's own key only, for the Drafts folder.
func BuildDraft(m Outgoing, me *SecretKey) ([]byte, error) {
	m.Autocrypt = ""
	return BuildEncrypted(m, me, nil)
}

// BuildSigned writes m as an RFC 3156 multipart/signed message signed with me. The signed
// part carries protected headers (hp="clear"). The multipart/signed wrapper is written by
// hand: the signature covers the first part byte for byte, so nothing may re-encode it.
func BuildSigned(m Outgoing, me *SecretKey) ([]byte, error) {
	if err := m.fillDefaults(); err != nil {
		return nil, err
	}
	signed, err := m.protectedContent("clear", false)
	if err != nil {
		return nil, err
	}
	sig, err := detachedSignature(signed, me)
	if err != nil {
		return nil, err
	}
	boundary := newBoundary()
	var outer mail.Header
	outer.SetContentType("multipart/signed", map[string]string{
		"micalg": "pgp-sha256", "protocol": "application/pgp-signature", "boundary": boundary})
	outer.Set("MIME-Version", "1.0")
	if m.Autocrypt != "" {
		outer.Set("Autocrypt", m.Autocrypt)
	}
	m.messageHeader(&outer, m.Subject)
	var buf bytes.Buffer
	buf.Write(headerBytes(outer.Header))
	buf.WriteString("This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n")
	buf.WriteString("--" + boundary + "\r\n")
	buf.Write(signed)
	buf.WriteString("\r\n--" + boundary + "\r\n")
	buf.WriteString("Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n")
	buf.WriteString("Content-Description: OpenPGP digital signature\r\n")
	buf.WriteString("Content-Disposition: attachment; filename=\"signature.asc\"\r\n\r\n")
	buf.Write(canonicalCRLF(sig))
	buf.WriteString("\r\n--" + boundary + "--\r\n")
	return buf.Bytes(), nil
}

// protectedContent writes the content with the protected headers on its root part.
func (m *Outgoing) protectedContent(hp string, gossip bool) ([]byte, error) {
	var h mail.Header
	if len(m.Bcc) > 0 { // only inside: the copy for a Bcc recipient, or the user's own
		h.SetAddressList("Bcc", m.Bcc)
	}
	m.messageHeader(&h, m.Subject)
	if gossip {
		for _, g := range m.Gossip {
			h.Add("Autocrypt-Gossip", g)
		}
	}
	return m.content(h.Header, map[string]string{"protected-headers": "v1", "hp": hp})
}

// EncryptAndSign encrypts plain to the recipients and to me, signed by me (one OpenPGP
// message, RFC 3156 section 6.2's combined form), armored.
func EncryptAndSign(plain []byte, me *SecretKey, recipients []*PublicKey) ([]byte, error) {
	kr, err := crypto.NewKeyRing(nil)
	if err != nil {
		return nil, err
	}
	for _, p := range append(recipients, me.pub) {
		if err := kr.AddKey(p.key); err != nil {
			return nil, err
		}
	}
	h, err := handle.Encryption().Recipients(kr).SigningKey(me.key).New()
	if err != nil {
		return nil, fmt.Errorf("pgp: preparing encryption: %w", err)
	}
	msg, err := h.Encrypt(plain)
	if err != nil {
		return nil, fmt.Errorf("pgp: encrypting: %w", err)
	}
	return armorMessage(msg.Bytes())
}

func detachedSignature(data []byte, me *SecretKey) ([]byte, error) {
	h, err := handle.Sign().SigningKey(me.key).Detached().New()
	if err != nil {
		return nil, err
	}
	return h.Sign(data, crypto.Armor)
}

func writePart(w *message.Writer, h message.Header, body []byte) error {
	p, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := p.Write(body); err != nil {
		return err
	}
	return p.Close()
}

func newBoundary() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return "caliopen-" + hex.EncodeToString(b[:])
}
