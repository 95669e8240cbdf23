package syncstore

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// The app's sync store keeps what syncspace.MemStore keeps, through any sequence of writes
// (some stamped before queued operations, as after the wall clock went back), acks, batches
// delivered back (this device's, with their ack, or without it when the ack was lost;
// other devices'), snapshots, gaps and restarts from the platform's database (a file
// natively, IndexedDB in a browser).
func TestSyncStoreKeepsWhatMemStoreKeeps(t *testing.T) {
	for seed := uint64(1); seed <= modelSeeds; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { StoreModel(t, seed) })
	}
}

func StoreModel(t *testing.T, seed uint64) {
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(seed, 0))
	path := platformDB(t)
	key, _ := syncspace.NewKey()
	var db store.DB
	var st Store
	restart := func() {
		if db != nil {
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
		var err error
		if db, err = store.Open(ctx, path, repo.Schema()); err != nil {
			t.Fatal(err)
		}
		st = Store{r: repo.New(db), key: key}
		if _, err := st.open(ctx, func() string { return "dev1" }); err != nil {
			t.Fatal(err)
		}
	}
	restart()
	defer func() { db.Close() }()
	mem := &syncspace.MemStore{}
	both := func(what string, fn func(s syncspace.Store) error) {
		t.Helper()
		if err := fn(mem); err != nil {
			t.Fatalf("%s: mem: %v", what, err)
		}
		if err := fn(st); err != nil {
			t.Fatalf("%s: app: %v", what, err)
		}
	}

	var wall int64 = 1000
	var back uint32 // the logical counter of writes stamped in the past, so each stamp is new
	op := func(at syncspace.HLC) syncspace.Op {
		return syncspace.Op{At: at, Kind: syncspace.Set, Coll: "setting", Key: fmt.Sprint("k", rnd.IntN(50)), Field: "v",
			Value: []byte(fmt.Sprint(rnd.IntN(1000)))}
	}
	type logged struct {
		ops []syncspace.Op
		own bool // pushed by this device with its ack recorded
	}
	var relay []logged // the relay's log: relay[i] is at seq i+1
	var cursor int     // batches delivered back
	for step := range 300 {
		saved, _ := mem.Load(ctx)
		var pending []syncspace.Op
		for _, q := range saved.Queue {
			if q.Seq == 0 {
				pending = append(pending, q.Op)
			}
		}
		switch r := rnd.IntN(100); {
		case r < 30: // a write
			ops := make([]syncspace.Op, 1+rnd.IntN(100))
			if rnd.IntN(5) == 0 && wall > 1000 { // stamped among queued operations
				back++
				w := 1000 + rnd.Int64N(wall-1000)
				for i := range ops {
					ops[i] = op(syncspace.HLC{Wall: w, Logical: back, Node: "dev1"})
					w += 1 + rnd.Int64N(3)
				}
			} else {
				for i := range ops {
					wall += 2
					ops[i] = op(syncspace.HLC{Wall: wall, Node: "dev1"})
				}
			}
			both("enqueue", func(s syncspace.Store) error { return s.Enqueue(ctx, ops) })
		case r < 55 && len(pending) > 0: // a push, its ack recorded or lost
			n := min(len(pending), 1+rnd.IntN(250))
			batch := pending[:n]
			seq := uint64(len(relay) + 1)
			own := rnd.IntN(8) != 0
			relay = append(relay, logged{ops: batch, own: own})
			if own {
				stamps := make([]syncspace.HLC, n)
				for i := range batch {
					stamps[i] = batch[i].At
				}
				both("acked", func(s syncspace.Store) error { return s.Acked(ctx, stamps, seq) })
			}
		case r < 65: // another device's batch
			ops := make([]syncspace.Op, 1+rnd.IntN(20))
			for i := range ops {
				ops[i] = op(syncspace.HLC{Wall: int64(step), Logical: uint32(i), Node: "dev2"})
			}
			relay = append(relay, logged{ops: ops})
		case r < 85 && cursor < len(relay): // the log delivers the next batch
			cursor++
			b := syncspace.Logged{Seq: uint64(cursor), Ops: relay[cursor-1].ops, Size: 1000 + cursor}
			both("commit", func(s syncspace.Store) error { return s.Commit(ctx, b) })
		case r < 90 && cursor > 0: // a snapshot
			upto := uint64(1 + rnd.IntN(cursor))
			both("compact", func(s syncspace.Store) error { return s.Compact(ctx, upto) })
		case r < 93:
			gap := uint64(len(relay) + rnd.IntN(3))
			both("gap", func(s syncspace.Store) error { return s.SetGap(ctx, gap) })
		case r < 100:
			restart()
		}
		want, _ := mem.Load(ctx)
		got, err := st.Load(ctx)
		if err != nil {
			t.Fatalf("step %d: load: %v", step, err)
		}
		if got.Cursor != want.Cursor || got.Gap != want.Gap || len(got.Log) != len(want.Log) || len(got.Log) > 0 && !reflect.DeepEqual(got.Log, want.Log) {
			t.Fatalf("step %d: cursor %d gap %d, %d batches; want %d, %d, %d", step, got.Cursor, got.Gap, len(got.Log), want.Cursor, want.Gap, len(want.Log))
		}
		if len(got.Queue) != len(want.Queue) || len(got.Queue) > 0 && !reflect.DeepEqual(got.Queue, want.Queue) {
			i := 0
			for i < min(len(got.Queue), len(want.Queue)) && reflect.DeepEqual(got.Queue[i], want.Queue[i]) {
				i++
			}
			t.Fatalf("step %d: queue of %d, want %d; first difference at %d: %+v, want %+v", step, len(got.Queue), len(want.Queue), i,
				got.Queue[i:min(i+1, len(got.Queue))], want.Queue[i:min(i+1, len(want.Queue))])
		}
	}
}

