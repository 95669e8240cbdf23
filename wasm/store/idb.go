//go:build js && wasm

package store

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"syscall/js"

	"github.com/hack-pad/safejs"
)

// In IndexedDB every object store has the in-line key path "k"; a record is stored as the object
// {k: key, v: Uint8Array(value), i_<index>: index key, ...} and the index <index> has the key
// path "i_<index>", so records without that field stay out of it.

const indexPrefix = "i_"

type idbDB struct {
	db     safejs.Value
	schema Schema
	closed atomic.Bool
}

// OpenIndexedDB opens (creating or upgrading) the IndexedDB database name with the schema.
// The upgrade, migrations included, runs in IndexedDB's upgrade transaction: it happens whole or
// not at all.
func OpenIndexedDB(ctx context.Context, name string, schema Schema) (DB, error) {
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	factory, err := safejs.Global().Get("indexedDB")
	if err != nil || factory.IsUndefined() {
		return nil, &Error{Op: "open", Key: name, Err: fmt.Errorf("IndexedDB is not available")}
	}
	req, err := call(factory, "open", name, schema.Version)
	if err != nil {
		return nil, &Error{Op: "open", Key: name, Err: mapErr(err)}
	}
	var migErr error
	upgrade, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		migErr = startUpgrade(ctx, req, args[0], schema, func(err error) { migErr = err })
		return nil
	})
	if err != nil {
		return nil, err
	}
	defer upgrade.Release()
	if err := req.Set("onupgradeneeded", upgrade.Value()); err != nil {
		return nil, err
	}
	res, err := await(ctx, req)
	if migErr != nil {
		if err == nil {
			call(res, "close")
		}
		return nil, migErr
	}
	if err != nil {
		if domName(err) == "VersionError" {
			err = fmt.Errorf("%w: %v", ErrVersion, err)
		}
		return nil, &Error{Op: "open", Key: name, Err: mapErr(err)}
	}
	d := &idbDB{db: res, schema: schema}
	// Let another tab upgrade the database: this connection closes and later calls fail.
	onVersionChange, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
		d.Close()
		return nil
	})
	if err == nil {
		res.Set("onversionchange", onVersionChange.Value())
	}
	return d, nil
}

// startUpgrade runs in the upgradeneeded event: it changes the stores and indexes, then starts
// the migrations. fail records a migration's failure.
func startUpgrade(ctx context.Context, req, event safejs.Value, schema Schema, fail func(error)) error {
	db, _ := req.Get("result")
	tx, _ := req.Get("transaction")
	abort := func(err error) error {
		call(tx, "abort")
		return &Error{Op: "upgrade", Err: mapErr(err)}
	}
	ov, _ := event.Get("oldVersion")
	oldVersion, _ := ov.Int()
	if err := createSchema(db, tx, schema); err != nil {
		return abort(err)
	}
	var todo []Migration
	for _, m := range schema.Migrations {
		if m.Version > oldVersion {
			todo = append(todo, m)
		}
	}
	if len(todo) == 0 {
		if err := dropUndeclared(db, schema); err != nil {
			return abort(err)
		}
		return nil
	}
	// Migrations wait on requests, which a JavaScript event handler cannot do: run them in a
	// goroutine. It issues its first request before this handler returns to the browser (Go
	// runs every ready goroutine first) and keeps the upgrade transaction alive by chaining
	// requests.
	go func() {
		t := &idbTx{ctx: ctx, schema: &schema, tx: tx, write: true, upgrade: true}
		for _, m := range todo {
			err := m.Run(t)
			if err == nil {
				err = t.flush()
			}
			if err != nil {
				fail(&Error{Op: "migrate", Err: fmt.Errorf("to version %d: %w", m.Version, err)})
				call(tx, "abort")
				return
			}
		}
		if err := dropUndeclared(db, schema); err != nil {
			fail(abort(err))
		}
	}()
	return nil
}

// DeleteIndexedDB deletes the IndexedDB database name.
func DeleteIndexedDB(ctx context.Context, name string) error {
	factory, err := safejs.Global().Get("indexedDB")
	if err == nil {
		var req safejs.Value
		req, err = call(factory, "deleteDatabase", name)
		if err == nil {
			_, err = await(ctx, req)
		}
	}
	if err != nil {
		return &Error{Op: "delete database", Key: name, Err: mapErr(err)}
	}
	return nil
}

