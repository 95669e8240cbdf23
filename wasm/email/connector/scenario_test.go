package connector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email"
	"caliopen/wasm/email/connector"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/store/storetest"
)

// relayEnv is what the scenario needs to reach the servers through the relay; the browser run
// gets it in relayEnvVar.
type relayEnv struct {
	RelayURL string `json:"relayUrl"`
	Token    string `json:"token"`
	CAPEM    string `json:"caPem"` // the test CA the servers' certificates chain to
	IMAPPort int    `json:"imapPort"`
	SMTPPort int    `json:"smtpPort"`
	Password string `json:"password"`
}

const relayEnvVar = "CALIOPEN_EMAIL_RELAY_ENV"

// Markers the relay must only ever see inside TLS.
const (
	relayPassword = "pw-marker-3307"
	seededCount   = 40
	pushedSubject = "Pushed-marker-6142 arrived by IDLE"
	sentSubject   = "Outbox-marker-8851 sent once"
	sentBody      = "Body-marker-2290 see you on Thursday"
)

func (e relayEnv) encode() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// account is alice's account on the servers, reached through the relay tunnel with TLS ending
// here (in the browser when compiled to WebAssembly), trusting the test CA.
func (e relayEnv) account() *email.Account {
	return &email.Account{
		ID: "acct-alice",
		Settings: email.Settings{Address: "alice@example.test", Username: "alice",
			IMAP: email.Server{Host: "127.0.0.1", Port: e.IMAPPort, Security: email.ImplicitTLS},
			SMTP: email.Server{Host: "127.0.0.1", Port: e.SMTPPort, Security: email.ImplicitTLS}},
		Password:  e.Password,
		Transport: emailtest.TunnelTransport(e.RelayURL, e.Token, []byte(e.CAPEM)),
	}
}

