package app

import (
	"context"
	"encoding/json"
	"testing"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// A queue and a log that an earlier version stored in the clear are sealed when the space
// opens, and read back the same.
func TestSyncStoreSealsLegacyRecords(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := repo.New(db)
	key, _ := syncspace.NewKey()
	st := syncStore{r: r, key: key}
	if _, err := st.open(ctx, key.SpaceID(), func() string { return "dev1" }); err != nil {
		t.Fatal(err)
	}
	op := syncspace.Op{Kind: syncspace.Set, Coll: "account", Key: "a1", Field: "v", Value: []byte(`{"secret":"aHVudGVyMg=="}`),
		At: syncspace.HLC{Wall: 1, Node: "dev1"}}
	err = r.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if err := tx.Put(repo.Meta, store.Record{Key: syncKey("queue", hlcKey(op.At)), Value: mustJSON(t, syncspace.Queued{Op: op})}); err != nil {
			return err
		}
		return tx.Put(repo.Meta, store.Record{Key: syncKey("log", store.SeqKey(1)), Value: mustJSON(t, syncspace.Logged{Seq: 1, Ops: []syncspace.Op{op}})})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.open(ctx, key.SpaceID(), func() string { return "dev1" }); err != nil {
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

func rawMeta(t *testing.T, r *repo.Repo) []store.Record {
	var out []store.Record
	err := r.View(context.Background(), []string{repo.Meta}, func(tx *repo.Tx) error {
		for _, part := range []string{"queue", "log"} {
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

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A setting another device changed is applied here with an operation-log entry that the
// bridge does not carry back: when a newer value arrived meanwhile, re-stamping the older
// one would make it win everywhere. A setting changed here is carried.
func TestSettingsFromTheSpaceAreNotCarriedBack(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := repo.New(db)
	state := syncspace.NewState()
	state.Apply(syncspace.Op{Kind: syncspace.Set, Coll: collSetting, Key: "theme", Field: "v", Value: []byte(`"dark"`),
		At: syncspace.HLC{Wall: 2, Node: "other"}}, 2)
	if err := r.SetSettingFromSync(ctx, "theme", "light"); err != nil { // the older value, applied a moment ago
		t.Fatal(err)
	}
	if err := r.SetSetting(ctx, "density", "compact"); err != nil { // the user's own change
		t.Fatal(err)
	}
	ops, err := r.Ops(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var carried []string
	for _, op := range ops {
		if sop, ok := toSyncOp(op, state, map[string]bool{}); ok {
			carried = append(carried, sop.Key+"="+string(sop.Value))
		}
	}
	if len(carried) != 1 || carried[0] != `density="compact"` {
		t.Fatalf("carried %v, want only the user's own change", carried)
	}
}