func createSchema(db, tx safejs.Value, schema Schema) error {
	v, err := db.Get("objectStoreNames")
	if err != nil {
		return err
	}
	names, err := stringList(v)
	if err != nil {
		return err
	}
	for _, spec := range schema.Stores {
		var os safejs.Value
		if slices.Contains(names, spec.Name) {
			os, err = call(tx, "objectStore", spec.Name)
		} else {
			os, err = call(db, "createObjectStore", spec.Name, map[string]any{"keyPath": "k"})
		}
		if err != nil {
			return err
		}
		v, err := os.Get("indexNames")
		if err != nil {
			return err
		}
		have, err := stringList(v)
		if err != nil {
			return err
		}
		for _, ix := range spec.Indexes {
			if !slices.Contains(have, ix) {
				if _, err := call(os, "createIndex", ix, indexPrefix+ix); err != nil {
					return err
				}
			}
		}
		for _, ix := range have {
			if !spec.HasIndex(ix) {
				if _, err := call(os, "deleteIndex", ix); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func dropUndeclared(db safejs.Value, schema Schema) error {
	v, err := db.Get("objectStoreNames")
	if err != nil {
		return err
	}
	names, err := stringList(v)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, ok := schema.Store(n); !ok {
			if _, err := call(db, "deleteObjectStore", n); err != nil {
				return err
			}
		}
	}
	return nil
}

// mapErr turns DOM exceptions into the package's errors, keeping the browser's message.
func mapErr(err error) error {
	var to error
	switch domName(err) {
	case "QuotaExceededError":
		to = ErrQuota
	case "TransactionInactiveError", "InvalidStateError":
		to = ErrTxInactive
	case "NotFoundError":
		to = ErrUnknownStore
	case "ReadOnlyError":
		to = ErrReadOnly
	case "DataError":
		to = ErrInvalidKey
	default:
		return err
	}
	return fmt.Errorf("%w (%v)", to, err)
}

func (d *idbDB) Update(ctx context.Context, stores []string, fn func(Tx) error) error {
	return d.StartUpdate(ctx, stores, fn)()
}

// StartUpdate runs fn and sends its writes, then returns at once: wait waits for the commit.
func (d *idbDB) StartUpdate(ctx context.Context, stores []string, fn func(Tx) error) (wait func() error) {
	tx, err := d.begin(ctx, stores, "readwrite")
	if err != nil {
		return done(err)
	}
	t := &idbTx{ctx: ctx, schema: &d.schema, stores: stores, tx: tx, write: true}
	// Listen for the end from the start, so that an early end is seen too.
	end, err := listenEnd(tx)
	if err != nil {
		return done(&Error{Op: "begin", Err: err})
	}
	abort := func() {
		call(tx, "abort")
		end.wait()
	}
	defer func() {
		if p := recover(); p != nil {
			abort()
			panic(p)
		}
	}()
	if err := fn(t); err != nil {
		abort()
		return done(err)
	}
	if err := t.flush(); err != nil {
		abort()
		return done(err)
	}
	call(tx, "commit") // fails when the transaction already ended; the end event tells how
	return func() error {
		if err := end.wait(); err != nil {
			return &Error{Op: "commit", Err: mapErr(err)}
		}
		return nil
	}
}

func (d *idbDB) View(ctx context.Context, stores []string, fn func(Tx) error) error {
	tx, err := d.begin(ctx, stores, "readonly")
	if err != nil {
		return err
	}
	defer call(tx, "commit")
	return fn(&idbTx{ctx: ctx, schema: &d.schema, stores: stores, tx: tx})
}

// begin opens a transaction over stores in mode ("readonly" or "readwrite").
func (d *idbDB) begin(ctx context.Context, stores []string, mode string) (safejs.Value, error) {
	if d.closed.Load() {
		return safejs.Undefined(), ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return safejs.Undefined(), err
	}
	if len(stores) == 0 {
		return safejs.Undefined(), &Error{Op: "begin", Err: ErrUnknownStore}
	}
	names := make([]any, len(stores))
	for i, s := range stores {
		names[i] = s
	}
	tx, err := call(d.db, "transaction", names, mode)
	if err != nil {
		return tx, &Error{Op: "begin", Err: mapErr(err)}
	}
	return tx, nil
}

func (d *idbDB) Close() error {
	if d.closed.Swap(true) {
		return ErrClosed
	}
	_, err := call(d.db, "close")
	return mapErr(err)
}

// pendingWrite is a write buffered until the transaction's function returns.
type pendingWrite struct {
	store string
	rec   Record
	del   bool
}

type idbTx struct {
	ctx     context.Context
	schema  *Schema
	stores  []string
	tx      safejs.Value
	write   bool
	upgrade bool
	pending []pendingWrite
	handles map[string]safejs.Value
}

func (t *idbTx) spec(op, store string) (StoreSpec, error) {
	spec, ok := t.schema.Store(store)
	if !t.upgrade && (!ok || !slices.Contains(t.stores, store)) {
		return spec, &Error{Op: op, Store: store, Err: ErrUnknownStore}
	}
	spec.Name = store
	return spec, nil
}

func (t *idbTx) objectStore(op, store string) (safejs.Value, StoreSpec, error) {
	spec, err := t.spec(op, store)
	if err != nil {
		return safejs.Undefined(), spec, err
	}
	if os, ok := t.handles[store]; ok {
		return os, spec, nil
	}
	os, err := call(t.tx, "objectStore", store)
	if err != nil {
		return os, spec, &Error{Op: op, Store: store, Err: mapErr(err)}
	}
	if t.handles == nil {
		t.handles = map[string]safejs.Value{}
	}
	t.handles[store] = os
	return os, spec, nil
}

func (t *idbTx) Get(store, key string) (Record, error) {
	os, spec, err := t.objectStore("get", store)
	if err != nil {
		return Record{}, err
	}
	for i := len(t.pending) - 1; i >= 0; i-- {
		if p := t.pending[i]; p.store == store && p.rec.Key == key {
			if p.del {
				return Record{}, ErrNotFound
			}
			return cloneRecord(p.rec), nil
		}
	}
	if !ValidKey(key) {
		return Record{}, ErrNotFound
	}
	req, err := call(os, "get", key)
	if err == nil {
		var v safejs.Value
		v, err = await(t.ctx, req)
		if err == nil {
			if v.IsUndefined() {
				return Record{}, ErrNotFound
			}
			return decodeRecord(v, spec), nil
		}
	}
	return Record{}, &Error{Op: "get", Store: store, Key: key, Err: mapErr(err)}
}

func (t *idbTx) Put(store string, r Record) error {
	spec, err := t.spec("put", store)
	if err != nil {
		return err
	}
	if err := checkPut(t.write, spec, r); err != nil {
		return &Error{Op: "put", Store: store, Key: r.Key, Err: err}
	}
	t.pending = append(t.pending, pendingWrite{store: store, rec: cloneRecord(r)})
	return nil
}

func (t *idbTx) Delete(store, key string) error {
	if _, err := t.spec("delete", store); err != nil {
		return err
	}
	if !t.write {
		return &Error{Op: "delete", Store: store, Key: key, Err: ErrReadOnly}
	}
	if ValidKey(key) {
		t.pending = append(t.pending, pendingWrite{store: store, rec: Record{Key: key}, del: true})
	}
	return nil
}

// flush sends the buffered writes without waiting: a failure aborts the transaction and shows
// in its end.
func (t *idbTx) flush() error {
	pending := t.pending
	t.pending = nil
	for _, p := range pending {
		os, _, err := t.objectStore("write", p.store)
		if err != nil {
			return err
		}
		if p.del {
			_, err = call(os, "delete", p.rec.Key)
		} else {
			_, err = call(os, "put", encodeRecord(p.rec))
		}
		if err != nil {
			return &Error{Op: "write", Store: p.store, Key: p.rec.Key, Err: mapErr(err)}
		}
	}
	return nil
}

var (
	jsObject     = js.Global().Get("Object")
	jsUint8Array = js.Global().Get("Uint8Array")
	jsKeyRange   = js.Global().Get("IDBKeyRange")
)

func encodeRecord(r Record) js.Value {
	o := jsObject.New()
	o.Set("k", r.Key)
	v := jsUint8Array.New(len(r.Value))
	js.CopyBytesToJS(v, r.Value)
	o.Set("v", v)
	for name, k := range r.Index {
		o.Set(indexPrefix+name, k)
	}
	return o
}

func decodeRecord(sv safejs.Value, spec StoreSpec) Record {
	o := safejs.Unsafe(sv)
	r := Record{Key: o.Get("k").String()}
	if v := o.Get("v"); v.InstanceOf(jsUint8Array) {
		r.Value = make([]byte, v.Get("length").Int())
		js.CopyBytesToGo(r.Value, v)
	}
	for _, name := range spec.Indexes {
		if k := o.Get(indexPrefix + name); k.Type() == js.TypeString {
			if r.Index == nil {
				r.Index = map[string]string{}
			}
			r.Index[name] = k.String()
		}
	}
	return r
}

// keyRange returns the IDBKeyRange of a query (null selects everything), or ok false when the
// range is empty.
func keyRange(q Query) (kr safejs.Value, ok bool, err error) {
	lo, hi := bounds(q)
	loOpen, hiOpen := false, true
	if a := q.After; a != nil {
		// An index key may repeat: start at it and skip by primary key.
		open := q.Index == ""
		if !q.Reverse && Compare(a.Key, lo) >= 0 {
			lo, loOpen = a.Key, open
		}
		if q.Reverse && (hi == "" || Compare(a.Key, hi) < 0) {
			hi, hiOpen = a.Key, open
		}
	}
	kr = safejs.Null()
	switch {
	case hi == "" && lo == "" && !loOpen:
	case hi == "":
		kr, err = call(safejs.Safe(jsKeyRange), "lowerBound", lo, loOpen)
	case Compare(lo, hi) > 0 || (Compare(lo, hi) == 0 && (loOpen || hiOpen)):
		return kr, false, nil
	default:
		kr, err = call(safejs.Safe(jsKeyRange), "bound", lo, hi, loOpen, hiOpen)
	}
	return kr, err == nil, err
}

// source flushes pending writes (a scan must see them) and returns the store or index to read.
func (t *idbTx) source(op, store string, q Query) (safejs.Value, StoreSpec, error) {
	if err := t.flush(); err != nil {
		return safejs.Undefined(), StoreSpec{}, err
	}
	os, spec, err := t.objectStore(op, store)
	if err != nil || q.Index == "" {
		return os, spec, err
	}
	if !spec.HasIndex(q.Index) {
		return os, spec, &Error{Op: op, Store: store, Key: q.Index, Err: ErrUnknownIndex}
	}
	ix, err := call(os, "index", q.Index)
	if err != nil {
		return ix, spec, &Error{Op: op, Store: store, Key: q.Index, Err: mapErr(err)}
	}
	return ix, spec, nil
}

func (t *idbTx) Scan(store string, q Query, fn func(Record) error) error {
	src, spec, err := t.source("scan", store, q)
	if err != nil {
		return err
	}
	fail := func(err error) error { return &Error{Op: "scan", Store: store, Err: mapErr(err)} }
	kr, ok, err := keyRange(q)
	if err != nil {
		return fail(err)
	}
	if !ok {
		return nil
	}
	dir := "next"
	if q.Reverse {
		dir = "prev"
	}
	req, err := call(src, "openCursor", kr, dir)
	if err != nil {
		return fail(err)
	}
	w, err := newWaiter(req)
	if err != nil {
		return fail(err)
	}
	defer w.release()
	skipped := false
	for n := 0; ; {
		cur, err := w.wait(t.ctx)
		if err != nil {
			return fail(err)
		}
		if cur.IsNull() || cur.IsUndefined() {
			return nil
		}
		jc := safejs.Unsafe(cur)
		if a := q.After; a != nil && q.Index != "" && jc.Get("key").String() == a.Key {
			c := Compare(jc.Get("primaryKey").String(), a.Primary)
			if (!q.Reverse && c <= 0) || (q.Reverse && c >= 0) {
				if !skipped && c != 0 {
					skipped = true
					_, err = call(cur, "continuePrimaryKey", a.Key, a.Primary)
				} else {
					_, err = call(cur, "continue")
				}
				if err != nil {
					return fail(err)
				}
				continue
			}
		}
		v, _ := cur.Get("value")
		n++
		if err := fn(decodeRecord(v, spec)); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
		if q.Limit > 0 && n >= q.Limit {
			return nil
		}
		if err := t.flush(); err != nil {
			return err
		}
		if _, err := call(cur, "continue"); err != nil {
			return fail(err)
		}
	}
}

func (t *idbTx) Count(store string, q Query) (int, error) {
	src, _, err := t.source("count", store, q)
	if err != nil {
		return 0, err
	}
	fail := func(err error) error { return &Error{Op: "count", Store: store, Err: mapErr(err)} }
	q.After = nil
	kr, ok, err := keyRange(q)
	if err != nil {
		return 0, fail(err)
	}
	if !ok {
		return 0, nil
	}
	req, err := call(src, "count", kr)
	if err != nil {
		return 0, fail(err)
	}
	v, err := await(t.ctx, req)
	if err != nil {
		return 0, fail(err)
	}
	n, err := v.Int()
	return n, err
}
