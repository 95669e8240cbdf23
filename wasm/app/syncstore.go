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
//
// A queued operation is written once, when queued: the relay's ack of a batch is one record
// ("acked", seq) listing the stamps of its operations (not secret: they are the queue's
// keys), not a rewrite of each. An earlier version wrote the ack into each queued record;
// open moves those to ack records once.
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
		if err := s.moveLegacyAcks(tx); err != nil {
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
		if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("queue")}, func(r store.Record) error {
			var q syncspace.Queued
			if err := s.decode(r, &q); err != nil {
				return err
			}
			saved.Queue = append(saved.Queue, q)
			return nil
		}); err != nil {
			return err
		}
		acked := map[syncspace.HLC]uint64{}
		if err := scanAcks(tx, 0, func(seq uint64, ats []syncspace.HLC, _ string) {
			for _, at := range ats {
				acked[at] = seq
			}
		}); err != nil {
			return err
		}
		for i, q := range saved.Queue {
			if seq, ok := acked[q.Op.At]; ok {
				saved.Queue[i].Seq = seq
			}
		}
		return nil
	})
	return saved, err
}

func ackKey(seq uint64) string { return syncKey("acked", store.SeqKey(seq)) }

// scanAcks calls fn with each ack record (up to upto when not 0): the sequence number, the
// stamps of the queued operations the relay stored there, and the record's key.
func scanAcks(tx *repo.Tx, upto uint64, fn func(seq uint64, ats []syncspace.HLC, key string)) error {
	q := store.Query{Prefix: syncKey("acked")}
	if upto > 0 {
		q.End = ackKey(upto + 1)
	}
	return tx.Scan(repo.Meta, q, func(r store.Record) error {
		parts := store.SplitTuple(r.Key)
		seq, err := strconv.ParseUint(parts[len(parts)-1], 10, 64)
		if err != nil {
			return fmt.Errorf("sync: stored %q: %w", r.Key, err)
		}
		var ats []syncspace.HLC
		if err := json.Unmarshal(r.Value, &ats); err != nil {
			return fmt.Errorf("sync: stored %q: %w", r.Key, err)
		}
		fn(seq, ats, r.Key)
		return nil
	})
}

// addAck records that the relay stored the queued operations ats at seq.
func addAck(tx *repo.Tx, seq uint64, ats []syncspace.HLC) error {
	key := ackKey(seq)
	if rec, err := tx.Get(repo.Meta, key); err == nil {
		var before []syncspace.HLC
		if err := json.Unmarshal(rec.Value, &before); err != nil {
			return fmt.Errorf("sync: stored %q: %w", key, err)
		}
		ats = append(before, ats...)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	b, err := json.Marshal(ats)
	if err != nil {
		return err
	}
	return tx.Put(repo.Meta, store.Record{Key: key, Value: b})
}

// dropAck deletes an ack record and the queued operations it names: the log holds them.
func dropAck(tx *repo.Tx, key string, ats []syncspace.HLC) error {
	for _, at := range ats {
		if err := tx.Delete(repo.Meta, syncKey("queue", hlcKey(at))); err != nil {
			return err
		}
	}
	return tx.Delete(repo.Meta, key)
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

// moveLegacyAcks moves the acks that an earlier version wrote into queued records to ack
// records, once.
func (s syncStore) moveLegacyAcks(tx *repo.Tx) error {
	const format = "acks"
	if rec, err := tx.Get(repo.Meta, syncKey("format")); err == nil && string(rec.Value) == format {
		return nil
	}
	acks := map[uint64][]syncspace.HLC{}
	if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("queue")}, func(r store.Record) error {
		var q syncspace.Queued
		if err := s.decode(r, &q); err != nil {
			return err
		}
		if q.Seq != 0 {
			acks[q.Seq] = append(acks[q.Seq], q.Op.At)
		}
		return nil
	}); err != nil {
		return err
	}
	for seq, ats := range acks {
		if err := addAck(tx, seq, ats); err != nil {
			return err
		}
	}
	return tx.Put(repo.Meta, store.Record{Key: syncKey("format"), Value: []byte(format)})
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
		return addAck(tx, seq, ats)
	})
}

// Commit saves a batch and drops the queued operations the log now holds: the ones acked in
// it when it is one of this device's (the ack record says which), else this device's
// operations it holds (a snapshot of this device's carries them).
func (s syncStore) Commit(ctx context.Context, batch syncspace.Logged) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if err := s.put(tx, syncKey("log", store.SeqKey(batch.Seq)), batch); err != nil {
			return err
		}
		acked, err := tx.Get(repo.Meta, ackKey(batch.Seq))
		switch {
		case err == nil:
			var ats []syncspace.HLC
			if err := json.Unmarshal(acked.Value, &ats); err != nil {
				return fmt.Errorf("sync: stored %q: %w", acked.Key, err)
			}
			if err := dropAck(tx, acked.Key, ats); err != nil {
				return err
			}
		case errors.Is(err, store.ErrNotFound):
			device, err := tx.Get(repo.Meta, syncKey("device"))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			for _, op := range batch.Ops {
				if device.Value != nil && op.At.Node != string(device.Value) {
					continue // only this device's operations are queued here
				}
				if err := tx.Delete(repo.Meta, syncKey("queue", hlcKey(op.At))); err != nil {
					return err
				}
			}
		default:
			return err
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
		acks := map[string][]syncspace.HLC{}
		if err := scanAcks(tx, upto, func(_ uint64, ats []syncspace.HLC, key string) { acks[key] = ats }); err != nil {
			return err
		}
		for key, ats := range acks {
			if err := dropAck(tx, key, ats); err != nil {
				return err
			}
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
