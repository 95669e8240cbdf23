// Package vault keeps the core's secrets (account passwords, OAuth tokens, private keys) sealed
// at rest. A passphrase gives, through Argon2id, a key-encryption key that wraps a random data
// key; every secret is sealed with XChaCha20-Poly1305 under the data key, with its id as
// associated data, and stored in the "vault" object store. The vault is locked at rest: Unlock
// once per session, Lock to forget the keys. Changing the passphrase re-wraps the data key only.
package vault

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"

	"caliopen/wasm/store"
)

// Store is the name of the object store holding the vault.
const Store = "vault"

// Errors of the vault.
var (
	ErrWrongPassphrase = errors.New("vault: wrong passphrase")
	ErrLocked          = errors.New("vault: locked")
	ErrNoVault         = errors.New("vault: no vault yet (create one first)")
	ErrExists          = errors.New("vault: a vault already exists")
	ErrDamaged         = errors.New("vault: sealed data is damaged or was tampered with")
	ErrNotFound        = errors.New("vault: no such secret")
)

// Params are the Argon2id parameters, stored with the vault.
type Params struct {
	Time      uint32 `json:"t"` // passes
	MemoryKiB uint32 `json:"m"`
	Threads   uint8  `json:"p"`
}

// DefaultParams (Argon2id, 3 passes over 32 MiB, one lane) unlock in about 0.17 s in Chromium's
// WebAssembly on one x86 server core (0.11 s native), so about 0.5 to 0.8 s on a phone 3 to 5
// times slower. 64 MiB with 2 passes took 0.27 s and would pass 1 s on slow phones; the memory
// also stays with the WebAssembly instance, which never shrinks. Measured by TestUnlockTime.
var DefaultParams = Params{Time: 3, MemoryKiB: 32 * 1024, Threads: 1}

// header is the vault's one record of metadata: the KDF parameters, the salt and the wrapped
// data key.
type header struct {
	Version int       `json:"v"`
	KDF     string    `json:"kdf"`
	Params  Params    `json:"params"`
	Salt    []byte    `json:"salt"`
	Wrapped []byte    `json:"wrapped"` // nonce || XChaCha20-Poly1305(KEK, data key)
	Changed time.Time `json:"changed"`
}

const (
	headerKey = "header"
	keyLen    = chacha20poly1305.KeySize
)

func secretKey(id string) string { return store.Tuple("secret", id) }

// Vault is the sealed secret store over one database.
type Vault struct {
	db store.DB
	mu sync.Mutex
	dk []byte // the data key; nil when locked
}

// New returns the vault kept in db's "vault" store, locked.
func New(db store.DB) *Vault { return &Vault{db: db} }

