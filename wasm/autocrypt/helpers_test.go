package autocrypt

import (
	"testing"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// newKey returns a fresh secret key and its binary public key.
func newKey(t testing.TB, email string) (*crypto.Key, []byte) {
	t.Helper()
	k, err := pgpHandle.KeyGeneration().AddUserId("", email).New().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := k.GetPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return k, pub
}
