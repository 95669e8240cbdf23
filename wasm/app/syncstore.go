package app

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// syncStore keeps the sync client's state in the repository's meta store (IndexedDB in a
// browser): the cursor, the batches received since the latest snapshot, the queue of local
// operations, the trim point this device has to catch up with ("gap"), and the position of
// the bridge in the operation log, under keys ("sync", ...). Queued and received
// operations carry sealed accounts and keys once opened, so they are stored sealed again
// under the space key (syncspace.Key.SealAtRest), and what the bridge carried is kept as
// keyed digests.
type syncStore struct {
	r   *repo.Repo
	key *syncspace.Key
}

func syncKey(parts ...string) string { return store.Tuple(append([]string{"sync"}, parts...)...) }

// hlcKey orders queued operations as they were written: by stamp.
func hlcKey(h syncspace.HLC) string {
	return fmt.Sprintf("%016x%08x", uint64(h.Wall), h.Logical) + h.Node
}

// open empties the store when it holds another space's state (after joining a new space),
// and returns this device's id, created on first use.
func (s syncStore) open(ctx context.Context, space [32]byte, newDevice func() string) (device string, err error) {
	id := hex.EncodeToString(space[:])
	err = s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		rec, err := tx.Get(repo.Meta, syncKey("space"))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err == nil && string(rec.Value) != id {
			var keys []string
			if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey()}, func(r store.Record) error {
				keys = append(keys, r.Key)
				return nil
			}); err != nil {
				return err
			}
			for _, k := range keys {
				if k != syncKey("device") {
					if err := tx.Delete(repo.Meta, k); err != nil {
						return err
					}
				}
			}
		}
		if err := tx.Put(repo.Meta, store.Record{Key: syncKey("space"), Value: []byte(id)}); err != nil {
			return err
		}
		if err := s.sealLegacy(tx); err != nil {
			return err
		}
		rec, err = tx.Get(repo.Meta, syncKey("device"))
		if err == nil {
			device = string(rec.Value)
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		device = newDevice()
		return tx.Put(repo.Meta, store.Record{Key: syncKey("device"), Value: []byte(device)})
	})
	return device, err
}

func (s syncStore) Load(ctx context.Context) (saved syncspace.Saved, err error) {
	err = s.r.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if rec, err := tx.Get(repo.Meta, syncKey("cursor")); err == nil {
			saved.Cursor, _ = strconv.ParseUint(string(rec.Value), 10, 64)
		}
		if rec, err := tx.Get(repo.Meta, syncKey("gap")); err == nil {
			saved.Gap, _ = strconv.ParseUint(string(rec.Value), 10, 64)
		}
		if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("log")}, func(r store.Record) error {
			var l syncspace.Logged
			if err := s.decode(r, &l); err != nil {
				return err
			}
			saved.Log = append(saved.Log, l)
			return nil
		}); err != nil {
			return err
		}
		return tx.Scan(repo.Meta, store.Query{Prefix: syncKey("queue")}, func(r store.Record) error {
			var q syncspace.Queued
			if err := s.decode(r, &q); err != nil {
				return err
			}
			saved.Queue = append(saved.Queue, q)
			return nil
		})
	})
	return saved, err
}

// put stores v sealed under the space key, bound to its record's key.
func (s syncStore) put(tx *repo.Tx, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := s.key.SealAtRest(key, b)
	if err != nil {
		return err
	}
	return tx.Put(repo.Meta, store.Record{Key: key, Value: sealed})
}

// decode opens a record that put stored.
func (s syncStore) decode(r store.Record, v any) error {
	b, err := s.key.OpenAtRest(r.Key, r.Value)
	if err != nil {
		return fmt.Errorf("sync: stored %s: %w", r.Key, err)
	}
	return json.Unmarshal(b, v)
}

