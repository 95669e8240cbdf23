package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"caliopen/wasm/pgp"
)

// Contacts' public keys travel key by key (one entry per address and fingerprint, last
// writer wins per entry), so that keys imported or verified on two devices at once are all
// kept, and a large keyring never has to fit in one batch. The entries are the keyring's
// records as last saved (keys.saveContacts and keys.load rebuild them); the keyring itself
// stays a device setting.

const collContactKey = "contact.key"

// contactKeyID names a contact's key in the space: its address and fingerprint.
func contactKeyID(address, fingerprint string) string { return address + " " + fingerprint }

// travelling rebuilds the contacts' keys as they travel, from the keyring. Caller holds k.mu.
func (k *keys) travellingLocked() {
	out := map[string][]byte{}
	for _, c := range k.ring.All() {
		b, err := c.Key.Bytes()
		if err != nil {
			continue
		}
		v, err := json.Marshal(pgp.Record{Address: c.Address, Key: b, Source: c.Source, Verified: c.Verified, AddedAt: c.AddedAt})
		if err != nil {
			continue
		}
		out[contactKeyID(c.Address, c.Key.Fingerprint())] = v
	}
	k.travel = out
}

func (k *keys) rebuildTravelling() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.travellingLocked()
}

func (s *syncer) localContactKeys(ctx context.Context) (map[string][]byte, error) {
	k := s.a.keys
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string][]byte, len(k.travel))
	for id, v := range k.travel {
		out[id] = v
	}
	return out, nil
}

// applyContactKey adds a key another device holds (or its new verified mark); the keyring
// is saved once per round (flushContactKeys).
func (s *syncer) applyContactKey(ctx context.Context, id string, value []byte) error {
	var rec pgp.Record
	if err := json.Unmarshal(value, &rec); err != nil || rec.Address == "" || !strings.HasPrefix(id, rec.Address+" ") {
		return errors.New("sync: a contact's key from another device is unreadable")
	}
	// Restored as recorded (source, mark and date): the record this device then carries is
	// the one it received, so the two devices do not send it back and forth.
	if err := s.a.keys.ring.RestoreRecords([]pgp.Record{rec}); err != nil {
		return err
	}
	s.keysApplied = append(s.keysApplied, rec.Address)
	return nil
}

// contactKeyGone removes a key another device removed.
func (s *syncer) contactKeyGone(ctx context.Context, id string) error {
	address, fingerprint, ok := strings.Cut(id, " ")
	if !ok {
		return nil
	}
	s.a.keys.ring.Remove(address, fingerprint)
	s.keysApplied = append(s.keysApplied, address)
	return nil
}

// contactKeyRemoved: a key this device carried and no longer holds was removed here.
func (s *syncer) contactKeyRemoved(ctx context.Context, id string) bool { return true }

// flushContactKeys saves the keyring once after a round applied keys from other devices.
func (s *syncer) flushContactKeys(ctx context.Context) error {
	if len(s.keysApplied) == 0 {
		return nil
	}
	addresses := s.keysApplied
	s.keysApplied = nil
	return s.a.keys.saveContacts(ctx, addresses...)
}
