package peertest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// benchEnv is how the browser run of the first-sync benchmark reaches Dovecot through the
// relay; it gets it in benchEnvVar.
type benchEnv struct {
	RelayURL string `json:"relayUrl"`
	Token    string `json:"token"`
	CAPEM    string `json:"caPem"` // Dovecot's self-signed certificate
	Host     string `json:"host"`
	Port     int    `json:"port"` // IMAPS
	User     string `json:"user"`
	Password string `json:"password"`
	Messages int    `json:"messages"` // in INBOX
	Runs     int    `json:"runs"`
}

const benchEnvVar = "CALIOPEN_BENCH_FIRST_SYNC"

// firstSync stores every message of the account's INBOX (headers and text; attachments stay
// on the server until opened) into a repository on db and returns the time the whole took, from connecting to the last batch
// committed, and the time until the first batch was stored.
func firstSync(t testing.TB, acct *email.Account, db store.DB, n int) (all, first time.Duration) {
	t.Helper()
	r := repo.New(db)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sess := &imapsync.Session{C: c, Account: acct, Repo: r, Progress: func(imapsync.Progress) {
		if first == 0 {
			first = time.Since(start)
		}
	}}
	if _, err := sess.SyncFolder(ctx, "INBOX"); err != nil {
		t.Fatal(err)
	}
	all = time.Since(start)
	if cnt, err := r.CountMessages(ctx, acct.ID); err != nil || cnt != n {
		t.Fatalf("stored %d messages of %d (%v)", cnt, n, err)
	}
	return all, first
}

// firstSyncLine is the line the browser run prints per run: total and first batch, in ms.
const firstSyncLine = "FIRST_SYNC %d ms, first batch %d ms"

// idbOnlyLine is the line the browser run prints per plain JavaScript write of what a sync
// stored: as stored, and with each body inside its message's record, in ms.
const idbOnlyLine = "IDB_ONLY %d ms, one record per message %d ms"

// noStoreLine is the line the browser run prints per sync into a discardingDB, in ms.
const noStoreLine = "FIRST_SYNC_NO_STORE %d ms"

// discardingDB is a database that keeps only the sync cursors and drops every message, body
// and blob it is given (it counts the messages): a first sync into it costs all of the
// client's own work (network, TLS, IMAP, MIME and HTML, JSON) and nothing of a store's. A
// memory store is no such measure in WebAssembly: holding the whole mailbox in the Go heap,
// its collections grow with it and cost more than IndexedDB itself.
type discardingDB struct {
	store.DB // a memory store, for the cursors
	messages atomic.Int64
}

func newDiscardingDB(t testing.TB) *discardingDB {
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	return &discardingDB{DB: db}
}

func (d *discardingDB) View(ctx context.Context, stores []string, fn func(store.Tx) error) error {
	return d.DB.View(ctx, stores, func(tx store.Tx) error { return fn(discardingTx{tx, d}) })
}

func (d *discardingDB) Update(ctx context.Context, stores []string, fn func(store.Tx) error) error {
	return d.DB.Update(ctx, stores, func(tx store.Tx) error { return fn(discardingTx{tx, d}) })
}

type discardingTx struct {
	store.Tx
	db *discardingDB
}

func (tx discardingTx) Put(name string, r store.Record) error {
	switch name {
	case repo.Messages:
		tx.db.messages.Add(1)
		return nil
	case repo.Bodies, repo.Blobs:
		return nil
	}
	return tx.Tx.Put(name, r)
}

func (tx discardingTx) Count(name string, q store.Query) (int, error) {
	if name == repo.Messages {
		return int(tx.db.messages.Load()), nil
	}
	return tx.Tx.Count(name, q)
}
