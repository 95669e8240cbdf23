package syncspace

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"

	"caliopen/shared/syncproto"
)

// sealVersion is the first byte of a sealed batch.
const sealVersion = 1

// Padding buckets: a sealed batch's plaintext is padded to the next power of two from
// minBucket up to bigBucket, then to a multiple of bigBucket, so a batch's size tells the
// relay little more than "small", "medium" or "large".
const (
	minBucket = 1 << 10
	bigBucket = 64 << 10
)

// MaxBatchPlain is the most operation bytes one batch carries (before padding), leaving room
// for the length prefix, the nonce and the tag within syncproto.MaxBatchSize.
const MaxBatchPlain = syncproto.MaxBatchSize - bigBucket

// ErrOpen is returned for a batch that does not decrypt with the space key (damaged, or not
// this space's).
var ErrOpen = errors.New("syncspace: batch does not decrypt with this space's key")

func bucket(n int) int {
	if n > bigBucket {
		return (n + bigBucket - 1) / bigBucket * bigBucket
	}
	b := minBucket
	for b < n {
		b <<= 1
	}
	return b
}

// plainBuffers are reused for encoding batches before they are sealed.
var plainBuffers = sync.Pool{New: func() any { return new([]byte) }}

const headerSize = 1 + chacha20poly1305.NonceSizeX

// Seal encodes operations into one padded, encrypted batch: version byte, 24-byte nonce,
// then XChaCha20-Poly1305 over (4-byte length, encoded operations (codec.go), zero padding) with the space id as
// associated data, so a batch cannot be moved to another space. The batch is built and
// encrypted in place in one buffer.
func (k *Key) Seal(ops []Op) ([]byte, error) {
	return k.seal(ops, nil)
}

// SealSnapshot seals one batch of a snapshot: its operations and its place in the snapshot,
// both inside the ciphertext.
func (k *Key) SealSnapshot(ops []Op, part SnapshotPart) ([]byte, error) {
	return k.seal(ops, &part)
}

func (k *Key) seal(ops []Op, part *SnapshotPart) ([]byte, error) {
	buf := plainBuffers.Get().(*[]byte)
	defer plainBuffers.Put(buf)
	plain := encodeBatch((*buf)[:0], ops, part)
	*buf = plain
	if len(plain) > MaxBatchPlain {
		return nil, fmt.Errorf("syncspace: batch of %d bytes is over %d", len(plain), MaxBatchPlain)
	}
	size := bucket(4 + len(plain))
	out := make([]byte, headerSize+size, headerSize+size+chacha20poly1305.Overhead)
	out[0] = sealVersion
	if _, err := rand.Read(out[1:headerSize]); err != nil {
		return nil, err
	}
	padded := out[headerSize:]
	binary.BigEndian.PutUint32(padded, uint32(len(plain)))
	copy(padded[4:], plain) // the rest is zeros already
	aead, err := chacha20poly1305.NewX(k.aead[:])
	if err != nil {
		return nil, err
	}
	space := k.SpaceID()
	return aead.Seal(out[:headerSize], out[1:headerSize], padded, space[:]), nil
}

// Open decrypts and decodes a sealed batch, and checks each operation. It decrypts in place:
// the caller hands sealed over.
func (k *Key) Open(sealed []byte) ([]Op, error) {
	ops, _, err := k.OpenBatch(sealed)
	return ops, err
}

// OpenBatch is Open, and also returns the batch's place in a snapshot (nil for a batch of
// ordinary operations).
func (k *Key) OpenBatch(sealed []byte) ([]Op, *SnapshotPart, error) {
	if len(sealed) < headerSize+chacha20poly1305.Overhead || sealed[0] != sealVersion {
		return nil, nil, ErrOpen
	}
	aead, err := chacha20poly1305.NewX(k.aead[:])
	if err != nil {
		return nil, nil, err
	}
	space := k.SpaceID()
	nonce := sealed[1:headerSize]
	body := sealed[headerSize:]
	padded, err := aead.Open(body[:0], nonce, body, space[:])
	if err != nil || len(padded) < 4 {
		return nil, nil, ErrOpen
	}
	n := binary.BigEndian.Uint32(padded)
	if uint64(n) > uint64(len(padded)-4) {
		return nil, nil, fmt.Errorf("syncspace: batch length %d over its %d bytes", n, len(padded)-4)
	}
	for _, z := range padded[4+n:] {
		if z != 0 {
			return nil, nil, errCodec // padding is zeros: one plaintext per batch
		}
	}
	return decodeBatch(padded[4 : 4+n : 4+n])
}