// A device that stops between the relay's ack of a batch and the batch's delivery back, or
// after a batch that delivered part of a write, finds on restart every operation not yet
// delivered, in order, the acked ones marked with their batch; the chunk records go with the
// last of their operations.
func TestSyncStoreRestartsAfterPartOfAWriteWasDelivered(t *testing.T) {
	ctx := context.Background()
	path := platformDB(t)
	key, _ := syncspace.NewKey()
	open := func() (store.DB, Store) {
		db, err := store.Open(ctx, path, repo.Schema())
		if err != nil {
			t.Fatal(err)
		}
		st := Store{r: repo.New(db), key: key}
		if _, err := st.open(ctx, func() string { return "dev1" }); err != nil {
			t.Fatal(err)
		}
		return db, st
	}
	ops := make([]syncspace.Op, 2*maxChunk+10) // one write: three chunks
	for i := range ops {
		ops[i] = syncspace.Op{At: syncspace.HLC{Wall: int64(100 + i), Node: "dev1"}, Kind: syncspace.Set, Coll: "setting", Key: fmt.Sprint(i), Field: "v", Value: []byte(`1`)}
	}
	db, st := open()
	if err := st.Enqueue(ctx, ops); err != nil {
		t.Fatal(err)
	}
	stamps := func(ops []syncspace.Op) []syncspace.HLC {
		var out []syncspace.HLC
		for _, op := range ops {
			out = append(out, op.At)
		}
		return out
	}
	// The relay stores the first 300 at 1 (the first chunk and part of the second).
	if err := st.Acked(ctx, stamps(ops[:300]), 1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, st = open()
	saved, err := st.Load(ctx)
	if err != nil || len(saved.Queue) != len(ops) || saved.Queue[299].Seq != 1 || saved.Queue[300].Seq != 0 {
		t.Fatalf("after the ack: %d queued, %v", len(saved.Queue), err)
	}
	if err := st.Commit(ctx, syncspace.Logged{Seq: 1, Ops: ops[:300]}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, st = open()
	defer db.Close()
	saved, err = st.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []syncspace.Op
	for _, q := range saved.Queue {
		if q.Seq != 0 {
			t.Fatalf("%v still marked acked", q.Op.At)
		}
		got = append(got, q.Op)
	}
	if !reflect.DeepEqual(got, ops[300:]) || saved.Cursor != 1 || len(saved.Log) != 1 {
		t.Fatalf("after the batch: %d queued from %v, cursor %d, %d batches", len(got), got[0].At, saved.Cursor, len(saved.Log))
	}
	chunks := 0
	err = st.r.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		chunks, err = tx.Count(repo.Meta, store.Query{Prefix: syncKey("qchunk")})
		return err
	})
	if err != nil || chunks != 2 {
		t.Fatalf("%d chunk records, want 2 (the first went with its last operation)", chunks)
	}
	// Delivering the rest without its ack (lost) empties the queue.
	if err := st.Commit(ctx, syncspace.Logged{Seq: 2, Ops: ops[300:]}); err != nil {
		t.Fatal(err)
	}
	if saved, _ = st.Load(ctx); len(saved.Queue) != 0 {
		t.Fatalf("%d still queued", len(saved.Queue))
	}
}

