// Package syncstore keeps a device's sync state (syncspace.Store) in the core's repository
// (IndexedDB in a browser): the cursor, the batches received since the latest snapshot, the
// queue of local operations, the trim point this device has to catch up with ("gap"), and
// the position of the app's bridge in the operation log, under keys ("sync", ...). Queued
// and received operations carry sealed accounts and keys once opened, so they are stored
// sealed again under the space key (syncspace.Key.SealAtRest), and what the bridge carried
// is kept as keyed digests.
//
// Batches and queued operations are sealed in the batch codec (syncspace.SealBatchAtRest),
// a batch as one record, the operations of one write as one chunk (queue.go): what a write
// or a batch costs the store is a few records, not one per operation. The relay's ack of a
// batch is one record ("acked", seq) listing the stamps of its operations (not secret: the
// operations' order and devices, no content).
//
// ("sync", "format") says which layout the records follow; Open brings an earlier one up to
// date once, in the transaction that opens the space: "" (each queued operation a JSON record
// holding its ack, maybe in the clear), "acks" (acks in their own records, each queued
// operation a sealed JSON record), "chunks" (now).
package syncstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// Store is a device's sync state in the repository.
type Store struct {
	r      *repo.Repo
	key    *syncspace.Key
	device string // this device's id, as open found or made it
}

var _ syncspace.Store = Store{}

func syncKey(parts ...string) string { return store.Tuple(append([]string{"sync"}, parts...)...) }

// hlcKey orders queued operations as they were written: by stamp.
func hlcKey(h syncspace.HLC) string {
	return fmt.Sprintf("%016x%08x", uint64(h.Wall), h.Logical) + h.Node
}

// Open returns the store of the state of key's space in r. It empties what another space
// left (after joining a new space), brings records an earlier version wrote up to date, and
// returns this device's id, made by newDevice on first use.
func Open(ctx context.Context, r *repo.Repo, key *syncspace.Key, newDevice func() string) (Store, string, error) {
	s := Store{r: r, key: key}
	device, err := s.open(ctx, newDevice)
	return s, device, err
}

func (s *Store) open(ctx context.Context, newDevice func() string) (device string, err error) {
	defer func() { s.device = device }()
	space := s.key.SpaceID()
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
		if err := s.upgrade(tx); err != nil {
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

// Load implements syncspace.Store.
func (s Store) Load(ctx context.Context) (saved syncspace.Saved, err error) {
	err = s.r.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if rec, err := tx.Get(repo.Meta, syncKey("cursor")); err == nil {
			saved.Cursor, _ = strconv.ParseUint(string(rec.Value), 10, 64)
		}
		if rec, err := tx.Get(repo.Meta, syncKey("gap")); err == nil {
			saved.Gap, _ = strconv.ParseUint(string(rec.Value), 10, 64)
		}
		if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("log")}, func(r store.Record) error {
			l, err := s.key.OpenBatchAtRest(r.Key, r.Value)
			if err != nil {
				return fmt.Errorf("sync: stored %s: %w", r.Key, err)
			}
			saved.Log = append(saved.Log, l)
			return nil
		}); err != nil {
			return err
		}
		queue, err := s.loadQueue(tx)
		if err != nil {
			return err
		}
		saved.Queue = queue
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
		ats, err := readStamps(r)
		if err != nil {
			return err
		}
		fn(seq, ats, r.Key)
		return nil
	})
}

// readStamps decodes a record listing stamps: syncspace.AppendStamps, or JSON from an earlier
// version.
func readStamps(r store.Record) (ats []syncspace.HLC, err error) {
	if syncspace.IsStamps(r.Value) {
		ats, err = syncspace.DecodeStamps(r.Value)
	} else {
		err = json.Unmarshal(r.Value, &ats)
	}
	if err != nil {
		return nil, fmt.Errorf("sync: stored %q: %w", r.Key, errors.Join(store.ErrCorrupt, err))
	}
	return ats, nil
}

// addAck records that the relay stored the queued operations ats at seq.
func addAck(tx *repo.Tx, seq uint64, ats []syncspace.HLC) error {
	key := ackKey(seq)
	if rec, err := tx.Get(repo.Meta, key); err == nil {
		before, err := readStamps(rec)
		if err != nil {
			return err
		}
		ats = append(before, ats...)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return tx.Put(repo.Meta, store.Record{Key: key, Value: syncspace.AppendStamps(nil, ats)})
}

// decode opens a record that an earlier version stored sealed as JSON.
func (s Store) decode(r store.Record, v any) error {
	b, err := s.key.OpenAtRest(r.Key, r.Value)
	if err != nil {
		return fmt.Errorf("sync: stored %s: %w", r.Key, err)
	}
	return json.Unmarshal(b, v)
}

// sealLegacy seals the queued and received operations that an earlier version stored in
// the clear (JSON objects), once.
func (s Store) sealLegacy(tx *repo.Tx) error {
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

// syncFormat is the layout of the records this version writes (see Store).
const syncFormat = "chunks"

// upgrade brings the records an earlier version wrote to syncFormat: the queued operations
// it stored one per record (their acks, in the oldest layout, moved to ack records) become
// chunks. The log's batches stay as they are: OpenBatchAtRest reads their JSON. Queued
// records are looked for at every opening, whatever the format says: an earlier version that
// ran meanwhile (a tab not yet reloaded) may have queued some.
func (s Store) upgrade(tx *repo.Tx) error {
	var format string
	if rec, err := tx.Get(repo.Meta, syncKey("format")); err == nil {
		format = string(rec.Value)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if format != "" && format != "acks" && format != syncFormat {
		return nil // a later version's
	}
	var legacy []syncspace.Queued
	var keys []string
	if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("queue")}, func(r store.Record) error {
		var q syncspace.Queued
		if err := s.decode(r, &q); err != nil {
			return err
		}
		legacy, keys = append(legacy, q), append(keys, r.Key)
		return nil
	}); err != nil {
		return err
	}
	if format == "" {
		acks := map[uint64][]syncspace.HLC{}
		for _, q := range legacy {
			if q.Seq != 0 {
				acks[q.Seq] = append(acks[q.Seq], q.Op.At)
			}
		}
		for seq, ats := range acks {
			if err := addAck(tx, seq, ats); err != nil {
				return err
			}
		}
	}
	ops := make([]syncspace.Op, len(legacy))
	for i, q := range legacy {
		ops[i] = q.Op
	}
	for _, k := range keys {
		if err := tx.Delete(repo.Meta, k); err != nil {
			return err
		}
	}
	if err := s.enqueue(tx, ops); err != nil {
		return err
	}
	return tx.Put(repo.Meta, store.Record{Key: syncKey("format"), Value: []byte(syncFormat)})
}

// Enqueue implements syncspace.Store.
func (s Store) Enqueue(ctx context.Context, ops []syncspace.Op) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		return s.enqueue(tx, ops)
	})
}