// runRelayScenario is the connector's life through a relay, storing into db's backend: first
// sync, incremental sync, IDLE push, flags both ways, and a send through the outbox that the
// server refuses once (the fixture sets that up) and that goes out once.
func runRelayScenario(t *testing.T, env relayEnv, backend storetest.Backend) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	acct := env.account()
	db, err := backend.Open(t, "relay", repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	r := repo.New(db)

	// First sync: newest first, in batches, with progress.
	var progress []imapsync.Progress
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 5, BatchSize: 10,
		Progress: func(p imapsync.Progress) { progress = append(progress, p) }}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal("first sync:", err)
	}
	inbox := emailtest.FolderMessages(t, r, acct.ID, "INBOX")
	if len(inbox) != seededCount || inbox[0].Subject != subject(seededCount) {
		t.Fatalf("first sync stored %d messages, newest %q", len(inbox), inbox[0].Subject)
	}
	if progress[0] != (imapsync.Progress{Folder: "INBOX", Done: 5, Total: seededCount}) {
		t.Fatalf("first progress %+v", progress[0])
	}
	if b, err := r.Body(ctx, inbox[0].ID); err != nil || !strings.Contains(b.Text, fmt.Sprint("message ", seededCount)) {
		t.Fatalf("body of the newest message: %q %v", b.Text, err)
	}

	// Another client changes the mailbox: incremental sync.
	other := dialOther(t, ctx, acct)
	appendMsg(t, other, seededCount+1, subject(seededCount+1))
	storeFlags(t, other, uidOf(t, inbox, subject(1)), imap.FlagSeen, imap.FlagFlagged)
	storeFlags(t, other, uidOf(t, inbox, subject(2)), imap.FlagDeleted)
	if err := other.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal("incremental sync:", err)
	}
	bySubject := subjects(emailtest.FolderMessages(t, r, acct.ID, "INBOX"))
	if len(bySubject) != seededCount {
		t.Fatalf("after the incremental sync: %d messages", len(bySubject))
	}
	if _, ok := bySubject[subject(2)]; ok {
		t.Fatal("the expunged message is still stored")
	}
	if _, ok := bySubject[subject(seededCount+1)]; !ok {
		t.Fatal("the new message was not synced")
	}
	if f := bySubject[subject(1)].Flags; !f.Seen || !f.Flagged {
		t.Fatalf("flags set on the server did not sync: %+v", f)
	}

	// The connector runs: IDLE on the inbox, never polling (IdleRestart is far away).
	c := connector.New(acct, r)
	c.IdleRestart = 10 * time.Minute
	rounds := make(chan struct{}, 16)
	c.Synced = func([]imapsync.Folder) { rounds <- struct{}{} }
	// settle waits until a sync round has ended and no other starts for a moment: the
	// connector is then in IDLE. (go-imap's memory server tells an IDLE session only of the
	// changes made after its IDLE began; Dovecot reports those made just before as well.)
	settle := func() {
		t.Helper()
		select {
		case <-rounds:
		case <-time.After(20 * time.Second):
			t.Fatal("no sync round ended")
		}
		for {
			select {
			case <-rounds:
			case <-time.After(300 * time.Millisecond):
				return
			}
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	settle()
	appendMsg(t, other, seededCount+2, pushedSubject)
	emailtest.Eventually(t, 10*time.Second, "the new message pushed by IDLE", func() bool {
		_, ok := subjects(emailtest.FolderMessages(t, r, acct.ID, "INBOX"))[pushedSubject]
		return ok
	})
	settle()
	storeFlags(t, other, uidOf(t, inbox, subject(3)), imap.FlagSeen)
	emailtest.Eventually(t, 10*time.Second, `\Seen set on the server, seen here`, func() bool {
		return subjects(emailtest.FolderMessages(t, r, acct.ID, "INBOX"))[subject(3)].Flags.Seen
	})
	local := subjects(emailtest.FolderMessages(t, r, acct.ID, "INBOX"))[subject(4)]
	if err := c.SetFlags(ctx, []string{local.ID}, imapsync.FlagChange{Flagged: imapsync.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if got := flagsOnServer(t, other, uidOf(t, inbox, subject(4))); !slices.Contains(got, imap.FlagFlagged) {
		t.Fatalf("a flag set here did not reach the server: %v", got)
	}
	if m, _ := r.Message(ctx, local.ID); !m.Flags.Flagged {
		t.Fatal("the local flag change was undone")
	}

	// Send through the outbox: the first attempt is refused (451), the retry goes out.
	var mu sync.Mutex
	var events []outbox.Event
	d := &outbox.Dispatcher{Repo: r, Handlers: map[string]outbox.Handler{acct.ID: c},
		Backoff: email.Backoff{Min: 100 * time.Millisecond, Max: 100 * time.Millisecond},
		Notify: func(ev outbox.Event) {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}}
	item, err := c.Queue(ctx, &smtpsend.Draft{To: []*gomail.Address{{Name: "Bob", Address: "bob@example.test"}}, Subject: sentSubject, Text: sentBody})
	if err != nil {
		t.Fatal(err)
	}
	go d.Run(runCtx)
	emailtest.Eventually(t, 20*time.Second, "the outbox item sent", func() bool {
		it, err := r.OutboxItem(ctx, item.ID)
		return err == nil && it.State == repo.Sent
	})
	mu.Lock()
	if len(events) != 2 || events[0].Err == nil || events[0].RetryAt.IsZero() || !events[1].Sent || events[1].Err != nil {
		for _, ev := range events {
			t.Logf("outbox event: sent %v, error %v, retry at %v", ev.Sent, ev.Err, ev.RetryAt)
		}
		t.Fatal("want one refused attempt to retry, then one sent")
	}
	mu.Unlock()
	emailtest.Eventually(t, 10*time.Second, "the Sent copy stored", func() bool {
		_, ok := subjects(emailtest.FolderMessages(t, r, acct.ID, "Sent"))[sentSubject]
		return ok
	})
	stop()
	if err := <-done; err != context.Canceled {
		t.Fatalf("Run ended with %v", err)
	}
	if h := c.State(); h.State != email.Idle {
		t.Fatalf("health after stop: %+v", h)
	}

	if n, err := c.Pending(ctx); err != nil || n != 0 {
		t.Fatalf("%d changes not on the server (%v)", n, err)
	}

	// All of it is in the store: open it again.
	db.Close()
	if db, err = backend.Open(t, "relay", repo.Schema()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r = repo.New(db)
	after := subjects(emailtest.FolderMessages(t, r, acct.ID, "INBOX"))
	if len(after) != seededCount+1 || !after[subject(1)].Flags.Seen || !after[subject(4)].Flags.Flagged {
		t.Fatalf("reopened: %d messages in the inbox", len(after))
	}
}

func subject(i int) string { return fmt.Sprintf("Seeded-marker %d", i) }

func subjects(ms []model.Message) map[string]model.Message {
	out := make(map[string]model.Message, len(ms))
	for _, m := range ms {
		out[m.Subject] = m
	}
	return out
}

func uidOf(t *testing.T, ms []model.Message, subj string) imap.UID {
	t.Helper()
	m, ok := subjects(ms)[subj]
	if !ok {
		t.Fatalf("no message %q", subj)
	}
	_, _, uid, err := imapsync.ParseRemoteID(m.RemoteID)
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

// dialOther is another client of the same mailbox (through the relay as well), INBOX selected.
func dialOther(t *testing.T, ctx context.Context, acct *email.Account) *imapclient.Client {
	t.Helper()
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// appendMsg appends message i (its date and Message-ID follow from i).
func appendMsg(t *testing.T, c *imapclient.Client, i int, subj string) {
	t.Helper()
	raw := emailtest.Msg("carol@example.test", "alice@example.test", i, subj)
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func storeFlags(t *testing.T, c *imapclient.Client, uid imap.UID, flags ...imap.Flag) {
	t.Helper()
	if err := c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil).Close(); err != nil {
		t.Fatal(err)
	}
}

func flagsOnServer(t *testing.T, c *imapclient.Client, uid imap.UID) []imap.Flag {
	t.Helper()
	bufs, err := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil || len(bufs) != 1 {
		t.Fatalf("fetching flags: %d answers, %v", len(bufs), err)
	}
	return bufs[0].Flags
}