// What the store keeps of queued operations and batches is sealed: no operation's content is
// in the clear in any record, and a record moved to another name does not open.
func TestSyncStoreSealsChunksAndBatches(t *testing.T) {
	ctx := context.Background()
	st, _ := newSyncStore(t)
	secret := syncspace.Op{At: syncspace.HLC{Wall: 5, Node: "dev1"}, Kind: syncspace.Set, Coll: "account", Key: "imap-account-of-alice", Field: "v", Value: []byte(`"hunter2-password"`)}
	if err := st.Enqueue(ctx, []syncspace.Op{secret}); err != nil {
		t.Fatal(err)
	}
	remote := secret
	remote.At.Node = "dev2"
	if err := st.Commit(ctx, syncspace.Logged{Seq: 1, Ops: []syncspace.Op{remote}}); err != nil {
		t.Fatal(err)
	}
	var recs []store.Record
	err := st.r.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		var err error
		recs, err = store.ScanAll(tx, repo.Meta, store.Query{Prefix: syncKey()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var chunk store.Record
	for _, r := range recs {
		if slices.Contains(store.SplitTuple(r.Key), "qchunk") {
			chunk = r
		}
		for _, clear := range []string{"hunter2-password", "account", "imap-account-of-alice"} { // long enough not to be met by chance
			if bytes.Contains(r.Value, []byte(clear)) {
				t.Fatalf("record %q holds %q in the clear", r.Key, clear)
			}
		}
	}
	if chunk.Key == "" {
		t.Fatal("no chunk record")
	}
	if _, err := st.key.OpenBatchAtRest(syncKey("log", store.SeqKey(1)), chunk.Value); err == nil {
		t.Fatal("a chunk opens under another record's name")
	}
}

// A store an earlier version left in the "acks" layout (each queued operation a sealed JSON
// record, acks as JSON lists) opens with the same queue, now in chunks; its JSON ack is
// still read: by Acked adding to it, and by the batch delivered back.
func TestSyncStoreUpgradesQueuedRecordsToChunks(t *testing.T) {
	ctx := context.Background()
	st, key := newSyncStore(t)
	var ops []syncspace.Op
	for i := range 5 {
		ops = append(ops, syncspace.Op{At: syncspace.HLC{Wall: int64(10 + i), Node: "dev1"}, Kind: syncspace.Set, Coll: "setting", Key: fmt.Sprint(i), Field: "v", Value: []byte(`1`)})
	}
	err := st.r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if err := tx.Put(repo.Meta, store.Record{Key: syncKey("format"), Value: []byte("acks")}); err != nil {
			return err
		}
		for _, op := range ops {
			if err := putSealedJSON(tx, key, syncKey("queue", hlcKey(op.At)), syncspace.Queued{Op: op}); err != nil {
				return err
			}
		}
		return tx.Put(repo.Meta, store.Record{Key: ackKey(4), Value: mustJSON(t, []syncspace.HLC{ops[0].At})})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.open(ctx, func() string { return "dev1" }); err != nil {
		t.Fatal(err)
	}
	saved, err := st.Load(ctx)
	if err != nil || len(saved.Queue) != 5 || saved.Queue[0].Seq != 4 || saved.Queue[1].Seq != 0 || saved.Queue[4].Op.Key != "4" {
		t.Fatalf("after the upgrade: %+v, %v", saved.Queue, err)
	}
	err = st.r.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if n, _ := tx.Count(repo.Meta, store.Query{Prefix: syncKey("queue")}); n != 0 {
			t.Errorf("%d queued records left in the old layout", n)
		}
		rec, err := tx.Get(repo.Meta, syncKey("format"))
		if err != nil || string(rec.Value) != syncFormat {
			t.Errorf("format %q, %v", rec.Value, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Acked(ctx, []syncspace.HLC{ops[1].At}, 4); err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(ctx, syncspace.Logged{Seq: 4, Ops: ops[:2]}); err != nil {
		t.Fatal(err)
	}
	if saved, _ = st.Load(ctx); len(saved.Queue) != 3 || saved.Queue[0].Op.Key != "2" {
		t.Fatalf("after the batch: %+v", saved.Queue)
	}
}
