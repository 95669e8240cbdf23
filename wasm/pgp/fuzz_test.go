package pgp

import (
	"bytes"
	"testing"

	"github.com/ProtonMail/gopenpgp/v3/armor"
)

// FuzzOpen feeds hostile messages to Open: it may refuse them, never panic.
func FuzzOpen(f *testing.F) {
	me, err := Generate("Alice", "alice@example.test")
	if err != nil {
		f.Fatal(err)
	}
	pub, _ := me.Public()
	enc, _ := BuildEncrypted(outgoing("fuzz"), me, []*PublicKey{pub})
	signed, _ := BuildSigned(outgoing("fuzz"), me)
	f.Add(enc)
	f.Add(signed)
	f.Add(plainMail("x", "-----BEGIN PGP MESSAGE-----\n\nwcBMA\n-----END PGP MESSAGE-----"))
	f.Add(plainMail("x", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nhi\n-----BEGIN PGP SIGNATURE-----\n\n-----END PGP SIGNATURE-----"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n--b\r\n\r\n--a--"))
	// Claims inside that nothing proves: an unsigned encrypted part naming another sender.
	claim := outgoing("claim")
	claim.From.Address = "boss@example.test"
	_ = claim.fillDefaults()
	inner, _ := claim.protectedContent("cipher", true)
	unsigned, _ := EncryptTo(inner, pub)
	f.Add(multipartEncrypted("From: mallory@example.test\r\nSubject: [...]\r\n", string(unsigned)))
	keys := Keys{Own: []*SecretKey{me}, Contacts: NewRing()}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := Open(raw, keys)
		if err != nil {
			return
		}
		if o.Parsed == nil {
			t.Fatal("no error and no message")
		}
		// A sender other than the outer one is shown only under a valid signature.
		if from := o.Parsed.Message.From().Address(); from != "" && from != o.Sender && !signatureValid(o.Security) {
			t.Fatalf("shown as from %q, sent by %q, with security %+v", from, o.Sender, o.Security)
		}
	})
}

// FuzzParsePublicKeys feeds hostile attachments to ParsePublicKeys (a key attached to a
// received mail): it may refuse them, never panic.
func FuzzParsePublicKeys(f *testing.F) {
	me, err := Generate("Alice", "alice@example.test")
	if err != nil {
		f.Fatal(err)
	}
	pub, _ := me.Public()
	armored, _ := pub.Armored()
	bin, _ := pub.Bytes()
	f.Add([]byte(armored))
	f.Add(bin)
	f.Add([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n-----END PGP PUBLIC KEY BLOCK-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParsePublicKeys(data)
		if err != nil {
			return
		}
		for _, k := range keys {
			_, _ = k.Fingerprint(), k.Addresses()
			_ = k.Usable(timeNow().Unix())
		}
	})
}

// FuzzUnarmorMessage: whatever the fast armor reader accepts, gopenpgp's reader decodes to
// the same bytes; it never panics.
func FuzzUnarmorMessage(f *testing.F) {
	good, _ := armorMessage([]byte("fuzzing the armor reader"))
	f.Add(good)
	f.Add([]byte("-----BEGIN PGP MESSAGE-----\nVersion: x\n\nAAAA\n=AAAA\n-----END PGP MESSAGE-----\n"))
	f.Add([]byte("-----BEGIN PGP MESSAGE-----\r\n\r\n=twTO\r\n-----END PGP MESSAGE-----"))
	f.Fuzz(func(t *testing.T, in []byte) {
		bin, ok := unarmorMessage(in)
		if !ok {
			return
		}
		want, err := armor.UnarmorBytes(in)
		if err != nil {
			t.Fatalf("accepted what the library refuses (%v):\n%q", err, in)
		}
		if !bytes.Equal(bin, want) {
			t.Fatalf("decoded %x, library %x:\n%q", bin, want, in)
		}
	})
}
