package pgp

import (
	"errors"
	"fmt"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// EncryptTo encrypts plain to the given keys without signing it, armored: for what the user
// keeps for themselves (a draft sealed to their own key), which needs no proof of author and
// can be written while their secret key is locked. DecryptAndVerify opens it.
func EncryptTo(plain []byte, keys ...*PublicKey) ([]byte, error) {
	if len(keys) == 0 {
		return nil, errors.New("pgp: no key to encrypt to")
	}
	kr, err := crypto.NewKeyRing(nil)
	if err != nil {
		return nil, err
	}
	for _, p := range keys {
		if err := kr.AddKey(p.key); err != nil {
			return nil, err
		}
	}
	h, err := handle.Encryption().Recipients(kr).New()
	if err != nil {
		return nil, fmt.Errorf("pgp: preparing encryption: %w", err)
	}
	msg, err := h.Encrypt(plain)
	if err != nil {
		return nil, fmt.Errorf("pgp: encrypting: %w", err)
	}
	return armorMessage(msg.Bytes())
}