// sealLegacy seals the queued and received operations that an earlier version stored in
// the clear (JSON objects), once.
func (s syncStore) sealLegacy(tx *repo.Tx) error {
	var legacy []store.Record
	for _, part := range []string{"queue", "log"} {
		if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey(part)}, func(r store.Record) error {
			if len(r.Value) > 0 && r.Value[0] == '{' {
				legacy = append(legacy, r)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	for _, r := range legacy {
		sealed, err := s.key.SealAtRest(r.Key, r.Value)
		if err != nil {
			return err
		}
		if err := tx.Put(repo.Meta, store.Record{Key: r.Key, Value: sealed}); err != nil {
			return err
		}
	}
	return nil
}

func (s syncStore) Enqueue(ctx context.Context, ops []syncspace.Op) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		for _, op := range ops {
			if err := s.put(tx, syncKey("queue", hlcKey(op.At)), syncspace.Queued{Op: op}); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s syncStore) Acked(ctx context.Context, ats []syncspace.HLC, seq uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		for _, at := range ats {
			k := syncKey("queue", hlcKey(at))
			rec, err := tx.Get(repo.Meta, k)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			var q syncspace.Queued
			if err := s.decode(rec, &q); err != nil {
				return err
			}
			q.Seq = seq
			if err := s.put(tx, k, q); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s syncStore) Commit(ctx context.Context, batch syncspace.Logged) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if err := s.put(tx, syncKey("log", store.SeqKey(batch.Seq)), batch); err != nil {
			return err
		}
		for _, op := range batch.Ops {
			if err := tx.Delete(repo.Meta, syncKey("queue", hlcKey(op.At))); err != nil {
				return err
			}
		}
		return tx.Put(repo.Meta, store.Record{Key: syncKey("cursor"), Value: []byte(strconv.FormatUint(batch.Seq, 10))})
	})
}

// Compact drops the batches a snapshot up to upto covers, the queued operations the relay
// stored up to there, and the gap when the snapshot covers it, in one step.
func (s syncStore) Compact(ctx context.Context, upto uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		var drop []string
		if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("log"), End: syncKey("log", store.SeqKey(upto+1))}, func(r store.Record) error {
			drop = append(drop, r.Key)
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("queue")}, func(r store.Record) error {
			var q syncspace.Queued
			if err := s.decode(r, &q); err != nil {
				return err
			}
			if q.Seq != 0 && q.Seq <= upto {
				drop = append(drop, r.Key)
			}
			return nil
		}); err != nil {
			return err
		}
		if rec, err := tx.Get(repo.Meta, syncKey("gap")); err == nil {
			if gap, _ := strconv.ParseUint(string(rec.Value), 10, 64); gap <= upto {
				drop = append(drop, rec.Key)
			}
		}
		for _, k := range drop {
			if err := tx.Delete(repo.Meta, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetGap records the trim point this device has to catch up with.
func (s syncStore) SetGap(ctx context.Context, gap uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if rec, err := tx.Get(repo.Meta, syncKey("gap")); err == nil {
			if cur, _ := strconv.ParseUint(string(rec.Value), 10, 64); cur >= gap {
				return nil
			}
		}
		return tx.Put(repo.Meta, store.Record{Key: syncKey("gap"), Value: []byte(strconv.FormatUint(gap, 10))})
	})
}

// bridgeCursor is the last operation-log sequence number the bridge handed to sync.
func (s syncStore) bridgeCursor(ctx context.Context) (seq uint64, err error) {
	err = s.r.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		rec, err := tx.Get(repo.Meta, syncKey("bridge"))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err == nil {
			seq, err = strconv.ParseUint(string(rec.Value), 10, 64)
		}
		return err
	})
	return seq, err
}

func (s syncStore) setBridgeCursor(ctx context.Context, seq uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		return tx.Put(repo.Meta, store.Record{Key: syncKey("bridge"), Value: []byte(strconv.FormatUint(seq, 10))})
	})
}

// carried returns the digests of the entries of coll the bridge last carried either way.
func (s syncStore) carried(ctx context.Context, coll string) (map[string]string, error) {
	out := map[string]string{}
	err := s.r.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		prefix := syncKey("carried", coll)
		return tx.Scan(repo.Meta, store.Query{Prefix: prefix}, func(r store.Record) error {
			if parts := store.SplitTuple(r.Key); len(parts) == 4 {
				out[parts[3]] = string(r.Value)
			}
			return nil
		})
	})
	return out, err
}

func (s syncStore) setCarried(ctx context.Context, coll string, digests map[string]string) error {
	if len(digests) == 0 {
		return nil
	}
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		for key, d := range digests {
			if err := tx.Put(repo.Meta, store.Record{Key: syncKey("carried", coll, key), Value: []byte(d)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// forgetCarried drops the digests of entries deleted on either side.
func (s syncStore) forgetCarried(ctx context.Context, coll string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		for _, key := range keys {
			if err := tx.Delete(repo.Meta, syncKey("carried", coll, key)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}
