package peertest

import (
	"context"
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
