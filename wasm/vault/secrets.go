package vault

import (
	"context"
	"errors"

	"caliopen/wasm/store"
)

func secretAD(id string) []byte { return []byte("caliopen-vault-secret/v1/" + id) }

// key returns a copy of the data key, or ErrLocked.
func (v *Vault) key() ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.dk == nil {
		return nil, ErrLocked
	}
	return append([]byte(nil), v.dk...), nil
}

// PutTx seals secret under id in tx, which must include the store "vault": an account and its
// password can be written in one transaction.
func (v *Vault) PutTx(tx store.Tx, id string, secret []byte) error {
	k, err := v.key()
	if err != nil {
		return err
	}
	defer wipe(k)
	sealed, err := seal(k, secret, secretAD(id))
	if err != nil {
		return err
	}
	return tx.Put(Store, store.Record{Key: secretKey(id), Value: sealed})
}

// GetTx opens the secret id in tx.
func (v *Vault) GetTx(tx store.Tx, id string) ([]byte, error) {
	k, err := v.key()
	if err != nil {
		return nil, err
	}
	defer wipe(k)
	rec, err := tx.Get(Store, secretKey(id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return open(k, rec.Value, secretAD(id))
}

// Put seals and stores a secret under id (an account's SecretRef, a key id).
func (v *Vault) Put(ctx context.Context, id string, secret []byte) error {
	if _, err := v.key(); err != nil {
		return err
	}
	return v.db.Update(ctx, []string{Store}, func(tx store.Tx) error { return v.PutTx(tx, id, secret) })
}

// Get opens the secret stored under id.
func (v *Vault) Get(ctx context.Context, id string) (secret []byte, err error) {
	err = v.db.View(ctx, []string{Store}, func(tx store.Tx) error {
		secret, err = v.GetTx(tx, id)
		return err
	})
	return secret, err
}

// Delete removes the secret id; it works locked too.
func (v *Vault) Delete(ctx context.Context, id string) error {
	return v.db.Update(ctx, []string{Store}, func(tx store.Tx) error { return tx.Delete(Store, secretKey(id)) })
}

// IDs lists the ids of the stored secrets (ids are not secret).
func (v *Vault) IDs(ctx context.Context) (ids []string, err error) {
	err = v.db.View(ctx, []string{Store}, func(tx store.Tx) error {
		return tx.Scan(Store, store.Query{Prefix: store.Tuple("secret")}, func(r store.Record) error {
			if parts := store.SplitTuple(r.Key); len(parts) == 2 {
				ids = append(ids, parts[1])
			}
			return nil
		})
	})
	return ids, err
}
