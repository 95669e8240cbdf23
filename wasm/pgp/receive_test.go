package pgp

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/autocrypt"
	"caliopen/wasm/model"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
	"github.com/emersion/go-message/mail"
)

type pair struct {
	sec *SecretKey
	pub *PublicKey
}

func newPair(t *testing.T, name, email string) pair {
	t.Helper()
	s, err := Generate(name, email)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.Public()
	return pair{s, p}
}

func TestRoundTripWithAttachmentsAndGossip(t *testing.T) {
	alice, bob := newPair(t, "Alice", "alice@example.test"), newPair(t, "Bob", "bob@example.test")
	m := outgoing("Holiday photos")
	m.Cc = []*mail.Address{{Address: "carol@example.test"}}
	m.HTML = "<p>Hello <b>Bob</b></p>"
	m.Attachments = []Attachment{{Name: "photo.jpg", ContentType: "image/jpeg", Data: bytes.Repeat([]byte{0xff, 0xd8, 0}, 1000)}}
	m.Gossip = []string{"addr=carol@example.test; keydata=AAAA"}
	raw, err := BuildEncrypted(m, alice.sec, []*PublicKey{bob.pub})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("Holiday")) || bytes.Contains(raw, []byte("photo.jpg")) {
		t.Fatal("subject or attachment name leaks outside the encryption")
	}
	ring := NewRing()
	ring.Add("alice@example.test", alice.pub, SourceImport)
	o := mustOpen(t, raw, Keys{Own: []*SecretKey{bob.sec}, Contacts: ring})
	wantSecurity(t, o, true, model.SigGoodKnown)
	p := o.Parsed
	if p.Message.Subject != "Holiday photos" || !o.Protected {
		t.Errorf("subject %q protected %v", p.Message.Subject, o.Protected)
	}
	if len(p.Body.Attachments) != 1 || p.Body.Attachments[0].Name != "photo.jpg" || p.Body.Attachments[0].Size != 3000 {
		t.Errorf("attachments %+v", p.Body.Attachments)
	}
	if !strings.Contains(p.Body.HTML, "Bob") || !strings.Contains(p.Body.Text, "Caliopen") {
		t.Errorf("text %q html %q", p.Body.Text, p.Body.HTML)
	}
	if len(o.Gossip) != 1 || !strings.Contains(o.Gossip[0], "carol@example.test") {
		t.Errorf("gossip %q", o.Gossip)
	}
	// a draft is for its author only
	draft, err := BuildDraft(m, alice.sec)
	if err != nil {
		t.Fatal(err)
	}
	if o := mustOpen(t, draft, Keys{Own: []*SecretKey{bob.sec}}); o.Security.Encrypted {
		t.Error("bob can read alice's draft")
	}
	// her own mail read back is signed by a key known for her: her own
	if o := mustOpen(t, draft, Keys{Own: []*SecretKey{alice.sec}}); !o.Security.Encrypted || o.Security.Signature != model.SigGoodKnown || o.Parsed.Message.Subject != "Holiday photos" {
		t.Errorf("alice cannot read her draft: %+v", o.Security)
	}
}

func TestSignThenEncrypt(t *testing.T) {
	alice, bob := newPair(t, "Alice", "alice@example.test"), newPair(t, "Bob", "bob@example.test")
	signed, err := BuildSigned(outgoing("Signed inside"), alice.sec)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := readEntity(signed)
	inner := "Content-Type: " + e.header.Get("Content-Type") + "\r\n\r\n" + string(e.body)
	h, _ := handle.Encryption().Recipient(bob.pub.key).New()
	msg, err := h.Encrypt([]byte(inner))
	if err != nil {
		t.Fatal(err)
	}
	armored, _ := msg.Armor()
	raw := multipartEncrypted("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: ...\r\n", armored)
	ring := NewRing()
	ring.Add("alice@example.test", alice.pub, SourceImport)
	o := mustOpen(t, raw, Keys{Own: []*SecretKey{bob.sec}, Contacts: ring})
	wantSecurity(t, o, true, model.SigGoodKnown)
	if o.Parsed.Message.Subject != "Signed inside" || !strings.Contains(o.Parsed.Body.Text, "Caliopen") {
		t.Errorf("subject %q text %q", o.Parsed.Message.Subject, o.Parsed.Body.Text)
	}
}

