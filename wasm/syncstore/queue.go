package syncstore

import (
	"errors"
	"fmt"
	"slices"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// The sync store's queue of local operations (Store) is kept in chunks: the operations of
// one write (at most maxChunk), in stamp order, sealed as one record ("qchunk", last stamp),
// beside a record in the clear ("qleft", last stamp) listing the stamps of those not yet
// delivered back by the log (syncspace.AppendStamps). Delivering operations back rewrites the
// short list, not the sealed chunk; a chunk goes when its list is empty.
//
// Chunks cover disjoint ranges of stamps (from the first one left to the last one written),
// so the chunk holding a stamp is the one with the least last stamp at or after it. A write
// stamped after every queued operation (always, unless the wall clock went back) starts new
// chunks; one that overlaps queued ones (a clock gone back, an upgrade) is merged with them.

// maxChunk is the most operations one chunk holds, so that delivering a few of them back
// rewrites a short list.
const maxChunk = 256

// queueChunk is a chunk's list of stamps not yet delivered back.
type queueChunk struct {
	last string // hlcKey of the chunk's last stamp, its records' name
	left []syncspace.HLC
}

func chunkKey(last string) string { return syncKey("qchunk", last) }
func leftKey(last string) string  { return syncKey("qleft", last) }

func chunkName(r store.Record) string {
	parts := store.SplitTuple(r.Key)
	return parts[len(parts)-1]
}

func readChunk(r store.Record) (queueChunk, error) {
	c := queueChunk{last: chunkName(r)}
	var err error
	if c.left, err = syncspace.DecodeStamps(r.Value); err != nil || len(c.left) == 0 {
		return c, fmt.Errorf("sync: stored %q: %w", r.Key, errors.Join(store.ErrCorrupt, err))
	}
	return c, nil
}

// chunkAt returns the chunk whose range may hold the stamp: the one with the least last stamp
// at or after it. ok is false when there is none.
func chunkAt(tx *repo.Tx, at syncspace.HLC) (c queueChunk, ok bool, err error) {
	q := store.Query{Prefix: syncKey("qleft"), Start: leftKey(hlcKey(at)), Limit: 1}
	err = tx.Scan(repo.Meta, q, func(r store.Record) error {
		c, err = readChunk(r)
		ok = err == nil
		return err
	})
	return c, ok, err
}

// lastQueued returns the hlcKey of the latest stamp in the queue's chunks ("" when empty).
func lastQueued(tx *repo.Tx) (last string, err error) {
	err = tx.Scan(repo.Meta, store.Query{Prefix: syncKey("qleft"), Reverse: true, Limit: 1}, func(r store.Record) error {
		last = chunkName(r)
		return nil
	})
	return last, err
}

func compareStamps(a, b syncspace.HLC) int { return a.Compare(b) }

func compareOps(a, b syncspace.Op) int { return a.At.Compare(b.At) }

func stampsIncrease(ops []syncspace.Op) bool {
	for i := 1; i < len(ops); i++ {
		if ops[i-1].At.Compare(ops[i].At) >= 0 {
			return false
		}
	}
	return true
}

// enqueue queues local operations.
func (s Store) enqueue(tx *repo.Tx, ops []syncspace.Op) error {
	if len(ops) == 0 {
		return nil
	}
	if !stampsIncrease(ops) { // not as the client stamps a write: sorted, one of each stamp kept
		ops = slices.SortedStableFunc(slices.Values(ops), compareOps)
		ops = slices.CompactFunc(ops, func(a, b syncspace.Op) bool { return a.At == b.At })
	}
	last, err := lastQueued(tx)
	if err != nil {
		return err
	}
	if last != "" && store.Compare(last, hlcKey(ops[0].At)) >= 0 {
		if ops, err = s.mergeChunks(tx, ops); err != nil {
			return err
		}
	}
	return s.writeChunks(tx, ops)
}

// mergeChunks takes out of the queue the chunks whose ranges meet the stamps of ops (sorted)
// and returns their operations not yet delivered with ops, in stamp order, without the
// operations of ops already queued.
func (s Store) mergeChunks(tx *repo.Tx, ops []syncspace.Op) ([]syncspace.Op, error) {
	from, to := ops[0].At, ops[len(ops)-1].At
	var met []queueChunk
	q := store.Query{Prefix: syncKey("qleft"), Start: leftKey(hlcKey(from))}
	if err := tx.Scan(repo.Meta, q, func(r store.Record) error {
		c, err := readChunk(r)
		if err != nil {
			return err
		}
		if c.left[0].Compare(to) > 0 {
			return store.ErrStop // this chunk and the ones after it are past ops
		}
		met = append(met, c)
		return nil
	}); err != nil {
		return nil, err
	}
	merged := slices.Clone(ops)
	for _, c := range met {
		queued, err := s.chunkOps(tx, c)
		if err != nil {
			return nil, err
		}
		merged = append(merged, queued...)
		if err := dropChunk(tx, c.last); err != nil {
			return nil, err
		}
	}
	// Stable: of two operations with one stamp (one queued, and written again), the queued
	// one, earlier in merged, stays.
	slices.SortStableFunc(merged, compareOps)
	return slices.CompactFunc(merged, func(a, b syncspace.Op) bool { return a.At == b.At }), nil
}

// chunkOps returns a chunk's operations not yet delivered back.
func (s Store) chunkOps(tx *repo.Tx, c queueChunk) ([]syncspace.Op, error) {
	key := chunkKey(c.last)
	rec, err := tx.Get(repo.Meta, key)
	if err != nil {
		return nil, fmt.Errorf("sync: queued chunk %q: %w", key, err)
	}
	b, err := s.key.OpenBatchAtRest(key, rec.Value)
	if err != nil {
		return nil, fmt.Errorf("sync: stored %s: %w", key, err)
	}
	ops := b.Ops[:0]
	i := 0
	for _, op := range b.Ops {
		for i < len(c.left) && c.left[i].Compare(op.At) < 0 {
			i++
		}
		if i < len(c.left) && c.left[i] == op.At {
			ops = append(ops, op)
		}
	}
	return ops, nil
}

// writeChunks stores operations (in stamp order, after every queued one or merged with the
// chunks they meet) as new chunks.
func (s Store) writeChunks(tx *repo.Tx, ops []syncspace.Op) error {
	for len(ops) > 0 {
		n := min(len(ops), maxChunk)
		chunk := ops[:n]
		ops = ops[n:]
		last := hlcKey(chunk[n-1].At)
		sealed, err := s.key.SealBatchAtRest(chunkKey(last), syncspace.Logged{Ops: chunk})
		if err != nil {
			return err
		}
		if err := tx.Put(repo.Meta, store.Record{Key: chunkKey(last), Value: sealed}); err != nil {
			return err
		}
		left := make([]syncspace.HLC, n)
		for i := range chunk {
			left[i] = chunk[i].At
		}
		if err := putLeft(tx, last, left); err != nil {
			return err
		}
	}
	return nil
}

func putLeft(tx *repo.Tx, last string, left []syncspace.HLC) error {
	return tx.Put(repo.Meta, store.Record{Key: leftKey(last), Value: syncspace.AppendStamps(nil, left)})
}

func dropChunk(tx *repo.Tx, last string) error {
	if err := tx.Delete(repo.Meta, chunkKey(last)); err != nil {
		return err
	}
	return tx.Delete(repo.Meta, leftKey(last))
}

// dequeue drops the queued operations stamped ats (the log delivered them back, or a
// snapshot holds them); stamps not queued are skipped. Each chunk touched is rewritten once.
func (s Store) dequeue(tx *repo.Tx, ats []syncspace.HLC) error {
	if !slices.IsSortedFunc(ats, compareStamps) {
		ats = slices.SortedFunc(slices.Values(ats), compareStamps)
	}
	for i := 0; i < len(ats); {
		c, ok, err := chunkAt(tx, ats[i])
		if err != nil {
			return err
		}
		if !ok {
			return nil // every stamp left is past the queue
		}
		before := len(c.left)
		kept := c.left[:0]
		for _, at := range c.left {
			for i < len(ats) && ats[i].Compare(at) < 0 {
				i++
			}
			if i < len(ats) && ats[i] == at {
				continue
			}
			kept = append(kept, at)
		}
		// Every stamp up to the chunk's last one is in its range, queued there or not.
		for i < len(ats) && store.Compare(hlcKey(ats[i]), c.last) <= 0 {
			i++
		}
		switch {
		case len(kept) == 0:
			err = dropChunk(tx, c.last)
		case len(kept) < before:
			err = putLeft(tx, c.last, kept)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// loadQueue returns the queued operations, in stamp order.
func (s Store) loadQueue(tx *repo.Tx) ([]syncspace.Queued, error) {
	var chunks []queueChunk
	if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey("qleft")}, func(r store.Record) error {
		c, err := readChunk(r)
		chunks = append(chunks, c)
		return err
	}); err != nil {
		return nil, err
	}
	var queue []syncspace.Queued
	for _, c := range chunks {
		ops, err := s.chunkOps(tx, c)
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			queue = append(queue, syncspace.Queued{Op: op})
		}
	}
	return queue, nil
}
