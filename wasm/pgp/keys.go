package pgp

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/ProtonMail/gopenpgp/v3/armor"
	"github.com/ProtonMail/gopenpgp/v3/constants"
	"github.com/ProtonMail/gopenpgp/v3/crypto"
	"github.com/ProtonMail/gopenpgp/v3/profile"
)

// handle is the gopenpgp handle every operation uses: v4 keys, Curve25519, SEIPDv1.
var handle = crypto.PGPWithProfile(profile.Default())

// SecretKey is one of the user's own key pairs, unlocked for use in this session.
type SecretKey struct {
	key *crypto.Key
	// pub is the public half, made once: making it copies and parses the key again, and a
	// key kept keeps the results of its self-signatures' checks (go-crypto caches them).
	pub *PublicKey
}

func newSecretKey(k *crypto.Key) (*SecretKey, error) {
	p, err := k.ToPublic()
	if err != nil {
		return nil, err
	}
	return &SecretKey{key: k, pub: &PublicKey{key: p}}, nil
}

// ErrNotSecret is returned when a secret key was expected and a public key was given.
var ErrNotSecret = errors.New("pgp: this is a public key, not a secret key")

// Generate makes a new Curve25519 key pair (Ed25519 primary, Cv25519 subkey) for name <email>.
func Generate(name, email string) (*SecretKey, error) {
	k, err := handle.KeyGeneration().AddUserId(name, email).New().GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("pgp: generating a key: %w", err)
	}
	return newSecretKey(k)
}

// ImportSecret reads an armored or binary secret key, unlocking it with passphrase when it
// is protected.
func ImportSecret(data, passphrase []byte) (*SecretKey, error) {
	k, err := crypto.NewKeyFromReaderExplicit(bytes.NewReader(data), crypto.Auto)
	if err != nil {
		return nil, fmt.Errorf("pgp: reading the key: %w", err)
	}
	if !k.IsPrivate() {
		return nil, ErrNotSecret
	}
	locked, err := k.IsLocked()
	if err != nil {
		return nil, fmt.Errorf("pgp: reading the key: %w", err)
	}
	if locked {
		if k, err = k.Unlock(passphrase); err != nil {
			return nil, fmt.Errorf("pgp: the passphrase does not unlock this key: %w", err)
		}
	}
	return newSecretKey(k)
}

// SecretKeyFromBytes reads the bytes Bytes returned (after the vault unsealed them).
func SecretKeyFromBytes(b []byte) (*SecretKey, error) {
	return ImportSecret(b, nil)
}

// Bytes returns the unprotected secret key in binary form, for the vault to seal.
func (s *SecretKey) Bytes() ([]byte, error) {
	return s.key.Serialize()
}

// Public returns the public half.
func (s *SecretKey) Public() (*PublicKey, error) { return s.pub, nil }

// Fingerprint is the key's fingerprint in lower-case hex.
func (s *SecretKey) Fingerprint() string { return s.key.GetFingerprint() }

// ExportSecret returns the secret key armored and protected with passphrase, for a backup or
// another client.
func (s *SecretKey) ExportSecret(passphrase []byte) (string, error) {
	if len(passphrase) == 0 {
		return "", errors.New("pgp: an exported secret key needs a passphrase")
	}
	locked, err := handle.LockKey(s.key, passphrase)
	if err != nil {
		return "", fmt.Errorf("pgp: protecting the key: %w", err)
	}
	return locked.Armor()
}

// ArmoredUnprotected returns the secret key armored without a passphrase, only to be put
// inside another encryption at once (an Autocrypt Setup Message, under its setup code).
func (s *SecretKey) ArmoredUnprotected() (string, error) {
	return s.key.Armor()
}

// RevocationCertificate returns an armored revocation certificate for the key, to keep aside
// and publish if the key is lost or compromised.
func (s *SecretKey) RevocationCertificate(reason string) (string, error) {
	c, err := s.key.Copy()
	if err != nil {
		return "", err
	}
	e := c.GetEntity()
	if err := e.Revoke(packet.NoReason, reason, nil); err != nil {
		return "", fmt.Errorf("pgp: making the revocation: %w", err)
	}
	var sig bytes.Buffer
	if err := e.Revocations[len(e.Revocations)-1].Packet.Serialize(&sig); err != nil {
		return "", err
	}
	return armor.ArmorWithType(sig.Bytes(), constants.PublicKeyHeader)
}