// Exists reports whether a vault was created.
func (v *Vault) Exists(ctx context.Context) (bool, error) {
	err := v.db.View(ctx, []string{Store}, func(tx store.Tx) error {
		_, err := tx.Get(Store, headerKey)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Create makes a new vault with a random data key wrapped under passphrase, and leaves it
// unlocked.
func (v *Vault) Create(ctx context.Context, passphrase []byte, p Params) error {
	dk := make([]byte, keyLen)
	rand.Read(dk)
	h, err := wrap(dk, passphrase, p)
	if err != nil {
		return err
	}
	err = v.db.Update(ctx, []string{Store}, func(tx store.Tx) error {
		if _, err := tx.Get(Store, headerKey); err == nil {
			return ErrExists
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return putHeader(tx, h)
	})
	if err != nil {
		wipe(dk)
		return err
	}
	v.mu.Lock()
	wipe(v.dk)
	v.dk = dk
	v.mu.Unlock()
	return nil
}

// Unlock derives the key-encryption key from passphrase and unwraps the data key. A wrong
// passphrase returns ErrWrongPassphrase and changes nothing.
func (v *Vault) Unlock(ctx context.Context, passphrase []byte) error {
	_, dk, err := v.open(ctx, passphrase)
	if err != nil {
		return err
	}
	v.mu.Lock()
	wipe(v.dk)
	v.dk = dk
	v.mu.Unlock()
	return nil
}

// Check reports whether passphrase opens the vault (ErrWrongPassphrase when it does not),
// without changing anything: for confirming a sensitive action while unlocked.
func (v *Vault) Check(ctx context.Context, passphrase []byte) error {
	_, dk, err := v.open(ctx, passphrase)
	if err == nil {
		wipe(dk)
	}
	return err
}

// open reads the vault's header and unwraps its data key with passphrase.
func (v *Vault) open(ctx context.Context, passphrase []byte) (*header, []byte, error) {
	h, err := v.header(ctx)
	if err != nil {
		return nil, nil, err
	}
	dk, err := unwrap(h, passphrase)
	return h, dk, err
}

// Lock forgets the data key (its bytes are overwritten; copies the Go runtime made, if any,
// cannot be reached).
func (v *Vault) Lock() {
	v.mu.Lock()
	wipe(v.dk)
	v.dk = nil
	v.mu.Unlock()
}

// Locked reports whether the vault is locked.
func (v *Vault) Locked() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.dk == nil
}

// ChangePassphrase re-wraps the data key under a new passphrase (and parameters, if p is not
// nil). Secrets are not re-encrypted. A wrong old passphrase returns ErrWrongPassphrase.
func (v *Vault) ChangePassphrase(ctx context.Context, old, passphrase []byte, p *Params) error {
	h, dk, err := v.open(ctx, old)
	if err != nil {
		return err
	}
	defer wipe(dk)
	params := h.Params
	if p != nil {
		params = *p
	}
	nh, err := wrap(dk, passphrase, params)
	if err != nil {
		return err
	}
	return v.db.Update(ctx, []string{Store}, func(tx store.Tx) error { return putHeader(tx, nh) })
}

func (v *Vault) header(ctx context.Context) (*header, error) {
	var h header
	err := v.db.View(ctx, []string{Store}, func(tx store.Tx) error {
		rec, err := tx.Get(Store, headerKey)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNoVault
		}
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rec.Value, &h); err != nil || h.KDF != "argon2id" || len(h.Salt) == 0 {
			return ErrDamaged
		}
		return nil
	})
	return &h, err
}

func putHeader(tx store.Tx, h *header) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return tx.Put(Store, store.Record{Key: headerKey, Value: b})
}

// kek derives the key-encryption key.
func kek(passphrase []byte, h *header) []byte {
	p := h.Params
	return argon2.IDKey(passphrase, h.Salt, p.Time, p.MemoryKiB, p.Threads, keyLen)
}

// headerAD binds the wrapped key to the KDF and its parameters.
func headerAD(h *header) []byte {
	return fmt.Appendf(nil, "caliopen-vault-key/v%d/%s/t=%d/m=%d/p=%d/%x", h.Version, h.KDF, h.Params.Time, h.Params.MemoryKiB, h.Params.Threads, h.Salt)
}

func wrap(dk, passphrase []byte, p Params) (*header, error) {
	if p.Time < 1 || p.MemoryKiB < 8*uint32(max(p.Threads, 1)) || p.Threads < 1 {
		return nil, fmt.Errorf("vault: bad Argon2id parameters %+v", p)
	}
	h := &header{Version: 1, KDF: "argon2id", Params: p, Salt: make([]byte, 16), Changed: time.Now().UTC()}
	rand.Read(h.Salt)
	k := kek(passphrase, h)
	defer wipe(k)
	sealed, err := seal(k, dk, headerAD(h))
	if err != nil {
		return nil, err
	}
	h.Wrapped = sealed
	return h, nil
}

func unwrap(h *header, passphrase []byte) ([]byte, error) {
	k := kek(passphrase, h)
	defer wipe(k)
	dk, err := open(k, h.Wrapped, headerAD(h))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return dk, nil
}

func seal(key, plaintext, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, plaintext, ad), nil
}

func open(key, sealed, ad []byte) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrDamaged
	}
	n := aead.NonceSize()
	pt, err := aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrDamaged
	}
	return pt, nil
}

func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}
