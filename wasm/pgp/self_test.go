package pgp

import (
	"bytes"
	"testing"
)

func TestEncryptToSelfOpensWithTheSecretKeyOnly(t *testing.T) {
	me, err := Generate("Alex", "alex@example.org")
	if err != nil {
		t.Fatal(err)
	}
	other, err := Generate("Eve", "eve@example.org")
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := me.Public()
	ct, err := EncryptTo([]byte("draft: the figures"), pub)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("figures")) || !bytes.HasPrefix(ct, []byte("-----BEGIN PGP MESSAGE-----")) {
		t.Fatalf("not sealed: %s", ct)
	}
	plain, sec := DecryptAndVerify(ct, Keys{Own: []*SecretKey{me}}, "")
	if string(plain) != "draft: the figures" || !sec.Encrypted {
		t.Fatalf("opened %q %+v", plain, sec)
	}
	if plain, sec := DecryptAndVerify(ct, Keys{Own: []*SecretKey{other}}, ""); plain != nil || !sec.Undecrypted {
		t.Fatalf("another key opened it: %q %+v", plain, sec)
	}
	if _, err := EncryptTo([]byte("x")); err == nil {
		t.Fatal("encrypted to nobody")
	}
}
