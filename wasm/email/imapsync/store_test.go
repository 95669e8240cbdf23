package imapsync_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// failingObserver refuses the write transaction of the nth batch of messages.
type failingObserver struct {
	n, batches int
}

var errRefused = errors.New("refused by the test")

func (o *failingObserver) Stores() []string            { return nil }
func (o *failingObserver) Begin(context.Context) error { return nil }
func (o *failingObserver) Committed(error)             {}
func (o *failingObserver) Observe(_ *repo.Tx, written []model.Message, _ []string) error {
	if len(written) == 0 {
		return nil
	}
	if o.batches++; o.batches == o.n {
		return errRefused
	}
	return nil
}

// A first sync into the platform's store (IndexedDB in the browser, where a batch commits
// while the next one is read; a file natively) stores every batch before it reports it, and
// a batch the store refuses stops it with the cursor after the batches stored before: the next
// sync stores the rest, every message once.
func TestSyncIntoPlatformStore(t *testing.T) {
	acct := pipeAccount(t, 95, "msg ")
	ctx := emailtest.Context(t, 60*time.Second)
	name := fmt.Sprint("imapsync-", time.Now().UnixNano())
	if runtime.GOOS != "js" {
		name = filepath.Join(t.TempDir(), "caliopen.db")
	}
	db, err := store.Open(ctx, name, repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := repo.New(db)
	r.Observer = &failingObserver{n: 4}
	var done []int
	stored := func(p imapsync.Progress) {
		if p.Folder != "INBOX" {
			return
		}
		done = append(done, p.Done)
		if n := len(folderMsgs(t, r, acct.ID, "INBOX")); n != p.Done {
			t.Errorf("progress says %d stored, the store holds %d", p.Done, n)
		}
	}
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 5, BatchSize: 10, Progress: stored}
	if err := s.SyncOnce(ctx); !errors.Is(err, errRefused) {
		t.Fatalf("sync = %v, want the refusal", err)
	}
	if !slices.Equal(done, []int{5, 15, 25}) {
		t.Fatalf("progress %v, want the three batches stored before the refusal", done)
	}
	r.Observer = nil
	done = nil
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	eachOnce(t, r, acct.ID, 95)
	if done[len(done)-1] != 95 {
		t.Fatalf("progress %v", done)
	}
}

// pipeAccount is alice's account on a new in-memory IMAP server (reached over pipes, in the
// browser too) holding n messages in INBOX, subjects prefix 1 to prefix n.
func pipeAccount(t testing.TB, n int, prefix string) *email.Account {
	t.Helper()
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAPPipe(t, ca, "alice", "pw")
	for i := 1; i <= n; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, fmt.Sprint(prefix, i)))
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	acct.Settings.IMAP.Host, acct.Settings.IMAP.Port = "localhost", 993
	acct.Transport = email.Transport{Dial: srv.Dial, TLSConfig: func(string) *tls.Config { return &tls.Config{RootCAs: ca.Pool} }}
	return acct
}

// eachOnce checks that INBOX holds n messages, each subject once.
func eachOnce(t testing.TB, r *repo.Repo, acct string, n int) {
	t.Helper()
	inbox := folderMsgs(t, r, acct, "INBOX")
	seen := map[string]bool{}
	for _, m := range inbox {
		seen[m.Subject] = true
	}
	if len(inbox) != n || len(seen) != n {
		t.Fatalf("%d messages, %d subjects, want %d", len(inbox), len(seen), n)
	}
}

// The FETCH of a batch is sent before the previous batch is read; the sizes of the next
// messages, asked for every 2,000, come after the batch sent is read: a first sync across
// that boundary stores every message once.
func TestFirstSyncAcrossSizeRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("2,050 messages")
	}
	acct := pipeAccount(t, 2050, "msg ")
	r := newRepo(t)
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 25, BatchSize: 395} // the seventh batch starts at the 2,001st message
	if err := s.SyncOnce(emailtest.Context(t, 120*time.Second)); err != nil {
		t.Fatal(err)
	}
	eachOnce(t, r, acct.ID, 2050)
}
