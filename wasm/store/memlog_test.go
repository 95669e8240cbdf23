//go:build !js

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestFileFailedWrite makes the log refuse a write: the transaction fails, memory is rolled back
// and later transactions land in a readable log.
func TestFileFailedWrite(t *testing.T) {
	ctx := context.Background()
	schema := Schema{Version: 1, Stores: []StoreSpec{{Name: "s", Indexes: []string{"a"}}}}
	path := filepath.Join(t.TempDir(), "fail.db")
	db, err := OpenFile(path, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	put := func(key string) error {
		return db.Update(ctx, []string{"s"}, func(tx Tx) error {
			return tx.Put("s", Record{Key: key, Value: []byte(key), Index: map[string]string{"a": key}})
		})
	}
	if err := put("one"); err != nil {
		t.Fatal(err)
	}
	lf := db.(*memDB).log
	rw := lf.f
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	lf.f = ro
	err = put("two")
	var se *Error
	if err == nil || !errors.As(err, &se) || se.Op != "commit" {
		t.Fatalf("failed write: %v", err)
	}
	t.Logf("failed write: %v", err)
	lf.f = rw
	ro.Close()
	if err := db.View(ctx, []string{"s"}, func(tx Tx) error {
		if _, err := tx.Get("s", "two"); !errors.Is(err, ErrNotFound) {
			t.Errorf("failed write kept in memory: %v", err)
		}
		if n, _ := tx.Count("s", Query{Index: "a"}); n != 1 {
			t.Errorf("index has %d entries", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := put("three"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = OpenFile(path, schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(ctx, []string{"s"}, func(tx Tx) error {
		recs, _ := ScanAll(tx, "s", Query{})
		if len(recs) != 2 || recs[0].Key != "one" || recs[1].Key != "three" {
			t.Errorf("after reopen: %v", recs)
		}
		return nil
	})
}

func TestFileErrQuota(t *testing.T) {
	if err := fileErr(&os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}); !errors.Is(err, ErrQuota) {
		t.Fatalf("ENOSPC: %v", err)
	}
}
