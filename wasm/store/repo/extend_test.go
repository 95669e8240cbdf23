package repo_test

import (
	"slices"
	"testing"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/store/storetest"
)

// testExtend adds a store to the core schema the way the discussions index will: a new spec, a
// version bump and a migration that fills it from the messages already stored.
func testExtend(t *testing.T, b storetest.Backend) {
	db := b.MustOpen(t, "extend", repo.Schema())
	r := repo.New(db)
	saveMessages(t, r, "a1", 12)
	db.Close()

	next := repo.Schema()
	next.Version++
	next.Stores = append(slices.Clone(next.Stores), store.StoreSpec{Name: "topics_example", Indexes: []string{"last"}})
	next.Migrations = append(slices.Clone(next.Migrations), store.Migration{Version: next.Version, Run: func(tx store.Tx) error {
		last := map[string]string{}
		err := tx.Scan(repo.Messages, store.Query{Index: "date"}, func(rec store.Record) error {
			conv := store.SplitTuple(rec.Index["conversation"])[1]
			last[conv] = rec.Index["date"]
			return nil
		})
		for conv, date := range last {
			if err == nil {
				err = tx.Put("topics_example", store.Record{Key: conv, Index: map[string]string{"last": store.Tuple(date, conv)}})
			}
		}
		return err
	}})
	db = b.MustOpen(t, "extend", next)
	r = repo.New(db)
	if n, err := r.CountMessages(ctx, "a1"); n != 12 || err != nil {
		t.Fatalf("messages after upgrade: %d %v", n, err)
	}
	err := db.View(ctx, []string{"topics_example"}, func(tx store.Tx) error {
		recs, err := store.ScanAll(tx, "topics_example", store.Query{Index: "last", Reverse: true})
		if err == nil && len(recs) != 3 {
			t.Errorf("%d discussions, want 3", len(recs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The core keeps working on the extended schema.
	m, body := testMessage("a1", 50)
	m.Network = model.Mastodon
	if err := r.SaveMessage(ctx, m, body); err != nil {
		t.Fatal(err)
	}
}
