package store

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// memDB is the native backend: every record in memory, optionally logged to a file. Update
// transactions run one at a time and exclude View transactions, which run together: each
// transaction sees a consistent state.
type memDB struct {
	mu      sync.RWMutex
	schema  Schema
	tables  map[string]*table
	version int
	log     *logFile
	closed  bool
}

// OpenMemory opens an empty in-memory database with the schema.
func OpenMemory(schema Schema) (DB, error) {
	return openMem(schema, nil, nil)
}

// FileOptions tunes OpenFile.
type FileOptions struct {
	// NoSync skips the fsync after each commit (faster, loses the last commits on power loss;
	// a crash of the process alone loses nothing).
	NoSync bool
}

// OpenFile opens or creates a database persisted in the file at path (an append-only log,
// compacted when opened), upgrading it to the schema.
func OpenFile(path string, schema Schema, opt *FileOptions) (DB, error) {
	sync := opt == nil || !opt.NoSync
	lf, frames, err := readLog(path, sync)
	if err != nil {
		return nil, &Error{Op: "open", Key: path, Err: err}
	}
	db, err := openMem(schema, lf, frames)
	if err != nil {
		lf.close()
		return nil, err
	}
	return db, nil
}

func openMem(schema Schema, lf *logFile, frames [][]logOp) (*memDB, error) {
	if err := schema.Validate(); err != nil {
		return nil, err
	}
	db := &memDB{schema: schema, tables: map[string]*table{}, log: lf}
	nops := 0
	for _, ops := range frames {
		for _, op := range ops {
			nops++
			db.replay(op)
		}
	}
	// Declared stores exist even when the log holds no record of them.
	for _, spec := range schema.Stores {
		if db.tables[spec.Name] == nil {
			db.tables[spec.Name] = newTable(spec)
		}
	}
	live := 0
	for _, t := range db.tables {
		if spec, ok := schema.Store(t.spec.Name); ok {
			t.spec = spec
		}
		t.reindex()
		live += len(t.recs)
	}
	if db.version > schema.Version {
		return nil, &Error{Op: "open", Err: fmt.Errorf("%w (stored version %d, schema %d)", ErrVersion, db.version, schema.Version)}
	}
	if db.version < schema.Version {
		if err := db.upgrade(); err != nil {
			return nil, err
		}
	}
	if lf != nil && nops > 2*live+1000 {
		if err := lf.rewrite(db.snapshot()); err != nil {
			return nil, &Error{Op: "compact", Err: err}
		}
	}
	return db, nil
}

func (db *memDB) replay(op logOp) {
	switch op.kind {
	case opVersion:
		db.version = op.version
	case opDrop:
		delete(db.tables, op.store)
	case opPut, opDelete:
		t := db.tables[op.store]
		if t == nil {
			t = &table{spec: StoreSpec{Name: op.store}, recs: map[string]Record{}}
			db.tables[op.store] = t
		}
		if op.kind == opPut {
			t.recs[op.rec.Key] = op.rec
		} else {
			delete(t.recs, op.rec.Key)
		}
	}
}

func (db *memDB) snapshot() []logOp {
	ops := []logOp{{kind: opVersion, version: db.version}}
	for _, name := range slices.Sorted(maps.Keys(db.tables)) {
		t := db.tables[name]
		for _, k := range slices.Sorted(maps.Keys(t.recs)) {
			ops = append(ops, logOp{kind: opPut, store: name, rec: t.recs[k]})
		}
	}
	return ops
}

// upgrade brings the database to the schema's version in one transaction.
func (db *memDB) upgrade() error {
	old := db.version
	tx := &memTx{db: db, write: true, upgrade: true}
	for _, spec := range db.schema.Stores {
		if t := db.tables[spec.Name]; t == nil {
			db.tables[spec.Name] = newTable(spec)
		}
	}
	for _, m := range db.schema.Migrations {
		if m.Version <= old {
			continue
		}
		if err := m.Run(tx); err != nil {
			return &Error{Op: "migrate", Err: fmt.Errorf("to version %d: %w", m.Version, err)}
		}
	}
	for name := range db.tables {
		if _, ok := db.schema.Store(name); !ok {
			delete(db.tables, name)
			tx.ops = append(tx.ops, logOp{kind: opDrop, store: name})
		}
	}
	db.version = db.schema.Version
	tx.ops = append(tx.ops, logOp{kind: opVersion, version: db.version})
	if db.log != nil {
		if err := db.log.append(tx.ops); err != nil {
			return &Error{Op: "commit", Err: err}
		}
	}
	return nil
}

