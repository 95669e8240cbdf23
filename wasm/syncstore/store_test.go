package syncstore

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// A queue and a log that an earlier version stored in the clear are sealed when the space
// opens, and read back the same.
func TestSyncStoreSealsLegacyRecords(t *testing.T) {
	ctx := context.Background()
	st, _ := newSyncStore(t)
	r := st.r
	op := syncspace.Op{Kind: syncspace.Set, Coll: "account", Key: "a1", Field: "v", Value: []byte(`{"secret":"aHVudGVyMg=="}`),
		At: syncspace.HLC{Wall: 1, Node: "dev1"}}
	err := r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if err := tx.Put(repo.Meta, store.Record{Key: syncKey("queue", hlcKey(op.At)), Value: mustJSON(t, syncspace.Queued{Op: op})}); err != nil {
			return err
		}
		return tx.Put(repo.Meta, store.Record{Key: syncKey("log", store.SeqKey(1)), Value: mustJSON(t, syncspace.Logged{Seq: 1, Ops: []syncspace.Op{op}})})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.open(ctx, func() string { return "dev1" }); err != nil {
		t.Fatal(err)
	}
	recs := rawMeta(t, r)
	for _, rec := range recs {
		if rec.Value[0] == '{' {
			t.Fatalf("record %q still in the clear", rec.Key)
		}
	}
	saved, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(saved.Queue) != 1 || saved.Queue[0].Op.Key != "a1" || len(saved.Log) != 1 || saved.Log[0].Ops[0].Key != "a1" {
		t.Fatalf("loaded %+v", saved)
	}
}

// An ack that an earlier version wrote into a queued record (its batch's sequence number) is
// still known after an upgrade: loaded with the operation, and a snapshot past it drops the
// operation.
func TestSyncStoreKeepsLegacyAcks(t *testing.T) {
	ctx := context.Background()
	st, key := newSyncStore(t)
	acked := syncspace.Op{Kind: syncspace.Set, Coll: "setting", Key: "acked", Field: "v", Value: []byte(`1`), At: syncspace.HLC{Wall: 1, Node: "dev1"}}
	waiting := syncspace.Op{Kind: syncspace.Set, Coll: "setting", Key: "waiting", Field: "v", Value: []byte(`2`), At: syncspace.HLC{Wall: 2, Node: "dev1"}}
	err := st.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if err := tx.Delete(repo.Meta, syncKey("format")); err != nil { // as an earlier version left it
			return err
		}
		if err := putSealedJSON(tx, key, syncKey("queue", hlcKey(acked.At)), syncspace.Queued{Op: acked, Seq: 3}); err != nil {
			return err
		}
		return putSealedJSON(tx, key, syncKey("queue", hlcKey(waiting.At)), syncspace.Queued{Op: waiting})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.open(ctx, func() string { return "dev1" }); err != nil {
		t.Fatal(err)
	}
	saved, err := st.Load(ctx)
	if err != nil || len(saved.Queue) != 2 || saved.Queue[0].Seq != 3 || saved.Queue[1].Seq != 0 {
		t.Fatalf("loaded %+v, %v: want the first acked at 3, the second waiting", saved.Queue, err)
	}
	if err := st.Compact(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if saved, _ = st.Load(ctx); len(saved.Queue) != 1 || saved.Queue[0].Op.Key != "waiting" {
		t.Fatalf("after a snapshot up to 3: %+v, want only the waiting operation", saved.Queue)
	}
}

// newSyncStore opens a device's sync store for a new space, in a repository in memory.
func newSyncStore(tb testing.TB) (Store, *syncspace.Key) {
	tb.Helper()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		tb.Fatal(err)
	}
	key, _ := syncspace.NewKey()
	st := Store{r: repo.New(db), key: key}
	if _, err := st.open(context.Background(), func() string { return "dev1" }); err != nil {
		tb.Fatal(err)
	}
	return st, key
}

