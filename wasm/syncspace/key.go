// Package syncspace replicates the user-owned state of the core (contact links and splits,
// settings, read and archive state the networks do not hold, sealed accounts and keys,
// outbox claims) between a person's devices through the blind relay.
//
// A sync space is one person's: a 256-bit key created at onboarding and shown once as a
// recovery phrase (24 BIP-39 English words) and as a pairing code; a second device joins by
// entering either. From the key, HKDF derives the space's encryption key (XChaCha20-Poly1305)
// and its ed25519 signing key; the relay only sees the signing key's public half, signatures,
// and the space id computed from it (syncproto.SpaceID).
//
// Replication is operation based (ops.go, state.go): every change is an operation stamped with
// a hybrid logical clock; fields merge last-writer-wins, sets are add-wins, deletions are
// explicit tombstones, and outbox claims are decided by the relay's log order, so replicas
// converge whatever the delivery order and however often an operation arrives. Operations
// travel in batches, encoded, padded to a size bucket and sealed (seal.go); the client
// (client.go) pushes, pulls from its cursor and follows the log live over a Transport.
//
// Compaction (compact.go) keeps the relay's log and each device's copy of it in proportion
// to the state, not to its history: a device that has read the whole log writes, now and
// then, a snapshot of its state (the operations that rebuild it exactly, stamps, add tags,
// tombstones and winning claims included, sealed like any batch) and asks the relay to trim
// the log up to the snapshot's point. Devices replay the latest snapshot and what followed
// at start-up; one that was offline across a trim, or joins after it, reads the snapshot
// and decides no claim before it has.
package syncspace

import (
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/cosmos/go-bip39"
	"golang.org/x/crypto/chacha20poly1305"

	"caliopen/shared/syncproto"
)

// KeySize is the size of a space key.
const KeySize = 32

// codePrefix starts a pairing code (what a QR code carries).
const codePrefix = "caliopen-sync:1:"

// ErrBadSecret is returned for a recovery phrase or pairing code that does not decode.
var ErrBadSecret = errors.New("syncspace: not a valid recovery phrase or pairing code")

// SecretError says what is wrong with a recovery phrase or pairing code; it is ErrBadSecret.
type SecretError struct {
	// Problem is "code" (a pairing code that does not decode), "length" (not 24 words),
	// "word" (a word not in the list) or "checksum" (a word is wrong).
	Problem  string
	Words    int    // length: how many words were given
	Position int    // word: which word, from 1
	Word     string // word: the word
}

func (e *SecretError) Error() string {
	switch e.Problem {
	case "length":
		return fmt.Sprintf("%v: a recovery phrase has 24 words, this has %d", ErrBadSecret, e.Words)
	case "word":
		return fmt.Sprintf("%v: word %d (%q) is not in the list", ErrBadSecret, e.Position, e.Word)
	case "checksum":
		return fmt.Sprintf("%v: a word is wrong (checksum)", ErrBadSecret)
	}
	return ErrBadSecret.Error()
}

func (e *SecretError) Unwrap() error { return ErrBadSecret }

// Key is a sync space's secret: whoever holds it reads and writes the space.
type Key struct {
	root   [KeySize]byte
	aead   [KeySize]byte
	atRest [KeySize]byte // seals what a device stores of the space (atrest.go)
	// atRestAEAD is the cipher over atRest, made once: a device opens and seals records
	// all the time. Its methods keep no state, so concurrent calls are safe.
	atRestAEAD cipher.AEAD
	signer     ed25519.PrivateKey
	space      [syncproto.SpaceIDSize]byte
}

// NewKey creates a random space key.
func NewKey() (*Key, error) {
	var root [KeySize]byte
	if _, err := rand.Read(root[:]); err != nil {
		return nil, err
	}
	return keyFrom(root)
}

// KeyFromBytes rebuilds a key from its 32 bytes (as sealed in the vault).
func KeyFromBytes(b []byte) (*Key, error) {
	if len(b) != KeySize {
		return nil, fmt.Errorf("syncspace: key of %d bytes", len(b))
	}
	return keyFrom([KeySize]byte(b))
}

func keyFrom(root [KeySize]byte) (*Key, error) {
	k := &Key{root: root}
	derive := func(info string) ([]byte, error) {
		return hkdf.Key(sha256.New, root[:], nil, "caliopen-sync-v1 "+info, KeySize)
	}
	aead, err := derive("aead")
	if err != nil {
		return nil, err
	}
	seed, err := derive("ed25519")
	if err != nil {
		return nil, err
	}
	atRest, err := derive("at-rest")
	if err != nil {
		return nil, err
	}
	copy(k.aead[:], aead)
	copy(k.atRest[:], atRest)
	if k.atRestAEAD, err = chacha20poly1305.NewX(k.atRest[:]); err != nil {
		return nil, err
	}
	k.signer = ed25519.NewKeyFromSeed(seed)
	k.space = syncproto.SpaceID(k.PublicKey())
	return k, nil
}

// Bytes returns the key's 32 secret bytes.
func (k *Key) Bytes() []byte { return append([]byte(nil), k.root[:]...) }

// PublicKey is the space's ed25519 public key, which the relay sees.
func (k *Key) PublicKey() ed25519.PublicKey { return k.signer.Public().(ed25519.PublicKey) }

// SpaceID is the id the relay files the space's batches under.
func (k *Key) SpaceID() [syncproto.SpaceIDSize]byte { return k.space }

// Sign signs a message with the space's signing key.
func (k *Key) Sign(msg []byte) []byte { return ed25519.Sign(k.signer, msg) }

// Phrase is the key as 24 words of the BIP-39 English wordlist (the last word carries a
// checksum, so a mistyped word is caught). The wordlist and checksum come from
// github.com/cosmos/go-bip39, the fork of tyler-smith/go-bip39 that cosmos-sdk maintains.
func (k *Key) Phrase() string {
	p, err := bip39.NewMnemonic(k.root[:])
	if err != nil {
		panic("syncspace: 32 bytes always make a phrase: " + err.Error())
	}
	return p
}

// PairingCode is the key as one short string for a QR code or a copy and paste.
func (k *Key) PairingCode() string {
	return codePrefix + base64.RawURLEncoding.EncodeToString(k.root[:])
}

// ParseSecret reads a recovery phrase (words separated by any spaces, any case) or a pairing
// code back into the key.
func ParseSecret(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, codePrefix); ok {
		b, err := base64.RawURLEncoding.DecodeString(rest)
		if err != nil || len(b) != KeySize {
			return nil, &SecretError{Problem: "code"}
		}
		return keyFrom([KeySize]byte(b))
	}
	words := strings.Fields(strings.ToLower(s))
	if len(words) != 24 {
		return nil, &SecretError{Problem: "length", Words: len(words)}
	}
	for i, w := range words {
		if _, ok := bip39.ReverseWordMap[w]; !ok {
			return nil, &SecretError{Problem: "word", Position: i + 1, Word: w}
		}
	}
	b, err := bip39.MnemonicToByteArray(strings.Join(words, " "))
	if err != nil || len(b) != KeySize+1 { // entropy and its checksum byte
		return nil, &SecretError{Problem: "checksum"}
	}
	return keyFrom([KeySize]byte(b[:KeySize]))
}