// Acked implements syncspace.Store.
func (s Store) Acked(ctx context.Context, ats []syncspace.HLC, seq uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		return addAck(tx, seq, ats)
	})
}

// Commit saves a batch and drops the queued operations the log now holds: the ones acked in
// it when it is one of this device's (the ack record says which), else this device's
// operations it holds (a snapshot of this device's carries them). A batch that holds none of
// this device's operations touches neither the queue nor the acks (an ack lists operations
// of this device that its batch holds), and costs no read.
func (s Store) Commit(ctx context.Context, batch syncspace.Logged) error {
	mine := slices.ContainsFunc(batch.Ops, func(op syncspace.Op) bool { return op.At.Node == s.device })
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		key := syncKey("log", store.SeqKey(batch.Seq))
		sealed, err := s.key.SealBatchAtRest(key, batch)
		if err != nil {
			return err
		}
		if err := tx.Put(repo.Meta, store.Record{Key: key, Value: sealed}); err != nil {
			return err
		}
		cursor := store.Record{Key: syncKey("cursor"), Value: []byte(strconv.FormatUint(batch.Seq, 10))}
		if !mine {
			return tx.Put(repo.Meta, cursor)
		}
		acked, err := tx.Get(repo.Meta, ackKey(batch.Seq))
		switch {
		case err == nil:
			ats, err := readStamps(acked)
			if err != nil {
				return err
			}
			if err := s.dequeue(tx, ats); err != nil {
				return err
			}
			if err := tx.Delete(repo.Meta, acked.Key); err != nil {
				return err
			}
		case errors.Is(err, store.ErrNotFound):
			var ats []syncspace.HLC
			for _, op := range batch.Ops {
				if op.At.Node == s.device {
					ats = append(ats, op.At) // only this device's operations are queued here
				}
			}
			if err := s.dequeue(tx, ats); err != nil {
				return err
			}
		default:
			return err
		}
		return tx.Put(repo.Meta, cursor)
	})
}

// Compact drops the batches a snapshot up to upto covers, the queued operations the relay
// stored up to there, and the gap when the snapshot covers it, in one step.
func (s Store) Compact(ctx context.Context, upto uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		var drop []string
		if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("log"), End: syncKey("log", store.SeqKey(upto+1))}, func(r store.Record) error {
			drop = append(drop, r.Key)
			return nil
		}); err != nil {
			return err
		}
		var stored []syncspace.HLC
		if err := scanAcks(tx, upto, func(_ uint64, ats []syncspace.HLC, key string) {
			stored = append(stored, ats...)
			drop = append(drop, key)
		}); err != nil {
			return err
		}
		if err := s.dequeue(tx, stored); err != nil {
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
func (s Store) SetGap(ctx context.Context, gap uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if rec, err := tx.Get(repo.Meta, syncKey("gap")); err == nil {
			if cur, _ := strconv.ParseUint(string(rec.Value), 10, 64); cur >= gap {
				return nil
			}
		}
		return tx.Put(repo.Meta, store.Record{Key: syncKey("gap"), Value: []byte(strconv.FormatUint(gap, 10))})
	})
}

// BridgeCursor is the last operation-log sequence number the bridge handed to sync.
func (s Store) BridgeCursor(ctx context.Context) (seq uint64, err error) {
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

// SetBridgeCursor records the last operation-log sequence number the bridge handed to sync.
func (s Store) SetBridgeCursor(ctx context.Context, seq uint64) error {
	return s.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		return tx.Put(repo.Meta, store.Record{Key: syncKey("bridge"), Value: []byte(strconv.FormatUint(seq, 10))})
	})
}

// Digest is the keyed digest Carried and SetCarried keep of a value.
func (s Store) Digest(v []byte) string { return s.key.Digest(v) }

// Carried returns the digests of the entries of coll the bridge last carried either way.
func (s Store) Carried(ctx context.Context, coll string) (map[string]string, error) {
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

// SetCarried records the digests of the entries of coll the bridge carried, by entry.
func (s Store) SetCarried(ctx context.Context, coll string, digests map[string]string) error {
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

// ForgetCarried drops the digests of entries deleted on either side.
func (s Store) ForgetCarried(ctx context.Context, coll string, keys []string) error {
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