func TestInlinePGP(t *testing.T) {
	alice, bob := newPair(t, "Alice", "alice@example.test"), newPair(t, "Bob", "bob@example.test")
	ring := NewRing()
	ring.Add("alice@example.test", alice.pub, SourceImport)
	keys := Keys{Own: []*SecretKey{bob.sec}, Contacts: ring}
	h, _ := handle.Encryption().Recipient(bob.pub.key).SigningKey(alice.sec.key).New()
	msg, _ := h.Encrypt([]byte("the inline secret"))
	armored, _ := msg.Armor()
	o := mustOpen(t, plainMail("Inline", "Before.\n"+armored+"\nAfter."), keys)
	wantSecurity(t, o, true, model.SigGoodKnown)
	if !strings.Contains(o.Parsed.Body.Text, "the inline secret") || strings.Contains(o.Parsed.Body.Text, "BEGIN PGP") {
		t.Errorf("text %q", o.Parsed.Body.Text)
	}

	s, _ := handle.Sign().SigningKey(alice.sec.key).New()
	clear, _ := s.SignCleartext([]byte("signed in the clear\n"))
	o = mustOpen(t, plainMail("Clear", string(clear)), keys)
	wantSecurity(t, o, false, model.SigGoodKnown)
	if strings.TrimSpace(o.Parsed.Body.Text) != "signed in the clear" {
		t.Errorf("text %q", o.Parsed.Body.Text)
	}
	o = mustOpen(t, plainMail("Clear", strings.Replace(string(clear), "signed in", "signed on", 1)), keys)
	wantSecurity(t, o, false, model.SigBad)
}

func TestFailuresAreExplained(t *testing.T) {
	alice, bob := newPair(t, "Alice", "alice@example.test"), newPair(t, "Bob", "bob@example.test")
	ring := NewRing()
	ring.Add("alice@example.test", alice.pub, SourceImport)
	keys := Keys{Own: []*SecretKey{bob.sec}, Contacts: ring}
	raw, _ := BuildEncrypted(outgoing("Damaged"), alice.sec, []*PublicKey{bob.pub})

	damaged := bytes.Clone(raw)
	at := bytes.Index(damaged, []byte("-----BEGIN PGP MESSAGE-----")) + 300
	damaged[at] ^= 0x01 // one base64 character changed in the ciphertext
	o := mustOpen(t, damaged, keys)
	if o.Security.Encrypted || !strings.Contains(o.Security.Note, "damaged") {
		t.Errorf("damaged: %+v", o.Security)
	}

	cut := raw[:len(raw)/2]
	if o := mustOpen(t, cut, keys); o.Security.Encrypted || o.Security.Note == "" {
		t.Errorf("cut short: %+v", o.Security)
	}

	// signed with a key revoked since
	revoked, _ := alice.sec.key.Copy()
	if err := revoked.GetEntity().Revoke(packet.KeyCompromised, "stolen", nil); err != nil {
		t.Fatal(err)
	}
	revokedPub, _ := revoked.ToPublic()
	rring := NewRing()
	rring.Add("alice@example.test", &PublicKey{key: revokedPub}, SourceImport)
	signed, _ := BuildSigned(outgoing("Signed"), alice.sec)
	o = mustOpen(t, signed, Keys{Contacts: rring})
	if o.Security.Signature != model.SigError || !hasNote(o.Security, "sig.key-revoked") {
		t.Errorf("revoked: %+v", o.Security)
	}

	// signed by a key that has expired since
	old := time.Now().Add(-48 * time.Hour).Unix()
	expKey, err := handle.KeyGeneration().AddUserId("Old", "old@example.test").GenerationTime(old).Lifetime(3600).New().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := handle.Sign().SigningKey(expKey).SignTime(old + 60).Detached().New()
	body := "Content-Type: text/plain\r\n\r\nold news\r\n"
	sig, err := sh.Sign([]byte(body), crypto.Armor)
	if err != nil {
		t.Fatal(err)
	}
	expPub, _ := expKey.ToPublic()
	ering := NewRing()
	ering.Add("old@example.test", &PublicKey{key: expPub}, SourceImport)
	msg := "From: old@example.test\r\nSubject: old\r\nContent-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256; boundary=x\r\n\r\n" +
		"--x\r\n" + body + "\r\n--x\r\nContent-Type: application/pgp-signature\r\n\r\n" + string(sig) + "\r\n--x--\r\n"
	o = mustOpen(t, []byte(msg), Keys{Contacts: ering})
	// Made while the key was valid: good, from the known key, with a word that it expired since.
	if o.Security.Signature != model.SigGoodKnown || len(o.Security.Notes) != 1 || o.Security.Notes[0].Code != "sig.signer-expired" {
		t.Errorf("expired: %+v", o.Security)
	}
}

