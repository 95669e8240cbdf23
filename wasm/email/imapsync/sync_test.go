//go:build !js

package imapsync_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/model"
)

func TestFirstAndIncrementalSync(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	for i := 1; i <= 60; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, fmt.Sprint("msg ", i)))
	}
	srv.Append(t, "alice", "Sent", emailtest.Msg("alice@example.test", "bob@example.test", 100, "mine"))
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx := emailtest.Context(t, 30*time.Second)

	var mu sync.Mutex
	var progress []imapsync.Progress
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 10, BatchSize: 20, Progress: func(p imapsync.Progress) {
		mu.Lock()
		progress = append(progress, p)
		mu.Unlock()
	}}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	inbox := folderMsgs(t, r, acct.ID, "INBOX")
	if len(inbox) != 60 {
		t.Fatalf("inbox has %d messages, want 60", len(inbox))
	}
	// Newest first: the first batch stored holds the newest messages.
	if progress[0].Folder != "INBOX" || progress[0].Done != 10 || progress[0].Total != 60 {
		t.Fatalf("first progress %+v", progress[0])
	}
	m, _ := r.Message(ctx, inbox[0].ID)
	if m.Subject != "msg 60" || m.RemoteID == "" || !strings.HasPrefix(m.RemoteID, "INBOX/") || m.Outgoing {
		t.Fatalf("newest message %+v", m)
	}
	b, err := r.Body(ctx, m.ID)
	if err != nil || !strings.Contains(b.Text, "message 60") {
		t.Fatalf("body %q %v", b.Text, err)
	}
	sent := folderMsgs(t, r, acct.ID, "Sent")
	if len(sent) != 1 || !sent[0].Outgoing {
		t.Fatalf("sent %+v", sent)
	}
	roles := map[imapsync.Role]string{}
	for _, f := range s.Folders() {
		roles[f.Role] = f.Name
	}
	if roles[imapsync.RoleInbox] != "INBOX" || roles[imapsync.RoleSent] != "Sent" || roles[imapsync.RoleArchive] != "Archive" || roles[imapsync.RoleTrash] != "Trash" {
		t.Fatalf("roles %v", roles)
	}

	// Another client: new mail, a flag change, an expunge.
	other := dial(t, acct)
	srv.Append(t, "alice", "INBOX", emailtest.Msg("carol@example.test", "alice@example.test", 61, "new one"))
	if _, err := other.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := other.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen, imap.FlagFlagged}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := other.Store(imap.SeqSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := other.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	inbox = folderMsgs(t, r, acct.ID, "INBOX")
	if len(inbox) != 60 {
		t.Fatalf("after incremental sync: %d messages, want 60", len(inbox))
	}
	bySubj := map[string]model.Message{}
	for _, m := range inbox {
		bySubj[m.Subject] = m
	}
	if _, ok := bySubj["msg 2"]; ok {
		t.Fatal("expunged message still stored")
	}
	if f := bySubj["msg 1"].Flags; !f.Seen || !f.Flagged {
		t.Fatalf("flags not synced: %+v", f)
	}
	if _, ok := bySubj["new one"]; !ok {
		t.Fatal("new message not synced")
	}

	// UIDVALIDITY change: the folder is dropped and fetched again.
	u := srv.Users["alice"]
	if err := u.Delete("Sent"); err != nil {
		t.Fatal(err)
	}
	u.Create("Sent", nil)
	srv.Append(t, "alice", "Sent", emailtest.Msg("alice@example.test", "bob@example.test", 101, "mine again"))
	srv.Append(t, "alice", "Sent", emailtest.Msg("alice@example.test", "bob@example.test", 102, "and again"))
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sent = folderMsgs(t, r, acct.ID, "Sent")
	if len(sent) != 2 || sent[0].Subject != "and again" {
		t.Fatalf("after UIDVALIDITY change: %+v", sent)
	}

	// A folder deleted on the server is forgotten here.
	if err := u.Delete("Sent"); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if sent = folderMsgs(t, r, acct.ID, "Sent"); len(sent) != 0 {
		t.Fatalf("deleted folder still has %d messages", len(sent))
	}
}

