package syncspace

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// What a device keeps of its space on its own disk (the queue of its operations, the
// batches it received, digests of what it carried) holds account passwords, tokens and
// secret keys in the clear once a batch is opened. It is sealed again at rest, under a key
// derived apart from the one batches travel under (HKDF info "at-rest"), so the device's
// storage holds no secret in the clear: the space key itself is in the vault, and the
// client only runs while the vault is open.

// atRestVersion is the first byte of a value sealed at rest.
const atRestVersion = 1

// ErrOpenAtRest is returned for a stored value that does not decrypt with this space's key
// (damaged, or written for another space or under another record name).
var ErrOpenAtRest = errors.New("syncspace: stored value does not decrypt with this space's key")

// SealAtRest encrypts a value this device stores, bound to the record's name (name is the
// associated data: a value cannot be moved to another record).
func (k *Key) SealAtRest(name string, plain []byte) ([]byte, error) {
	out := make([]byte, headerSize, headerSize+len(plain)+chacha20poly1305.Overhead)
	out[0] = atRestVersion
	if _, err := rand.Read(out[1:headerSize]); err != nil {
		return nil, err
	}
	return k.atRestAEAD.Seal(out, out[1:headerSize], plain, []byte(name)), nil
}

// OpenAtRest decrypts a value sealed by SealAtRest under the same record name.
func (k *Key) OpenAtRest(name string, sealed []byte) ([]byte, error) {
	if len(sealed) < headerSize+chacha20poly1305.Overhead || sealed[0] != atRestVersion {
		return nil, ErrOpenAtRest
	}
	plain, err := k.atRestAEAD.Open(nil, sealed[1:headerSize], sealed[headerSize:], []byte(name))
	if err != nil {
		return nil, ErrOpenAtRest
	}
	return plain, nil
}

// storedBatchFormat is the first byte of a batch's plaintext sealed by SealBatchAtRest: the
// batch codec follows (codec.go). What an earlier version sealed at rest is JSON, which starts
// otherwise.
const storedBatchFormat = 0x01

// SealBatchAtRest seals a batch of operations this device stores (a batch the log delivered,
// or operations it queued) under the record's name, as SealAtRest does, in the batch codec:
// several times cheaper to write and read than JSON, in one buffer.
func (k *Key) SealBatchAtRest(name string, b Logged) ([]byte, error) {
	out := make([]byte, headerSize, headerSize+1+sizeStored(&b)+chacha20poly1305.Overhead)
	out[0] = atRestVersion
	if _, err := rand.Read(out[1:headerSize]); err != nil {
		return nil, err
	}
	out = append(out, storedBatchFormat)
	out = appendStored(out, &b)
	return k.atRestAEAD.Seal(out[:headerSize], out[1:headerSize], out[headerSize:], []byte(name)), nil
}

// OpenBatchAtRest opens a batch SealBatchAtRest sealed under the same record name, or one an
// earlier version stored as JSON with SealAtRest. It decrypts in place: sealed is garbage
// after it, and what it returns does not refer to it.
func (k *Key) OpenBatchAtRest(name string, sealed []byte) (Logged, error) {
	var l Logged
	if len(sealed) < headerSize+chacha20poly1305.Overhead || sealed[0] != atRestVersion {
		return l, ErrOpenAtRest
	}
	body := sealed[headerSize:]
	plain, err := k.atRestAEAD.Open(body[:0], sealed[1:headerSize], body, []byte(name))
	if err != nil {
		return l, ErrOpenAtRest
	}
	if len(plain) > 0 && plain[0] == storedBatchFormat {
		return decodeStored(plain[1:])
	}
	if err := json.Unmarshal(plain, &l); err != nil {
		return l, fmt.Errorf("syncspace: stored batch: %w", err)
	}
	return l, nil
}

// Digest is a keyed digest (HMAC-SHA-256, 128 bits) of a value, for telling whether a value
// changed without storing it: unkeyed, the digest of a value holding a password would let
// whoever reads the disk test guesses of that password.
func (k *Key) Digest(v []byte) string {
	m := hmac.New(sha256.New, k.atRest[:])
	m.Write(v)
	return hex.EncodeToString(m.Sum(nil)[:16])
}
