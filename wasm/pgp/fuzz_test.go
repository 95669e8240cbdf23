package pgp

import (
	"testing"
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
	keys := Keys{Own: []*SecretKey{me}, Contacts: NewRing()}
	f.Fuzz(func(t *testing.T, raw []byte) {
		o, err := Open(raw, keys)
		if err == nil && o.Parsed == nil {
			t.Fatal("no error and no message")
		}
	})
}
