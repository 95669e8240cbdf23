//go:build js && wasm

package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"caliopen/wasm/store"
	"caliopen/wasm/store/storetest"
)

func idbBackend() storetest.Backend { return storetest.IndexedDB() }

func TestContractIndexedDB(t *testing.T) {
	storetest.Run(t, idbBackend())
}

var crashSchema = store.Schema{Version: 1, Stores: []store.StoreSpec{{Name: "items", Indexes: []string{"a"}}}}

// TestStalledFunctionWritesNothing waits on a timer inside a transaction, which lets IndexedDB
// commit it by itself (hackpad#4): the writes made before and after must all be lost, and the
// caller told.
func TestStalledFunctionWritesNothing(t *testing.T) {
	b := idbBackend()
	db := b.MustOpen(t, "stall", crashSchema)
	ctx := context.Background()
	err := db.Update(ctx, []string{"items"}, func(tx store.Tx) error {
		tx.Put("items", store.Record{Key: "before", Index: map[string]string{"a": "1"}})
		if _, err := tx.Get("items", "none"); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		time.Sleep(100 * time.Millisecond) // other I/O: the transaction ends meanwhile
		return tx.Put("items", store.Record{Key: "after"})
	})
	if !errors.Is(err, store.ErrTxInactive) {
		t.Fatalf("stalled Update = %v, want ErrTxInactive", err)
	}
	t.Logf("stalled Update: %v", err)
	err = db.View(ctx, []string{"items"}, func(tx store.Tx) error {
		n, err := tx.Count("items", store.Query{})
		if err == nil && n != 0 {
			err = fmt.Errorf("%d records written by a stalled transaction", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCrashMidTransaction stops transactions midway (an error, a panic, closing the database
// while one runs) and reopens: nothing of them is there.
func TestCrashMidTransaction(t *testing.T) {
	b := idbBackend()
	ctx := context.Background()
	db, err := b.Open(t, "crash", crashSchema)
	if err != nil {
		t.Fatal(err)
	}
	write := func(tx store.Tx, prefix string) {
		for i := 0; i < 100; i++ {
			tx.Put("items", store.Record{Key: fmt.Sprint(prefix, i), Value: make([]byte, 1000), Index: map[string]string{"a": prefix}})
		}
		tx.Count("items", store.Query{}) // sends the writes to IndexedDB
	}
	err = db.Update(ctx, []string{"items"}, func(tx store.Tx) error {
		write(tx, "err")
		return errors.New("network failed")
	})
	if err == nil {
		t.Fatal("failed fn committed")
	}
	func() {
		defer func() { recover() }()
		db.Update(ctx, []string{"items"}, func(tx store.Tx) error {
			write(tx, "panic")
			panic("crash")
		})
	}()
	// Close the connection while a transaction is midway (as a closing page would), then fail.
	err = db.Update(ctx, []string{"items"}, func(tx store.Tx) error {
		write(tx, "close")
		db.Close()
		return errors.New("page closing")
	})
	if err == nil {
		t.Fatal("transaction interrupted by close committed")
	}
	db2 := b.MustOpen(t, "crash", crashSchema)
	err = db2.View(ctx, []string{"items"}, func(tx store.Tx) error {
		n, err := tx.Count("items", store.Query{})
		if err == nil && n != 0 {
			err = fmt.Errorf("%d records of aborted transactions after reopen", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeWhileOpen upgrades a database another connection (another tab) holds open: that
// connection closes itself instead of blocking the upgrade.
func TestUpgradeWhileOpen(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprint("tabs-", time.Now().UnixNano())
	defer store.DeleteIndexedDB(ctx, name)
	old, err := store.OpenIndexedDB(ctx, name, crashSchema)
	if err != nil {
		t.Fatal(err)
	}
	next := crashSchema
	next.Version = 2
	next.Stores = append(slices.Clone(next.Stores), store.StoreSpec{Name: "more"})
	done := make(chan error, 1)
	go func() {
		db, err := store.OpenIndexedDB(ctx, name, next)
		if err == nil {
			db.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("upgrade blocked by the open connection")
	}
	if err := old.View(ctx, []string{"items"}, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("old connection after upgrade: %v, want ErrClosed", err)
	}
}