func (db *memDB) View(ctx context.Context, stores []string, fn func(Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.closed {
		return ErrClosed
	}
	if err := db.checkStores(stores); err != nil {
		return err
	}
	return fn(&memTx{db: db, stores: stores})
}

func (db *memDB) Update(ctx context.Context, stores []string, fn func(Tx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	if err := db.checkStores(stores); err != nil {
		return err
	}
	tx := &memTx{db: db, stores: stores, write: true}
	committed := false
	defer func() {
		if !committed {
			tx.rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if db.log != nil {
		if err := db.log.append(tx.ops); err != nil {
			return &Error{Op: "commit", Err: err}
		}
	}
	committed = true
	return nil
}

func (db *memDB) checkStores(stores []string) error {
	if len(stores) == 0 {
		return &Error{Op: "begin", Err: ErrUnknownStore}
	}
	for _, s := range stores {
		if db.tables[s] == nil {
			return &Error{Op: "begin", Store: s, Err: ErrUnknownStore}
		}
	}
	return nil
}

func (db *memDB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return ErrClosed
	}
	db.closed = true
	if db.log != nil {
		return db.log.close()
	}
	return nil
}

// undo restores one record (or its absence) when a transaction rolls back.
type undo struct {
	t      *table
	key    string
	old    Record
	exists bool
}

type memTx struct {
	db      *memDB
	stores  []string
	write   bool
	upgrade bool // the upgrade transaction covers every table
	ops     []logOp
	undos   []undo
}

func (tx *memTx) table(op, name string) (*table, error) {
	t := tx.db.tables[name]
	if t == nil || (!tx.upgrade && !slices.Contains(tx.stores, name)) {
		return nil, &Error{Op: op, Store: name, Err: ErrUnknownStore}
	}
	return t, nil
}

func (tx *memTx) Get(store, key string) (Record, error) {
	t, err := tx.table("get", store)
	if err != nil {
		return Record{}, err
	}
	r, ok := t.recs[key]
	if !ok {
		return Record{}, ErrNotFound
	}
	return t.view(r), nil
}

// view copies a record for the caller, with the entries of declared indexes only (as IndexedDB,
// which reads back the declared index fields).
func (t *table) view(r Record) Record {
	out := Record{Key: r.Key, Value: bytes.Clone(r.Value)}
	for name, k := range r.Index {
		if t.spec.HasIndex(name) {
			if out.Index == nil {
				out.Index = map[string]string{}
			}
			out.Index[name] = k
		}
	}
	return out
}

func cloneRecord(r Record) Record {
	return Record{Key: r.Key, Value: bytes.Clone(r.Value), Index: maps.Clone(r.Index)}
}

func (tx *memTx) Put(store string, r Record) error {
	t, err := tx.table("put", store)
	if err != nil {
		return err
	}
	if err := checkPut(tx.write, t.spec, r); err != nil {
		return &Error{Op: "put", Store: store, Key: r.Key, Err: err}
	}
	r = cloneRecord(r)
	if r.Value == nil {
		r.Value = []byte{}
	}
	old, exists := t.recs[r.Key]
	tx.undos = append(tx.undos, undo{t, r.Key, old, exists})
	t.put(r)
	tx.ops = append(tx.ops, logOp{kind: opPut, store: store, rec: r})
	return nil
}

// checkPut validates a record against the transaction mode and the store's spec.
func checkPut(write bool, spec StoreSpec, r Record) error {
	if !write {
		return ErrReadOnly
	}
	if !ValidKey(r.Key) {
		return ErrInvalidKey
	}
	for name, k := range r.Index {
		if !spec.HasIndex(name) {
			return fmt.Errorf("%w: %q", ErrUnknownIndex, name)
		}
		if !ValidKey(k) {
			return fmt.Errorf("%w: index %q", ErrInvalidKey, name)
		}
	}
	return nil
}

func (tx *memTx) Delete(store, key string) error {
	t, err := tx.table("delete", store)
	if err != nil {
		return err
	}
	if !tx.write {
		return &Error{Op: "delete", Store: store, Key: key, Err: ErrReadOnly}
	}
	old, exists := t.remove(key)
	if exists {
		tx.undos = append(tx.undos, undo{t, key, old, true})
		tx.ops = append(tx.ops, logOp{kind: opDelete, store: store, rec: Record{Key: key}})
	}
	return nil
}

func (tx *memTx) rollback() {
	for i := len(tx.undos) - 1; i >= 0; i-- {
		u := tx.undos[i]
		if u.exists {
			u.t.put(u.old)
		} else {
			u.t.remove(u.key)
		}
	}
	tx.undos, tx.ops = nil, nil
}

func (tx *memTx) order(op, store string, q Query) (*table, []entry, error) {
	t, err := tx.table(op, store)
	if err != nil {
		return nil, nil, err
	}
	es, ok := t.order[q.Index]
	if !ok {
		return nil, nil, &Error{Op: op, Store: store, Key: q.Index, Err: ErrUnknownIndex}
	}
	return t, es, nil
}

func (tx *memTx) Scan(store string, q Query, fn func(Record) error) error {
	t, _, err := tx.order("scan", store, q)
	if err != nil {
		return err
	}
	var cur *entry
	if q.After != nil {
		cur = &entry{q.After.Key, q.After.Primary}
		if q.Index == "" {
			cur.pk = cur.k
		}
	}
	for n := 0; q.Limit <= 0 || n < q.Limit; n++ {
		e, ok := t.next(t.order[q.Index], q, cur)
		if !ok {
			return nil
		}
		cur = &e
		if err := fn(t.view(t.recs[e.pk])); err != nil {
			if err == ErrStop {
				return nil
			}
			return err
		}
	}
	return nil
}

func (tx *memTx) Count(store string, q Query) (int, error) {
	_, es, err := tx.order("count", store, q)
	if err != nil {
		return 0, err
	}
	i, j := span(es, q)
	return j - i, nil
}