func TestAutocryptKeyGivesGoodUnknown(t *testing.T) {
	alice, bob := newPair(t, "Alice", "alice@example.test"), newPair(t, "Bob", "bob@example.test")
	kd, _ := alice.pub.Bytes()
	m := outgoing("First contact")
	m.Autocrypt = autocrypt.Header{Addr: "alice@example.test", PreferEncrypt: autocrypt.Mutual, KeyData: kd}.String()
	raw, err := BuildEncrypted(m, alice.sec, []*PublicKey{bob.pub})
	if err != nil {
		t.Fatal(err)
	}
	o := mustOpen(t, raw, Keys{Own: []*SecretKey{bob.sec}, Contacts: NewRing()})
	wantSecurity(t, o, true, model.SigGoodUnknown)
	if len(o.Parsed.Autocrypt) != 1 {
		t.Errorf("outer autocrypt header not read: %q", o.Parsed.Autocrypt)
	}
}

func plainMail(subject, text string) []byte {
	return []byte(fmt.Sprintf("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n",
		subject, strings.ReplaceAll(text, "\n", "\r\n")))
}

func TestLegacyDisplayHidden(t *testing.T) {
	alice, bob := newPair(t, "Alice", "alice@example.test"), newPair(t, "Bob", "bob@example.test")
	cases := map[string]string{
		"RFC 9788": "Content-Type: text/plain; charset=utf-8; hp=\"cipher\"; hp-legacy-display=\"1\"\r\n" +
			"Subject: Real subject\r\nFrom: alice@example.test\r\n\r\n" +
			"Subject: Real subject\r\n\r\nThe body.\r\n",
		"protected-headers v1": "Content-Type: multipart/mixed; boundary=m; protected-headers=\"v1\"\r\nSubject: Real subject\r\n\r\n" +
			"--m\r\nContent-Type: text/rfc822-headers; protected-headers=\"v1\"\r\nContent-Disposition: inline\r\n\r\nSubject: Real subject\r\n" +
			"--m\r\nContent-Type: text/plain\r\n\r\nThe body.\r\n--m--\r\n",
	}
	for name, inner := range cases {
		t.Run(name, func(t *testing.T) {
			h, _ := handle.Encryption().Recipient(bob.pub.key).SigningKey(alice.sec.key).New()
			msg, _ := h.Encrypt([]byte(inner))
			armored, _ := msg.Armor()
			raw := multipartEncrypted("From: alice@example.test\r\nTo: bob@example.test\r\nSubject: ...\r\n", armored)
			o := mustOpen(t, raw, Keys{Own: []*SecretKey{bob.sec}})
			p := o.Parsed
			if p.Message.Subject != "Real subject" || strings.TrimSpace(p.Body.Text) != "The body." || len(p.Body.Attachments) != 0 || p.Message.Snippet != "The body." {
				t.Errorf("subject %q text %q attachments %+v snippet %q", p.Message.Subject, p.Body.Text, p.Body.Attachments, p.Message.Snippet)
			}
		})
	}
}
