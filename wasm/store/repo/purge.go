package repo

import (
	"context"

	"caliopen/wasm/store"
)

// Removing an account is two steps. ForgetAccount deletes the account and marks it, in one
// transaction; PurgeAccount then deletes what it brought to this device, in batches, and
// clears the mark. An app stopped in between finds the mark (PendingPurges) and purges again.

// purgeKey is the meta record that marks an account forgotten but not purged yet.
func purgeKey(id string) string { return store.Tuple("purge", id) }

// purgeBatch is how many messages one purge transaction deletes.
const purgeBatch = 200

// ForgetAccount deletes an account and its sync cursors and marks it for PurgeAccount.
func (r *Repo) ForgetAccount(ctx context.Context, id string) error {
	return r.Update(ctx, []string{Accounts, Cursors, Meta}, func(tx *Tx) error {
		if err := tx.Delete(Accounts, id); err != nil {
			return err
		}
		if err := tx.deleteCursors(id); err != nil {
			return err
		}
		return tx.Put(Meta, store.Record{Key: purgeKey(id), Value: []byte(id)})
	})
}

// PendingPurges lists the accounts forgotten but not purged yet.
func (r *Repo) PendingPurges(ctx context.Context) (ids []string, err error) {
	err = r.View(ctx, []string{Meta}, func(tx *Tx) error {
		ids = nil
		return tx.Scan(Meta, store.Query{Prefix: store.Tuple("purge")}, func(rec store.Record) error {
			ids = append(ids, string(rec.Value))
			return nil
		})
	})
	return ids, err
}

// PurgeAccount deletes what a forgotten account brought to this device: its messages with
// their bodies and attachments (the Observer updates the discussions, batch by batch), its
// sync cursors (a sync that stopped after ForgetAccount may have written some) and its
// outbox items (one being sent at this moment can no longer be settled: its sender's Ack
// finds nothing). The mark goes last. It returns how many messages it deleted.
func (r *Repo) PurgeAccount(ctx context.Context, id string) (deleted int, err error) {
	for {
		ms, _, err := r.AccountMessages(ctx, id, Page{Limit: purgeBatch})
		if err != nil || len(ms) == 0 {
			if err != nil {
				return deleted, err
			}
			break
		}
		err = r.Update(ctx, MessageStores, func(tx *Tx) error {
			for _, m := range ms {
				if err := tx.DeleteMessage(m.ID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}
		deleted += len(ms)
	}
	err = r.Update(ctx, []string{Cursors, Outbox, Meta}, func(tx *Tx) error {
		if err := tx.deleteCursors(id); err != nil {
			return err
		}
		items, err := scanJSON[OutboxItem](tx, Outbox, store.Query{})
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.AccountID != id {
				continue
			}
			if err := tx.Delete(Outbox, it.ID); err != nil {
				return err
			}
		}
		return tx.Delete(Meta, purgeKey(id))
	})
	return deleted, err
}

// deleteCursors deletes an account's sync cursors. Needs the store Cursors.
func (tx *Tx) deleteCursors(id string) error {
	var keys []string
	if err := tx.Scan(Cursors, store.Query{Prefix: store.Tuple(id)}, func(rec store.Record) error {
		keys = append(keys, rec.Key)
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := tx.Delete(Cursors, k); err != nil {
			return err
		}
	}
	return nil
}
