//go:build !js

package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"caliopen/wasm/store"
)

var fileSchema = store.Schema{Version: 1, Stores: []store.StoreSpec{{Name: "items", Indexes: []string{"a"}}}}

func count(t *testing.T, db store.DB) int {
	var n int
	err := db.View(context.Background(), []string{"items"}, func(tx store.Tx) error {
		var err error
		n, err = tx.Count("items", store.Query{Index: "a"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFileTornTail cuts the log inside its last transaction, as a crash while writing would:
// the database opens with every earlier transaction and nothing of the torn one.
func TestFileTornTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "torn.db")
	db, err := store.OpenFile(path, fileSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	for tx := 0; tx < 3; tx++ {
		err := db.Update(context.Background(), []string{"items"}, func(t store.Tx) error {
			for i := 0; i < 10; i++ {
				t.Put("items", store.Record{Key: fmt.Sprint(tx, "-", i), Value: make([]byte, 100), Index: map[string]string{"a": "x"}})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	fi, _ := os.Stat(path)
	// A damaged byte inside the last frame ends the log before it.
	data, _ := os.ReadFile(path)
	data[len(data)-5] ^= 0xff
	os.WriteFile(path, data, 0o600)
	db, err = store.OpenFile(path, fileSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 20 {
		t.Fatalf("after damage: %d records, want 20", n)
	}
	db.Close()
	fi, _ = os.Stat(path)
	// Each cut tears the last remaining transaction.
	for i, cut := range []int64{1, 500} {
		want := 10 - 10*i
		if err := os.Truncate(path, fi.Size()-cut); err != nil {
			t.Fatal(err)
		}
		db, err = store.OpenFile(path, fileSchema, nil)
		if err != nil {
			t.Fatalf("open after cutting %d bytes: %v", cut, err)
		}
		if n := count(t, db); n != want {
			t.Fatalf("after cutting %d bytes: %d records, want %d", cut, n, want)
		}
		db.Close()
		fi, _ = os.Stat(path)
	}
}

// TestFileCompaction rewrites many times the same records: opening compacts the log.
func TestFileCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "compact.db")
	db, err := store.OpenFile(path, fileSchema, &store.FileOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 300; round++ {
		db.Update(context.Background(), []string{"items"}, func(tx store.Tx) error {
			for i := 0; i < 10; i++ {
				tx.Put("items", store.Record{Key: fmt.Sprint(i), Value: make([]byte, 1000), Index: map[string]string{"a": fmt.Sprint(round)}})
			}
			return nil
		})
	}
	db.Close()
	before, _ := os.Stat(path)
	db, err = store.OpenFile(path, fileSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if after.Size() >= before.Size()/10 {
		t.Errorf("log not compacted: %d -> %d bytes", before.Size(), after.Size())
	}
	if n := count(t, db); n != 10 {
		t.Fatalf("after compaction: %d records", n)
	}
	db.Close()
}
