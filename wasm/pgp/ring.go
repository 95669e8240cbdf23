package pgp

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/gopenpgp/v3/crypto"
)

// Source says where a contact's key came from.
type Source string

const (
	SourceAutocrypt  Source = "autocrypt"
	SourceWKD        Source = "wkd"
	SourceImport     Source = "import"
	SourceAttachment Source = "attachment"
)

// ContactKey is a public key held for an address.
type ContactKey struct {
	Address  string // lower-case e-mail address the key is used for
	Key      *PublicKey
	Source   Source
	Verified bool // the user compared the fingerprint out of band
	AddedAt  time.Time
}

// Ring holds contacts' public keys, by address. It is safe for concurrent use.
type Ring struct {
	mu   sync.RWMutex
	keys []*ContactKey
}

// NewRing returns an empty ring.
func NewRing() *Ring { return &Ring{} }

// Add stores key for address. A key already held for that address keeps its verified mark;
// its source is updated.
func (r *Ring) Add(address string, key *PublicKey, source Source) *ContactKey {
	address = normAddr(address)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if k.Address == address && k.Key.Fingerprint() == key.Fingerprint() {
			k.Key, k.Source = key, source
			return k
		}
	}
	k := &ContactKey{Address: address, Key: key, Source: source, AddedAt: timeNow()}
	r.keys = append(r.keys, k)
	return k
}

// Replace makes r hold what other holds (the ring reloaded from the store).
func (r *Ring) Replace(other *Ring) {
	keys := other.All()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.keys = keys
}

// Remove forgets the key with fingerprint for address.
func (r *Ring) Remove(address, fingerprint string) {
	address = normAddr(address)
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := r.keys[:0]
	for _, k := range r.keys {
		if !(k.Address == address && k.Key.Fingerprint() == fingerprint) {
			kept = append(kept, k)
		}
	}
	r.keys = kept
}

// SetVerified marks (or unmarks) the key with fingerprint for address as verified.
func (r *Ring) SetVerified(address, fingerprint string, verified bool) bool {
	address = normAddr(address)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range r.keys {
		if k.Address == address && k.Key.Fingerprint() == fingerprint {
			k.Verified = verified
			return true
		}
	}
	return false
}

// ForAddress returns the keys held for address, verified ones first, then newest first.
func (r *Ring) ForAddress(address string) []*ContactKey {
	if r == nil {
		return nil
	}
	address = normAddr(address)
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*ContactKey
	for i := len(r.keys) - 1; i >= 0; i-- {
		if k := r.keys[i]; k.Address == address {
			out = append(out, k)
		}
	}
	verifiedFirst(out)
	return out
}

// EncryptionKey returns the best key usable now to encrypt to address, or nil.
func (r *Ring) EncryptionKey(address string) *ContactKey {
	now := timeNow().Unix()
	for _, k := range r.ForAddress(address) {
		if k.Key.Usable(now) == "" {
			return k
		}
	}
	return nil
}

// All returns every key held.
func (r *Ring) All() []*ContactKey {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*ContactKey(nil), r.keys...)
}

// byFingerprint returns the entries holding the key with fingerprint.
func (r *Ring) byFingerprint(fpr string) []*ContactKey {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []*ContactKey
	for _, k := range r.keys {
		if k.Key.Fingerprint() == fpr {
			out = append(out, k)
		}
	}
	return out
}

// keyRing returns every distinct key held, as a gopenpgp key ring for verification.
func (r *Ring) keyRing(extra ...*PublicKey) *crypto.KeyRing {
	kr, _ := crypto.NewKeyRing(nil)
	seen := map[string]bool{}
	add := func(p *PublicKey) {
		if p == nil || seen[p.Fingerprint()] {
			return
		}
		seen[p.Fingerprint()] = true
		_ = kr.AddKey(p.key)
	}
	if r != nil {
		for _, k := range r.All() {
			add(k.Key)
		}
	}
	for _, p := range extra {
		add(p)
	}
	return kr
}

func verifiedFirst(ks []*ContactKey) {
	for i := 1; i < len(ks); i++ { // stable insertion sort: the lists are a few keys long
		for j := i; j > 0 && ks[j].Verified && !ks[j-1].Verified; j-- {
			ks[j], ks[j-1] = ks[j-1], ks[j]
		}
	}
}

func normAddr(a string) string { return strings.ToLower(strings.TrimSpace(a)) }

// Record is a ring entry in a form to store: the key as binary bytes.
type Record struct {
	Address  string    `json:"address"`
	Key      []byte    `json:"key"`
	Source   Source    `json:"source"`
	Verified bool      `json:"verified,omitempty"`
	AddedAt  time.Time `json:"addedAt"`
}

// Records returns every entry for the store to persist.
func (r *Ring) Records() ([]Record, error) {
	var out []Record
	for _, k := range r.All() {
		b, err := k.Key.Bytes()
		if err != nil {
			return nil, err
		}
		out = append(out, Record{Address: k.Address, Key: b, Source: k.Source, Verified: k.Verified, AddedAt: k.AddedAt})
	}
	return out, nil
}

// RestoreRecords loads stored entries; an entry whose key cannot be read is skipped and
// counted in the error.
func (r *Ring) RestoreRecords(records []Record) error {
	bad := 0
	for _, rec := range records {
		pub, err := ParsePublic(rec.Key)
		if err != nil {
			bad++
			continue
		}
		k := r.Add(rec.Address, pub, rec.Source)
		r.mu.Lock()
		k.Verified, k.AddedAt = rec.Verified, rec.AddedAt
		r.mu.Unlock()
	}
	if bad > 0 {
		return fmt.Errorf("pgp: %d stored keys cannot be read", bad)
	}
	return nil
}
