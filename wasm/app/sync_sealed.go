package app

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
	"caliopen/wasm/syncstore"
)

// Accounts and the user's OpenPGP keys travel whole, each with its secret from the vault,
// inside the space's encrypted batches (the relay sees ciphertext only): an account added on
// one device runs on the others as if added there, a key made on one decrypts on the others.
//
// Neither is in the operation log, so the bridge compares: for each entry it remembers a
// digest of the value it last carried either way (in the repository's meta store). A local
// value unlike that digest changed here and is written to the space; otherwise a space value
// unlike it changed elsewhere and is applied here. Concurrent changes of one entry end as the
// space's last writer has it, on every device.

const (
	collAccount = "account"
	collOwnKey  = "key"
)

// sealedKind is one kind of entry carried whole.
type sealedKind struct {
	coll string
	// local returns this device's entries, by key, as the JSON that travels.
	local func(ctx context.Context) (map[string][]byte, error)
	// apply stores an entry from another device.
	apply func(ctx context.Context, key string, value []byte) error
	// deleted says whether an entry this device carried and no longer holds was deleted here
	// (its tombstone then goes to the other devices); nil when entries are never deleted.
	deleted func(ctx context.Context, key string) bool
	// gone removes an entry another device deleted (a tombstone in the space).
	gone func(ctx context.Context, key string) error
	// flush, when set, runs after a round that applied entries (to save them at once).
	flush func(ctx context.Context) error
}

// sealedAccount is an account as it travels: its record and its secret.
type sealedAccount struct {
	Account model.Account `json:"account"`
	Secret  []byte        `json:"secret"`
}

// sealedKey is one of the user's key pairs as it travels.
type sealedKey struct {
	Key    ownKey `json:"key"`
	Secret []byte `json:"secret"`
}

func (s *syncer) sealedKinds() []sealedKind {
	return []sealedKind{
		{coll: collOwnKey, local: s.localKeys, apply: s.applyKey},
		{coll: collAccount, local: s.localAccounts, apply: s.applyAccount, deleted: s.accountRemoved, gone: s.accountGone},
		{coll: collOutbox, local: s.localOutbox, apply: s.applyOutbox, deleted: s.outboxDone, gone: s.outboxGone},
		{coll: collContactKey, local: s.localContactKeys, apply: s.applyContactKey, deleted: s.contactKeyRemoved,
			gone: s.contactKeyGone, flush: s.flushContactKeys},
	}
}