func TestIdlePushFlagsAndMove(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", 1, "first"))
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	var rounds sync.WaitGroup
	var healths []email.Health
	var hmu sync.Mutex
	s := &imapsync.Syncer{Account: acct, Repo: r, IdleRestart: 300 * time.Millisecond}
	s.Health.Observe = func(h email.Health) { hmu.Lock(); healths = append(healths, h); hmu.Unlock() }
	rounds.Add(1)
	var once sync.Once
	s.Synced = func([]imapsync.Folder) { once.Do(rounds.Done) }
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	rounds.Wait()
	if h := s.Health.Get(); h.State != email.Connected || h.LastActivity.IsZero() {
		t.Fatalf("health %+v", h)
	}

	// Push: a message delivered while idling shows up without polling.
	srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", 2, "pushed"))
	emailtest.Eventually(t, 10*time.Second, "pushed message", func() bool {
		return len(folderMsgs(t, r, acct.ID, "INBOX")) == 2
	})

	// Flags from here to the server.
	msgs := folderMsgs(t, r, acct.ID, "INBOX")
	first := msgs[1]
	if err := s.SetFlags(ctx, []string{first.ID}, imapsync.FlagChange{Seen: imapsync.Bool(true), Flagged: imapsync.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, acct)
	c.Select("INBOX", nil).Wait()
	bufs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(bufs[0].Flags); !strings.Contains(got, `\Seen`) || !strings.Contains(got, `\Flagged`) {
		t.Fatalf("server flags %v", got)
	}
	// And from the server to here, pushed while idling.
	if err := c.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsDel, Flags: []imap.Flag{imap.FlagFlagged}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	emailtest.Eventually(t, 10*time.Second, "flag change from another client", func() bool {
		m, _ := r.Message(ctx, first.ID)
		return m.Flags.Seen && !m.Flags.Flagged
	})

	// Archive: gone from the inbox here and there, present in Archive after a sync.
	if err := s.MoveToRole(ctx, []string{first.ID}, imapsync.RoleArchive); err != nil {
		t.Fatal(err)
	}
	if n := len(folderMsgs(t, r, acct.ID, "INBOX")); n != 1 {
		t.Fatalf("inbox after archive: %d", n)
	}
	emailtest.Eventually(t, 10*time.Second, "archived message synced (IDLE restart resyncs all folders)", func() bool {
		a := folderMsgs(t, r, acct.ID, "Archive")
		return len(a) == 1 && a[0].Subject == "first"
	})
	cancel()
	<-done
	if s.Health.Get().State != email.Idle {
		t.Fatalf("health after stop: %+v", s.Health.Get())
	}
}

func TestReconnectBackoffAndHealth(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	good := acct.Settings.IMAP.Port
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	acct.Settings.IMAP.Port = ln.Addr().(*net.TCPAddr).Port // nobody listens
	ln.Close()
	r := newRepo(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := &imapsync.Syncer{Account: acct, Repo: r, Backoff: email.Backoff{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond}}
	var mu sync.Mutex
	var retries []time.Duration
	s.Health.Observe = func(h email.Health) {
		if h.State == email.Retrying {
			mu.Lock()
			retries = append(retries, h.RetryAt.Sub(h.Since).Round(10*time.Millisecond))
			mu.Unlock()
		}
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	emailtest.Eventually(t, 5*time.Second, "four retries", func() bool { mu.Lock(); defer mu.Unlock(); return len(retries) >= 4 })
	h := s.Health.Get()
	if !strings.Contains(h.Err, "cannot reach IMAP server") {
		t.Fatalf("health error %q", h.Err)
	}
	mu.Lock()
	if retries[0] != 50*time.Millisecond || retries[1] != 100*time.Millisecond || retries[3] != 200*time.Millisecond {
		t.Fatalf("backoff %v", retries)
	}
	mu.Unlock()
	cancel()
	<-done

	// The network is back: Refresh cuts a long backoff short.
	s3 := &imapsync.Syncer{Account: acct, Repo: r, Backoff: email.Backoff{Min: time.Hour, Max: time.Hour}}
	ctx3, cancel3 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel3()
	done3 := make(chan error, 1)
	go func() { done3 <- s3.Run(ctx3) }()
	emailtest.Eventually(t, 5*time.Second, "a retry an hour away", func() bool { return s3.Health.Get().State == email.Retrying })
	acct.Settings.IMAP.Port = good
	s3.Refresh()
	emailtest.Eventually(t, 5*time.Second, "connected at once after Refresh", func() bool { return s3.Health.Get().State == email.Connected })
	cancel3()
	<-done3

	// A refused password is not retried: Run stops and says why.
	acct.Settings.IMAP.Port, acct.Password = good, "wrong"
	s2 := &imapsync.Syncer{Account: acct, Repo: r, Backoff: email.Backoff{Min: 10 * time.Millisecond}}
	err := s2.Run(context.Background())
	if !errors.Is(err, email.ErrAuth) || !email.NeedsUser(err) {
		t.Fatal(err)
	}
	if h := s2.Health.Get(); h.State != email.Failing || !strings.Contains(h.Err, "user name or password") || !h.RetryAt.IsZero() {
		t.Fatalf("health %+v", h)
	}
}

// A large folder's first sync goes by slices of older mail, and the inbox is looked at in
// between: mail that arrives while the archive is still coming in shows before it is done.
func TestTheInboxIsLookedAtDuringALargeFirstSync(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", 1, "hello"))
	for i := 1; i <= 90; i++ {
		srv.Append(t, "alice", "Archive", emailtest.Msg("bob@example.test", "alice@example.test", 100+i, fmt.Sprint("old ", i)))
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx := emailtest.Context(t, 30*time.Second)

	var mu sync.Mutex
	var order []string // each folder's progress as it is reported: "INBOX 1", "Archive 30"...
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 10, BatchSize: 10, OlderPerCall: 30, InboxEvery: time.Nanosecond,
		Progress: func(p imapsync.Progress) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, fmt.Sprint(p.Folder, " ", p.Done))
		}}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(folderMsgs(t, r, acct.ID, "Archive")); n != 90 {
		t.Fatalf("the archive has %d messages, want 90", n)
	}
	mu.Lock()
	seen := strings.Join(order, ", ")
	mu.Unlock()
	// The archive comes in 30 at a time, the inbox looked at after each slice.
	for _, want := range []string{"Archive 30, INBOX 1", "Archive 60, INBOX 1", "Archive 90"} {
		if !strings.Contains(seen, want) {
			t.Fatalf("no %q in %s", want, seen)
		}
	}
	// The next round finds nothing more to fetch.
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(folderMsgs(t, r, acct.ID, "Archive")); n != 90 {
		t.Fatalf("after another round the archive has %d messages", n)
	}
}