func rawMeta(t *testing.T, r *repo.Repo) []store.Record {
	var out []store.Record
	err := r.View(context.Background(), []string{repo.Meta}, func(tx *repo.Tx) error {
		for _, part := range []string{"queue", "qchunk", "log"} {
			if err := tx.Scan(repo.Meta, store.Query{Prefix: syncKey(part)}, func(rec store.Record) error {
				out = append(out, rec)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("%d queued and logged records, want 2", len(out))
	}
	return out
}

// putSealedJSON stores v as an earlier version did: JSON sealed at rest.
func putSealedJSON(tx *repo.Tx, key *syncspace.Key, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := key.SealAtRest(name, b)
	if err != nil {
		return err
	}
	return tx.Put(repo.Meta, store.Record{Key: name, Value: sealed})
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// After a snapshot, the store keeps the snapshot's batches and what followed, drops the
// queued operations the relay stored before it (the snapshot holds them) and keeps the
// others; the trim point the device has to catch up with is kept until a snapshot covers it.
// The client started again from the store has the same state.
func TestSyncStoreCompacts(t *testing.T) {
	ctx := context.Background()
	st, key := newSyncStore(t)
	set := func(wall int64, node, k string) syncspace.Op {
		return syncspace.Op{Kind: syncspace.Set, Coll: "setting", Key: k, Field: "v", Value: []byte(`1`), At: syncspace.HLC{Wall: wall, Node: node}}
	}
	storedEarly, storedLate, notStored := set(1, "dev1", "early"), set(2, "dev1", "late"), set(3, "dev1", "mine")
	if err := st.Enqueue(ctx, []syncspace.Op{storedEarly, storedLate, notStored}); err != nil {
		t.Fatal(err)
	}
	if err := st.Acked(ctx, []syncspace.HLC{storedEarly.At}, 2); err != nil {
		t.Fatal(err)
	}
	if err := st.Acked(ctx, []syncspace.HLC{storedLate.At}, 9); err != nil {
		t.Fatal(err)
	}
	if err := st.SetGap(ctx, 4); err != nil {
		t.Fatal(err)
	}
	state := syncspace.NewState()
	for seq := uint64(1); seq <= 5; seq++ {
		op := set(10+int64(seq), "other", "k")
		state.Apply(op, seq)
		if err := st.Commit(ctx, syncspace.Logged{Seq: seq, Ops: []syncspace.Op{op}, Size: 1065}); err != nil {
			t.Fatal(err)
		}
	}
	part := &syncspace.SnapshotPart{ID: [16]byte{1}, Upto: 5, Part: 0, Parts: 1}
	state.Apply(storedEarly, 2)
	if err := st.Commit(ctx, syncspace.Logged{Seq: 7, Ops: state.SnapshotOps(), Size: 2089, Snapshot: part}); err != nil {
		t.Fatal(err)
	}
	if saved, err := st.Load(ctx); err != nil || saved.Gap != 4 || len(saved.Log) != 6 {
		t.Fatalf("before compacting: gap %d, %d batches, %v", saved.Gap, len(saved.Log), err)
	}
	if err := st.Compact(ctx, 5); err != nil {
		t.Fatal(err)
	}
	saved, err := st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Gap != 0 || saved.Cursor != 7 || len(saved.Log) != 1 || saved.Log[0].Seq != 7 || *saved.Log[0].Snapshot != *part {
		t.Fatalf("after compacting: gap %d, cursor %d, log %+v", saved.Gap, saved.Cursor, saved.Log)
	}
	var queued []string
	for _, q := range saved.Queue {
		queued = append(queued, q.Op.Key)
	}
	if !slices.Equal(queued, []string{"late", "mine"}) {
		t.Fatalf("queued after compacting: %v, want late (stored after the snapshot's point) and mine", queued)
	}
	c, err := syncspace.New(ctx, syncspace.Config{Key: key, Device: "dev1", Transport: syncspace.WebSocket{}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	state.Apply(storedLate, 0)
	state.Apply(notStored, 0)
	var got string
	c.View(func(s *syncspace.State) { got = s.Dump() })
	if got != state.Dump() {
		t.Fatalf("started from the compacted store:\n%s\nwant\n%s", got, state.Dump())
	}
}
