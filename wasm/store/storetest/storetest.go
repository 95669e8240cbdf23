// Package storetest is the contract every store backend passes: the same tests run natively
// against the in-memory and file backends and in a browser against IndexedDB.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"caliopen/wasm/store"
)

// Backend opens databases for the contract tests. Open with a name already used in the same
// test reopens that database.
type Backend struct {
	Open func(t testing.TB, name string, s store.Schema) (store.DB, error)
	// Persistent backends keep data across Close and Open.
	Persistent bool
}

// MustOpen opens a database or fails the test; the database is closed at the test's end.
func (b Backend) MustOpen(t testing.TB, name string, s store.Schema) store.DB {
	t.Helper()
	db, err := b.Open(t, name, s)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var ctx = context.Background()

// Schema used by most tests: "items" indexed by "a" and "b", and "other" without indexes.
var testSchema = store.Schema{Version: 1, Stores: []store.StoreSpec{
	{Name: "items", Indexes: []string{"a", "b"}},
	{Name: "other"},
}}

var both = []string{"items", "other"}

// Run runs the whole contract.
func Run(t *testing.T, b Backend) {
	t.Run("CRUD", func(t *testing.T) { testCRUD(t, b) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, b) })
	t.Run("IndexScan", func(t *testing.T) { testIndexScan(t, b) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, b) })
	t.Run("Count", func(t *testing.T) { testCount(t, b) })
	t.Run("Atomicity", func(t *testing.T) { testAtomicity(t, b) })
	t.Run("StartUpdate", func(t *testing.T) { testStartUpdate(t, b) })
	t.Run("Isolation", func(t *testing.T) { testIsolation(t, b) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, b) })
	t.Run("LargeValues", func(t *testing.T) { testLargeValues(t, b) })
	t.Run("UnicodeOrder", func(t *testing.T) { testUnicodeOrder(t, b) })
	t.Run("ScanWhileWriting", func(t *testing.T) { testScanWhileWriting(t, b) })
	if b.Persistent {
		t.Run("Reopen", func(t *testing.T) { testReopen(t, b) })
		t.Run("Migrations", func(t *testing.T) { testMigrations(t, b) })
		t.Run("FailedMigration", func(t *testing.T) { testFailedMigration(t, b) })
	}
}