func (s *syncer) localAccounts(ctx context.Context) (map[string][]byte, error) {
	accts, err := s.a.eng.Repo.AccountList(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, a := range accts {
		secret, err := s.vault().Get(ctx, a.SecretRef)
		if err != nil {
			continue // signing in is not finished: nothing to carry yet
		}
		b, err := json.Marshal(sealedAccount{Account: a, Secret: secret})
		if err != nil {
			return nil, err
		}
		out[a.ID] = b
	}
	return out, nil
}

func (s *syncer) applyAccount(ctx context.Context, id string, value []byte) error {
	var sa sealedAccount
	if err := json.Unmarshal(value, &sa); err != nil || sa.Account.ID != id || sa.Account.Identity == "" {
		return errors.New("sync: an account from another device is unreadable")
	}
	a := sa.Account
	a.SecretRef = accountSecret(a.ID)
	if err := s.vault().Put(ctx, a.SecretRef, sa.Secret); err != nil {
		return err
	}
	if err := s.a.eng.Repo.PutAccount(ctx, &a); err != nil {
		return err
	}
	if err := s.a.eng.SetOwnIdentity(ctx, model.Identity{URI: a.Identity}); err != nil {
		return err
	}
	// Started (or restarted with its new secret) like an account added here; not from this
	// goroutine, which reconcile may wait for.
	go s.a.accts.restart(s.a.ctx, a.ID)
	return nil
}

// accountRemoved says whether an account this device carried and no longer holds was
// removed here (not merely without its secret yet: a sign-in in progress).
func (s *syncer) accountRemoved(ctx context.Context, id string) bool {
	_, err := s.a.eng.Repo.Account(ctx, id)
	return errors.Is(err, repo.ErrNotFound)
}

// accountGone removes an account another device removed: gone at once (so that this device
// never carries it back), its connection stopped and what it brought purged in the
// background (not from this goroutine, which reconcile may wait for).
func (s *syncer) accountGone(ctx context.Context, id string) error {
	if err := s.a.accts.forget(ctx, id); err != nil {
		return err
	}
	go func() {
		if err := s.a.accts.finishRemoval(s.a.ctx, id); err != nil && s.a.ctx.Err() == nil {
			s.a.o.Log.Warn("sync: an account removed on another device could not be purged", "account", id, "error", err)
		}
	}()
	return nil
}

func (s *syncer) localKeys(ctx context.Context) (map[string][]byte, error) {
	k := s.a.keys
	k.mu.Lock()
	own := slices.Clone(k.own)
	k.mu.Unlock()
	out := map[string][]byte{}
	for _, o := range own {
		secret, err := s.vault().Get(ctx, ownKeySecret(o.Fingerprint))
		if err != nil {
			continue
		}
		b, err := json.Marshal(sealedKey{Key: o, Secret: secret})
		if err != nil {
			return nil, err
		}
		out[o.Fingerprint] = b
	}
	return out, nil
}

func (s *syncer) applyKey(ctx context.Context, fingerprint string, value []byte) error {
	var sk sealedKey
	if err := json.Unmarshal(value, &sk); err != nil || sk.Key.Fingerprint != fingerprint {
		return errors.New("sync: a key from another device is unreadable")
	}
	secret, err := pgp.SecretKeyFromBytes(sk.Secret)
	if err != nil || secret.Fingerprint() != fingerprint {
		return errors.New("sync: a key from another device does not match its fingerprint")
	}
	if err := s.vault().Put(ctx, ownKeySecret(fingerprint), sk.Secret); err != nil {
		return err
	}
	k := s.a.keys
	k.mu.Lock()
	k.own = slices.DeleteFunc(k.own, func(x ownKey) bool { return x.Fingerprint == fingerprint })
	k.own = append(k.own, sk.Key)
	slices.SortStableFunc(k.own, func(x, y ownKey) int { return x.AddedAt.Compare(y.AddedAt) })
	k.secrets[fingerprint] = secret
	own := slices.Clone(k.own)
	k.mu.Unlock()
	if err := s.a.eng.Repo.SetSetting(ctx, settingOwnKeys, own); err != nil {
		return err
	}
	k.changed(ctx)
	k.regradeNow(ctx)
	k.retrySoon()
	return nil
}

// syncSealed carries the entries of each sealed kind that changed here into the space, and
// applies those that changed elsewhere.
func (s *syncer) syncSealed(ctx context.Context, client *syncspace.Client, st syncstore.Store, round *problems) error {
	if s.vault().Locked() {
		return nil
	}
	var errs []error
	for _, kind := range s.sealedKinds() {
		local, err := kind.local(ctx)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		carried, err := st.Carried(ctx, kind.coll)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		remote := map[string][]byte{}
		client.View(func(state *syncspace.State) {
			for _, key := range state.Keys(kind.coll) {
				var v json.RawMessage
				if ok, _ := state.Field(kind.coll, key, "v", &v); ok {
					remote[key] = v
				}
			}
		})
		var out []syncspace.Op
		done := map[string]string{}
		var forget []string
		if kind.deleted != nil {
			// Deletions either way: an entry carried before that one side no longer holds.
			for key := range carried {
				_, here := local[key]
				_, there := remote[key]
				switch {
				case !there: // deleted elsewhere: whatever this device still holds of it goes
					if err := kind.gone(ctx, key); err != nil {
						errs = append(errs, err)
						continue
					}
				case !here && kind.deleted(ctx, key):
					out = append(out, syncspace.Op{Kind: syncspace.Delete, Coll: kind.coll, Key: key})
				default:
					continue
				}
				forget = append(forget, key)
				delete(local, key)
				delete(remote, key)
			}
		}
		for key, v := range local {
			if d := st.Digest(v); d != carried[key] {
				if !bytesEqual(remote[key], v) {
					op := syncspace.Op{Kind: syncspace.Set, Coll: kind.coll, Key: key, Field: "v", Value: v}
					if len(round.fitting([]syncspace.Op{op})) == 0 {
						continue // stays here, not marked carried: it goes once it fits
					}
					out = append(out, op)
				}
				done[key] = d
			}
		}
		for key, v := range remote {
			if _, changedHere := done[key]; changedHere {
				continue
			}
			if d := st.Digest(v); d != carried[key] && !bytesEqual(local[key], v) {
				if err := kind.apply(ctx, key, v); err != nil {
					errs = append(errs, err)
					continue
				}
				done[key] = d
			} else if d != carried[key] {
				done[key] = d
			}
		}
		if kind.flush != nil {
			if err := kind.flush(ctx); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if err := client.Write(ctx, out...); err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, st.SetCarried(ctx, kind.coll, done), st.ForgetCarried(ctx, kind.coll, forget))
	}
	return errors.Join(errs...)
}

func bytesEqual(a, b []byte) bool { return a != nil && b != nil && string(a) == string(b) }