// Address returns the e-mail address of the key's primary user id.
func (s *SecretKey) Address() string { return primaryAddress(s.key) }

// PublicKey is someone's (or our own) public key.
type PublicKey struct {
	key *crypto.Key
}

// ParsePublic reads an armored or binary public key (a secret key is reduced to its public
// half).
func ParsePublic(data []byte) (*PublicKey, error) {
	k, err := crypto.NewKeyFromReaderExplicit(bytes.NewReader(data), crypto.Auto)
	if err != nil {
		return nil, fmt.Errorf("pgp: reading the key: %w", err)
	}
	if k.IsPrivate() {
		if k, err = k.ToPublic(); err != nil {
			return nil, err
		}
	}
	return &PublicKey{key: k}, nil
}

// ParsePublicKeys reads one or more concatenated public keys, armored or binary (a WKD
// answer, a key file attached to a mail).
func ParsePublicKeys(data []byte) ([]*PublicKey, error) {
	if bytes.Contains(data, []byte("-----BEGIN PGP")) {
		bin, err := armor.UnarmorBytes(data)
		if err != nil {
			return nil, fmt.Errorf("pgp: reading the keys: %w", err)
		}
		data = bin
	}
	kr, err := crypto.NewKeyRingFromBinary(data)
	if err != nil {
		return nil, fmt.Errorf("pgp: reading the keys: %w", err)
	}
	var out []*PublicKey
	for _, k := range kr.GetKeys() {
		if k.IsPrivate() {
			if k, err = k.ToPublic(); err != nil {
				return nil, err
			}
		}
		out = append(out, &PublicKey{key: k})
	}
	return out, nil
}

// Armored returns the armored public key.
func (p *PublicKey) Armored() (string, error) { return p.key.GetArmoredPublicKey() }

// Bytes returns the binary public key (the form Autocrypt's keydata and WKD use).
func (p *PublicKey) Bytes() ([]byte, error) { return p.key.GetPublicKey() }

// Fingerprint is the key's fingerprint in lower-case hex.
func (p *PublicKey) Fingerprint() string { return p.key.GetFingerprint() }

// KeyID is the 16-hex-digit key id of the primary key.
func (p *PublicKey) KeyID() string { return p.key.GetHexKeyID() }

// Address returns the e-mail address of the key's primary user id.
func (p *PublicKey) Address() string { return primaryAddress(p.key) }

// Usable says why the key cannot be used to encrypt now, or "" when it can.
func (p *PublicKey) Usable(unixTime int64) string {
	switch {
	case p.key.IsRevoked(unixTime):
		return ProblemRevoked
	case p.key.IsExpired(unixTime):
		return ProblemExpired
	case !p.key.CanEncrypt(unixTime):
		return ProblemCannotEncrypt
	}
	return ""
}

// The reasons Usable gives.
const (
	ProblemRevoked       = "the key is revoked"
	ProblemExpired       = "the key has expired"
	ProblemCannotEncrypt = "the key cannot encrypt"
)

// UserIDs returns the key's user ids as written ("Alice <alice@example.org>"), sorted: several
// naming different addresses say that one person holds them.
func (p *PublicKey) UserIDs() []string {
	var out []string
	for name := range p.key.GetEntity().Identities {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Addresses returns the lower-case email addresses the key's user ids name, sorted, each once.
func (p *PublicKey) Addresses() []string {
	var out []string
	for _, id := range p.key.GetEntity().Identities {
		if id.UserId == nil || id.UserId.Email == "" {
			continue
		}
		if a := strings.ToLower(id.UserId.Email); !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

func primaryAddress(k *crypto.Key) string {
	_, id := k.GetEntity().PrimaryIdentity(timeNow(), nil)
	if id == nil || id.UserId == nil {
		return ""
	}
	return strings.ToLower(id.UserId.Email)
}

// FormatFingerprint groups a hex fingerprint in blocks of four upper-case digits for display,
// with a wider gap in the middle as GnuPG shows it.
func FormatFingerprint(hex string) string {
	hex = strings.ToUpper(strings.ReplaceAll(hex, " ", ""))
	var b strings.Builder
	for i := 0; i < len(hex); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
			if i == len(hex)/2 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(hex[i:min(i+4, len(hex))])
	}
	return b.String()
}