func put(t testing.TB, db store.DB, st string, recs ...store.Record) {
	t.Helper()
	err := db.Update(ctx, []string{st}, func(tx store.Tx) error {
		for _, r := range recs {
			if err := tx.Put(st, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("put: %v", err)
	}
}

func get(t testing.TB, db store.DB, st, key string) (store.Record, error) {
	t.Helper()
	var r store.Record
	err := db.View(ctx, []string{st}, func(tx store.Tx) error {
		var err error
		r, err = tx.Get(st, key)
		return err
	})
	return r, err
}

func scanKeys(t testing.TB, db store.DB, st string, q store.Query) []string {
	t.Helper()
	var keys []string
	err := db.View(ctx, []string{st}, func(tx store.Tx) error {
		return tx.Scan(st, q, func(r store.Record) error {
			keys = append(keys, r.Key)
			return nil
		})
	})
	if err != nil {
		t.Fatalf("scan %+v: %v", q, err)
	}
	return keys
}

func rec(key, a, b string, value string) store.Record {
	r := store.Record{Key: key, Value: []byte(value), Index: map[string]string{}}
	if a != "" {
		r.Index["a"] = a
	}
	if b != "" {
		r.Index["b"] = b
	}
	if len(r.Index) == 0 {
		r.Index = nil
	}
	return r
}

func testCRUD(t *testing.T, b Backend) {
	db := b.MustOpen(t, "crud", testSchema)
	if _, err := get(t, db, "items", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v, want ErrNotFound", err)
	}
	put(t, db, "items", rec("x", "1", "", "hello"), rec("y", "", "", ""))
	r, err := get(t, db, "items", "x")
	if err != nil || string(r.Value) != "hello" || r.Index["a"] != "1" || len(r.Index) != 1 {
		t.Fatalf("get x = %+v, %v", r, err)
	}
	r, err = get(t, db, "items", "y")
	if err != nil || len(r.Value) != 0 || len(r.Index) != 0 {
		t.Fatalf("get y = %+v, %v", r, err)
	}
	// Overwrite moves the record in its indexes.
	put(t, db, "items", rec("x", "2", "z", "bye"))
	if got := scanKeys(t, db, "items", store.Query{Index: "a", Prefix: "1"}); len(got) != 0 {
		t.Fatalf("old index entry kept: %v", got)
	}
	if got := scanKeys(t, db, "items", store.Query{Index: "b"}); !slices.Equal(got, []string{"x"}) {
		t.Fatalf("index b = %v", got)
	}
	// The caller's buffers are not shared with the store.
	v := []byte("mutable")
	put(t, db, "other", store.Record{Key: "m", Value: v})
	v[0] = 'X'
	r, _ = get(t, db, "other", "m")
	if string(r.Value) != "mutable" {
		t.Fatalf("value aliased: %q", r.Value)
	}
	err = db.Update(ctx, both, func(tx store.Tx) error {
		if err := tx.Delete("items", "x"); err != nil {
			return err
		}
		if err := tx.Delete("items", "never"); err != nil {
			return err
		}
		// Reads see the transaction's own writes.
		if _, err := tx.Get("items", "x"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("deleted x still read: %v", err)
		}
		if err := tx.Put("other", store.Record{Key: "n", Value: []byte("1")}); err != nil {
			return err
		}
		if r, err := tx.Get("other", "n"); err != nil || string(r.Value) != "1" {
			return fmt.Errorf("own put not read: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := get(t, db, "items", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted x: %v", err)
	}
	if got := scanKeys(t, db, "items", store.Query{Index: "b"}); len(got) != 0 {
		t.Fatalf("deleted x still indexed: %v", got)
	}
	if got := scanKeys(t, db, "other", store.Query{}); !slices.Equal(got, []string{"m", "n"}) {
		t.Fatalf("other = %v", got)
	}
}

func testErrors(t *testing.T, b Backend) {
	db := b.MustOpen(t, "errors", testSchema)
	err := db.View(ctx, []string{"items"}, func(tx store.Tx) error { return tx.Put("items", rec("k", "", "", "v")) })
	if !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("put in View: %v, want ErrReadOnly", err)
	}
	err = db.Update(ctx, []string{"items"}, func(tx store.Tx) error { return tx.Put("other", rec("k", "", "", "v")) })
	if !errors.Is(err, store.ErrUnknownStore) {
		t.Errorf("put outside scope: %v, want ErrUnknownStore", err)
	}
	err = db.Update(ctx, []string{"items"}, func(tx store.Tx) error {
		return tx.Put("items", store.Record{Key: "k", Index: map[string]string{"nope": "1"}})
	})
	if !errors.Is(err, store.ErrUnknownIndex) {
		t.Errorf("undeclared index: %v, want ErrUnknownIndex", err)
	}
	err = db.View(ctx, []string{"items"}, func(tx store.Tx) error {
		return tx.Scan("items", store.Query{Index: "nope"}, func(store.Record) error { return nil })
	})
	if !errors.Is(err, store.ErrUnknownIndex) {
		t.Errorf("scan undeclared index: %v, want ErrUnknownIndex", err)
	}
	for _, k := range []string{"bad\uffff", "bad\xff"} {
		err = db.Update(ctx, []string{"items"}, func(tx store.Tx) error { return tx.Put("items", rec(k, "", "", "")) })
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("key %q: %v, want ErrInvalidKey", k, err)
		}
		err = db.Update(ctx, []string{"items"}, func(tx store.Tx) error { return tx.Put("items", rec("k", k, "", "")) })
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("index key %q: %v, want ErrInvalidKey", k, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.View(ctx, []string{"items"}, func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("after close: %v, want ErrClosed", err)
	}
}

func testIndexScan(t *testing.T, b Backend) {
	db := b.MustOpen(t, "index", testSchema)
	// a: tuple (group, n); b on some records only.
	var recs []store.Record
	for i := 0; i < 10; i++ {
		g := []string{"g1", "g2"}[i%2]
		bb := ""
		if i%3 == 0 {
			bb = fmt.Sprint(9 - i)
		}
		recs = append(recs, rec(fmt.Sprintf("k%02d", i), store.Tuple(g, fmt.Sprint(i)), bb, fmt.Sprint(i)))
	}
	put(t, db, "items", recs...)
	cases := []struct {
		q    store.Query
		want string
	}{
		{store.Query{}, "k00 k01 k02 k03 k04 k05 k06 k07 k08 k09"},
		{store.Query{Reverse: true, Limit: 3}, "k09 k08 k07"},
		{store.Query{Start: "k03", End: "k06"}, "k03 k04 k05"},
		{store.Query{Start: "k03", End: "k06", Reverse: true}, "k05 k04 k03"},
		{store.Query{Prefix: "k0", Start: "k08"}, "k08 k09"},
		{store.Query{Index: "a", Prefix: store.Tuple("g2")}, "k01 k03 k05 k07 k09"},
		{store.Query{Index: "a", Prefix: store.Tuple("g2"), Reverse: true, Limit: 2}, "k09 k07"},
		{store.Query{Index: "a", Prefix: store.Tuple("g1"), Start: store.Tuple("g1", "4")}, "k04 k06 k08"},
		{store.Query{Index: "a", Start: store.Tuple("g1", "4"), End: store.Tuple("g2", "3")}, "k04 k06 k08 k01"},
		{store.Query{Index: "b"}, "k09 k06 k03 k00"},
		{store.Query{Index: "b", Reverse: true}, "k00 k03 k06 k09"},
		{store.Query{Index: "b", Prefix: "x"}, ""},
		{store.Query{Start: "z"}, ""},
		{store.Query{Start: "k05", End: "k05"}, ""},
		{store.Query{Start: "k06", End: "k05"}, ""},
	}
	for _, c := range cases {
		if got := strings.Join(scanKeys(t, db, "items", c.q), " "); got != c.want {
			t.Errorf("scan %+v = %q, want %q", c.q, got, c.want)
		}
	}
	// ErrStop ends a scan without error; other errors come back.
	n := 0
	err := db.View(ctx, []string{"items"}, func(tx store.Tx) error {
		return tx.Scan("items", store.Query{}, func(store.Record) error {
			n++
			if n == 2 {
				return store.ErrStop
			}
			return nil
		})
	})
	if err != nil || n != 2 {
		t.Errorf("ErrStop: n=%d err=%v", n, err)
	}
	boom := errors.New("boom")
	err = db.View(ctx, []string{"items"}, func(tx store.Tx) error {
		return tx.Scan("items", store.Query{}, func(store.Record) error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Errorf("scan error: %v", err)
	}
}

// pages reads a whole query page by page with After.
func pages(t testing.TB, db store.DB, q store.Query, size int) []string {
	var all []string
	q.Limit = size
	for i := 0; i < 100; i++ {
		var page []store.Record
		err := db.View(ctx, []string{"items"}, func(tx store.Tx) error {
			var err error
			page, err = store.ScanAll(tx, "items", q)
			return err
		})
		if err != nil {
			t.Fatalf("page: %v", err)
		}
		for _, r := range page {
			all = append(all, r.Key)
		}
		if len(page) < size {
			return all
		}
		pos := page[len(page)-1].PosIn(q.Index)
		q.After = &pos
	}
	t.Fatal("pagination does not end")
	return nil
}

func testPagination(t *testing.T, b Backend) {
	db := b.MustOpen(t, "pages", testSchema)
	var recs []store.Record
	for i := 0; i < 23; i++ {
		// Index a repeats (4 distinct keys), so pages must resume by primary key too.
		recs = append(recs, rec(fmt.Sprintf("r%02d", i), fmt.Sprint(i%4), "", ""))
	}
	put(t, db, "items", recs...)
	for _, q := range []store.Query{
		{}, {Reverse: true}, {Index: "a"}, {Index: "a", Reverse: true},
		{Index: "a", Start: "1", End: "3"}, {Index: "a", Start: "1", End: "3", Reverse: true},
	} {
		want := scanKeys(t, db, "items", q)
		for _, size := range []int{1, 3, 5, 23, 50} {
			if got := pages(t, db, q, size); !slices.Equal(got, want) {
				t.Errorf("pages of %d of %+v = %v, want %v", size, q, got, want)
			}
		}
	}
	// A position outside the range, or of a deleted record, still resumes at the right place.
	got := scanKeys(t, db, "items", store.Query{Index: "a", After: &store.Pos{Key: "2", Primary: "r05"}})
	if !slices.Equal(got, []string{"r06", "r10", "r14", "r18", "r22", "r03", "r07", "r11", "r15", "r19"}) {
		t.Errorf("after missing position = %v", got)
	}
	got = scanKeys(t, db, "items", store.Query{Index: "a", Reverse: true, Limit: 3, After: &store.Pos{Key: "1", Primary: "r10"}})
	if !slices.Equal(got, []string{"r09", "r05", "r01"}) {
		t.Errorf("reverse after = %v", got)
	}
}

func testCount(t *testing.T, b Backend) {
	db := b.MustOpen(t, "count", testSchema)
	for i := 0; i < 30; i++ {
		put(t, db, "items", rec(fmt.Sprintf("c%02d", i), fmt.Sprint(i%3), "", ""))
	}
	err := db.View(ctx, []string{"items"}, func(tx store.Tx) error {
		for _, c := range []struct {
			q    store.Query
			want int
		}{
			{store.Query{}, 30},
			{store.Query{Prefix: "c1"}, 10},
			{store.Query{Start: "c25"}, 5},
			{store.Query{Index: "a", Prefix: "2"}, 10},
			{store.Query{Index: "b"}, 0},
			{store.Query{Start: "c09", End: "c10"}, 1},
		} {
			n, err := tx.Count("items", c.q)
			if err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("count %+v = %d, want %d", c.q, n, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testAtomicity(t *testing.T, b Backend) {
	db := b.MustOpen(t, "atomic", testSchema)
	put(t, db, "items", rec("keep", "1", "", "old"))
	boom := errors.New("boom")
	err := db.Update(ctx, both, func(tx store.Tx) error {
		for i := 0; i < 50; i++ {
			if err := tx.Put("items", rec(fmt.Sprint("new", i), "1", "", "x")); err != nil {
				return err
			}
		}
		tx.Put("items", rec("keep", "2", "", "changed"))
		tx.Delete("other", "nothing")
		tx.Put("other", rec("o", "", "", "x"))
		// Reads inside see the writes, which forces some backends to send them early.
		if n, err := tx.Count("items", store.Query{}); err != nil || n != 51 {
			return fmt.Errorf("count in tx = %d, %v", n, err)
		}
		tx.Put("items", rec("late", "", "", ""))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	// A panic aborts too.
	func() {
		defer func() { recover() }()
		db.Update(ctx, both, func(tx store.Tx) error {
			tx.Put("items", rec("panic", "", "", ""))
			tx.Count("items", store.Query{})
			panic("crash")
		})
	}()
	assertOnly(t, db, "keep", "old")
}

// testStartUpdate: a transaction whose commit is waited for later writes all or nothing as
// Update does, and a transaction begun before that wait comes after it.
func testStartUpdate(t *testing.T, b Backend) {
	db := b.MustOpen(t, "start-update", testSchema)
	put(t, db, "items", rec("keep", "1", "", "old"))
	boom := errors.New("boom")
	failed := store.StartUpdate(ctx, db, both, func(tx store.Tx) error {
		tx.Put("items", rec("keep", "2", "", "changed"))
		tx.Put("other", rec("o", "", "", "x"))
		return boom
	})
	if err := failed(); !errors.Is(err, boom) {
		t.Fatalf("wait = %v, want boom", err)
	}
	assertOnly(t, db, "keep", "old")
	wait := store.StartUpdate(ctx, db, both, func(tx store.Tx) error {
		for i := 0; i < 50; i++ {
			if err := tx.Put("items", rec(fmt.Sprint("new", i), "n", "", "x")); err != nil {
				return err
			}
		}
		return tx.Put("other", rec("o", "", "", "x"))
	})
	var seen int
	err := db.View(ctx, both, func(tx store.Tx) (err error) {
		seen, err = tx.Count("items", store.Query{Index: "a", Prefix: "n"})
		return err
	})
	if err != nil || seen != 50 {
		t.Fatalf("a transaction begun after StartUpdate sees %d new records (%v), want 50", seen, err)
	}
	if err := wait(); err != nil {
		t.Fatal(err)
	}
	if got := scanKeys(t, db, "other", store.Query{}); !slices.Equal(got, []string{"o"}) {
		t.Fatalf("other = %v", got)
	}
}

// assertOnly checks that items holds just the record key with its value, indexed once, and
// that other is empty.
func assertOnly(t testing.TB, db store.DB, key, value string) {
	t.Helper()
	if got := scanKeys(t, db, "items", store.Query{}); !slices.Equal(got, []string{key}) {
		t.Fatalf("items = %v, want only %s", got, key)
	}
	if r, _ := get(t, db, "items", key); string(r.Value) != value {
		t.Fatalf("%s = %q, want %q", key, r.Value, value)
	}
	if got := scanKeys(t, db, "items", store.Query{Index: "a"}); len(got) != 1 {
		t.Fatalf("index a = %v", got)
	}
	if got := scanKeys(t, db, "other", store.Query{}); len(got) != 0 {
		t.Fatalf("other = %v", got)
	}
}

// testIsolation increments one counter from several goroutines: a lost update would show that
// read-modify-write transactions interleave.
func testIsolation(t *testing.T, b Backend) {
	db := b.MustOpen(t, "isolation", testSchema)
	put(t, db, "other", store.Record{Key: "counter", Value: []byte("0")})
	const workers, rounds = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				errs <- db.Update(ctx, []string{"other"}, func(tx store.Tx) error {
					r, err := tx.Get("other", "counter")
					if err != nil {
						return err
					}
					var n int
					fmt.Sscan(string(r.Value), &n)
					return tx.Put("other", store.Record{Key: "counter", Value: []byte(fmt.Sprint(n + 1))})
				})
				// A reader never sees a state between transactions.
				errs <- db.View(ctx, []string{"other"}, func(tx store.Tx) error {
					_, err := tx.Get("other", "counter")
					return err
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, _ := get(t, db, "other", "counter")
	if string(r.Value) != fmt.Sprint(workers*rounds) {
		t.Fatalf("counter = %s, want %d", r.Value, workers*rounds)
	}
}

func testConcurrency(t *testing.T, b Backend) {
	db := b.MustOpen(t, "concurrency", testSchema)
	const workers, each = 5, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i += 10 {
				err := db.Update(ctx, both, func(tx store.Tx) error {
					for j := i; j < i+10; j++ {
						k := fmt.Sprintf("w%d-%03d", w, j)
						if err := tx.Put("items", rec(k, fmt.Sprint(w), "", k)); err != nil {
							return err
						}
					}
					return tx.Put("other", store.Record{Key: fmt.Sprint(w), Value: []byte(fmt.Sprint(i + 10))})
				})
				if err == nil {
					err = db.View(ctx, both, func(tx store.Tx) error {
						n, err := tx.Count("items", store.Query{Index: "a", Prefix: fmt.Sprint(w)})
						if err == nil && n != i+10 {
							err = fmt.Errorf("worker %d sees %d of its records, want %d", w, n, i+10)
						}
						return err
					})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := len(scanKeys(t, db, "items", store.Query{})); n != workers*each {
		t.Fatalf("%d records, want %d", n, workers*each)
	}
}

func testLargeValues(t *testing.T, b Backend) {
	db := b.MustOpen(t, "large", testSchema)
	big := make([]byte, 8<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	put(t, db, "other", store.Record{Key: "big", Value: big})
	r, err := get(t, db, "other", "big")
	if err != nil || !bytes.Equal(r.Value, big) {
		t.Fatalf("8 MiB value: len %d, %v", len(r.Value), err)
	}
}

// UnicodeKeys are in the order IndexedDB gives them: by UTF-16 code units, where a character
// above U+FFFF (two surrogates, 0xD800..) comes before U+E000..U+FFFD, unlike Go's byte order.
var UnicodeKeys = []string{"", "\x00", "\x00\x01", "A", "Z", "a", "a\x00", "ab", "z", "é", "ÿ", "Ā", "中", "𝄞", "😀", "\ue000", "\ufffd"}

func testUnicodeOrder(t *testing.T, b Backend) {
	db := b.MustOpen(t, "unicode", testSchema)
	var recs []store.Record
	for i := len(UnicodeKeys) - 1; i >= 0; i-- {
		k := UnicodeKeys[i]
		recs = append(recs, store.Record{Key: k, Value: []byte(k), Index: map[string]string{"a": k, "b": store.Tuple(k, "x")}})
	}
	put(t, db, "items", recs...)
	if got := scanKeys(t, db, "items", store.Query{}); !slices.Equal(got, UnicodeKeys) {
		t.Errorf("primary order = %q\nwant %q", got, UnicodeKeys)
	}
	for _, ix := range []string{"a", "b"} {
		if got := scanKeys(t, db, "items", store.Query{Index: ix}); !slices.Equal(got, UnicodeKeys) {
			t.Errorf("index %s order = %q\nwant %q", ix, got, UnicodeKeys)
		}
	}
	got := scanKeys(t, db, "items", store.Query{Prefix: "a"})
	if !slices.Equal(got, []string{"a", "a\x00", "ab"}) {
		t.Errorf("prefix a = %q", got)
	}
	got = scanKeys(t, db, "items", store.Query{Index: "b", Prefix: store.Tuple("a")})
	if !slices.Equal(got, []string{"a"}) {
		t.Errorf("tuple prefix a = %q", got)
	}
	// Time keys order as times.
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	times := []time.Time{{}, t0.Add(-time.Hour), t0, t0.Add(time.Nanosecond), t0.Add(24 * 365 * time.Hour)}
	var trecs []store.Record
	for i, tm := range times {
		trecs = append(trecs, store.Record{Key: fmt.Sprint("t", len(times)-i), Index: map[string]string{"a": store.TimeKey(tm.In(time.FixedZone("x", 3600)))}})
	}
	db2 := b.MustOpen(t, "times", testSchema)
	put(t, db2, "items", trecs...)
	if got := scanKeys(t, db2, "items", store.Query{Index: "a"}); !slices.Equal(got, []string{"t5", "t4", "t3", "t2", "t1"}) {
		t.Errorf("time order = %v", got)
	}
}

// testScanWhileWriting changes records from inside a scan.
func testScanWhileWriting(t *testing.T, b Backend) {
	db := b.MustOpen(t, "scanwrite", testSchema)
	for i := 0; i < 10; i++ {
		put(t, db, "items", rec(fmt.Sprint(i), "old", "", ""))
	}
	err := db.Update(ctx, []string{"items"}, func(tx store.Tx) error {
		return tx.Scan("items", store.Query{Index: "a", Prefix: "old"}, func(r store.Record) error {
			r.Index["a"] = "new"
			return tx.Put("items", r)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := scanKeys(t, db, "items", store.Query{Index: "a", Prefix: "new"}); len(got) != 10 {
		t.Fatalf("moved %d records, want 10", len(got))
	}
}

func testReopen(t *testing.T, b Backend) {
	db, err := b.Open(t, "reopen", testSchema)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, "items", rec("p", "1", "2", "persisted"))
	put(t, db, "items", rec("q", "1", "", "deleted"))
	db.Update(ctx, []string{"items"}, func(tx store.Tx) error { return tx.Delete("items", "q") })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = b.MustOpen(t, "reopen", testSchema)
	r, err := get(t, db, "items", "p")
	if err != nil || string(r.Value) != "persisted" || r.Index["b"] != "2" {
		t.Fatalf("after reopen: %+v, %v", r, err)
	}
	if got := scanKeys(t, db, "items", store.Query{Index: "a"}); !slices.Equal(got, []string{"p"}) {
		t.Fatalf("index after reopen = %v", got)
	}
}

// Version 1 of the migration test's schema: "old" (to be dropped) and "items" indexed by "a".
var migV1 = store.Schema{Version: 1, Stores: []store.StoreSpec{
	{Name: "items", Indexes: []string{"a"}},
	{Name: "old"},
}}

// Version 3: "items" gains index "b" filled by a migration, "old" moves into "moved" then goes.
var migV3 = store.Schema{
	Version: 3,
	Stores: []store.StoreSpec{
		{Name: "items", Indexes: []string{"a", "b"}},
		{Name: "moved", Indexes: []string{"a"}},
	},
	Migrations: []store.Migration{
		{Version: 2, Run: func(tx store.Tx) error {
			var recs []store.Record
			err := tx.Scan("items", store.Query{}, func(r store.Record) error {
				r.Index["b"] = strings.ToUpper(string(r.Value))
				recs = append(recs, r)
				return nil
			})
			for _, r := range recs {
				if err == nil {
					err = tx.Put("items", r)
				}
			}
			return err
		}},
		{Version: 3, Run: func(tx store.Tx) error {
			return tx.Scan("old", store.Query{}, func(r store.Record) error {
				return tx.Put("moved", store.Record{Key: r.Key, Value: r.Value, Index: map[string]string{"a": r.Key}})
			})
		}},
	},
}

func testMigrations(t *testing.T, b Backend) {
	db, err := b.Open(t, "migrate", migV1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		k := fmt.Sprintf("m%02d", i)
		put(t, db, "items", rec(k, fmt.Sprint(i%2), "", "v"+k))
		put(t, db, "old", store.Record{Key: k, Value: []byte("o" + k)})
	}
	db.Close()
	db = b.MustOpen(t, "migrate", migV3)
	if got := scanKeys(t, db, "items", store.Query{Index: "a", Prefix: "1"}); len(got) != 10 {
		t.Errorf("old index lost: %v", got)
	}
	if got := scanKeys(t, db, "items", store.Query{Index: "b", Prefix: "VM1"}); len(got) != 10 {
		t.Errorf("new index b = %v", got)
	}
	r, err := get(t, db, "items", "m07")
	if err != nil || string(r.Value) != "vm07" || r.Index["b"] != "VM07" {
		t.Errorf("migrated record = %+v, %v", r, err)
	}
	if got := scanKeys(t, db, "moved", store.Query{Index: "a"}); len(got) != 20 {
		t.Errorf("moved = %v", got)
	}
	err = db.View(ctx, []string{"old"}, func(store.Tx) error { return nil })
	if !errors.Is(err, store.ErrUnknownStore) {
		t.Errorf("dropped store still opens: %v", err)
	}
	db.Close()
	// An older schema cannot open a newer database.
	if db, err := b.Open(t, "migrate", migV1); !errors.Is(err, store.ErrVersion) {
		if err == nil {
			db.Close()
		}
		t.Errorf("open newer with older schema: %v, want ErrVersion", err)
	}
}

func testFailedMigration(t *testing.T, b Backend) {
	db, err := b.Open(t, "failmig", migV1)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, "items", rec("keep", "1", "", "v"))
	db.Close()
	bad := migV3
	bad.Migrations = append(slices.Clone(migV3.Migrations[:1]), store.Migration{Version: 3, Run: func(tx store.Tx) error {
		tx.Put("items", rec("half", "", "", ""))
		return errors.New("broken migration")
	}})
	if db, err := b.Open(t, "failmig", bad); err == nil || !strings.Contains(err.Error(), "broken migration") {
		if err == nil {
			db.Close()
		}
		t.Fatalf("failed migration: %v", err)
	}
	// The database is left at version 1, whole.
	db = b.MustOpen(t, "failmig", migV1)
	if got := scanKeys(t, db, "items", store.Query{}); !slices.Equal(got, []string{"keep"}) {
		t.Fatalf("after failed migration: %v", got)
	}
	r, _ := get(t, db, "items", "keep")
	if len(r.Index) != 1 {
		t.Fatalf("after failed migration, index = %v", r.Index)
	}
}
