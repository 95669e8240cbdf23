//go:build !js

package outbox_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

type env struct {
	ca   *emailtest.CA
	imap *emailtest.IMAP
	smtp *emailtest.SMTP
	acct *email.Account
	r    *repo.Repo
	d    *outbox.Dispatcher
}

func setup(t *testing.T) *env {
	e := &env{ca: emailtest.NewCA(t)}
	e.imap = emailtest.StartIMAP(t, e.ca, "alice", "pw")
	e.smtp = emailtest.StartSMTP(t, e.ca, "alice", "pw")
	e.acct = emailtest.Account(e.ca, e.imap, e.smtp, "alice", "pw")
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.r = repo.New(db)
	e.d = &outbox.Dispatcher{Repo: e.r, Handlers: map[string]outbox.Handler{e.acct.ID: e.handler()},
		Backoff: email.Backoff{Min: 20 * time.Millisecond, Max: 100 * time.Millisecond}, Lease: 200 * time.Millisecond}
	return e
}

// handler is the account's outbox handler, looking for the server's own Sent copy briefly.
func (e *env) handler() *outbox.Email {
	return &outbox.Email{Account: e.acct, Repo: e.r, SentWait: []time.Duration{100 * time.Millisecond}}
}

func (e *env) compose(t *testing.T, subject string) *smtpsend.Envelope {
	env, err := smtpsend.Compose(&smtpsend.Draft{
		From: &gomail.Address{Name: "Alice", Address: "alice@example.test"},
		To:   []*gomail.Address{{Address: "bob@example.test"}}, Bcc: []*gomail.Address{{Address: "carol@example.test"}},
		Subject: subject, Text: "Hello Bob",
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func (e *env) sentCount(t *testing.T, ctx context.Context) int {
	c, err := e.acct.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sel, err := c.Select("Sent", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	return int(sel.NumMessages)
}

func TestSendWithRetryAndSentCopy(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 30*time.Second)
	e.smtp.SetFailFirst(2)
	msg := e.compose(t, "retry me")
	it, err := outbox.Enqueue(ctx, e.r, e.acct.ID, msg)
	if err != nil {
		t.Fatal(err)
	}
	// Enqueuing the same message twice does not send it twice.
	if again, _ := outbox.Enqueue(ctx, e.r, e.acct.ID, msg); again.ID != it.ID {
		t.Fatal("the same Message-ID was queued twice")
	}
	var events []outbox.Event
	e.d.Notify = func(ev outbox.Event) { events = append(events, ev) }
	emailtest.Eventually(t, 10*time.Second, "sent after two refusals", func() bool {
		e.d.RunOnce(ctx)
		got, _ := e.r.OutboxItem(ctx, it.ID)
		return got.State == repo.Sent
	})
	got, _ := e.r.OutboxItem(ctx, it.ID)
	if got.Attempts != 3 || got.RemoteID != msg.MessageID {
		t.Fatalf("item %+v", got)
	}
	if len(events) != 3 || events[0].RetryAt.IsZero() || !strings.Contains(events[0].Err.Error(), "try again later") || !events[2].Sent {
		t.Fatalf("events %+v", events)
	}
	ms := e.smtp.Messages()
	if len(ms) != 1 || len(ms[0].To) != 2 || strings.Contains(string(ms[0].Data), "carol") {
		t.Fatalf("delivered %d messages: %+v (Bcc must be in the envelope only)", len(ms), ms)
	}
	if n := e.sentCount(t, ctx); n != 1 {
		t.Fatalf("Sent has %d messages", n)
	}
	// The copy is in the store at once, under the id the next sync will give it.
	local, err := e.r.MessagesByMessageID(ctx, msg.MessageID)
	if err != nil || len(local) != 1 || local[0].Folder != "Sent" || !local[0].Outgoing || !local[0].Flags.Seen || local[0].Subject != "retry me" {
		t.Fatalf("local Sent copy %+v %v", local, err)
	}
	s := &imapsync.Syncer{Account: e.acct, Repo: e.r}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.r.MessagesByMessageID(ctx, msg.MessageID); len(again) != 1 || again[0].ID != local[0].ID {
		t.Fatalf("after sync %+v", again)
	}
}

func TestOfflineThenOnline(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 30*time.Second)
	// The server is unreachable: a closed port.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	good := e.acct.Settings.SMTP.Port
	e.acct.Settings.SMTP.Port = dead
	it, _ := outbox.Enqueue(ctx, e.r, e.acct.ID, e.compose(t, "offline"))
	if n, _ := e.d.RunOnce(ctx); n != 0 {
		t.Fatal("sent while offline")
	}
	got, _ := e.r.OutboxItem(ctx, it.ID)
	if got.State != repo.Queued || !strings.Contains(got.LastError, "cannot reach") {
		t.Fatalf("offline item %+v", got)
	}
	e.acct.Settings.SMTP.Port = good
	wake := make(chan struct{}, 1)
	e.d.Wake = wake
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.d.Run(rctx) }()
	wake <- struct{}{}
	emailtest.Eventually(t, 10*time.Second, "sent when back online", func() bool { return len(e.smtp.Messages()) == 1 })
	cancel()
	<-done
}

// A crash between submission and bookkeeping: the item stays Sending; after its lease the
// dispatcher finds the message in Sent and acknowledges it without sending it again.
func TestInDoubtAfterSend(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 30*time.Second)
	msg := e.compose(t, "in doubt, sent")
	it, _ := outbox.Enqueue(ctx, e.r, e.acct.ID, msg)
	claimed, err := e.r.Claim(ctx, 100*time.Millisecond)
	if err != nil || claimed.ID != it.ID {
		t.Fatal(claimed, err)
	}
	if _, err := e.handler().Send(ctx, claimed); err != nil {
		t.Fatal(err)
	}
	// ... the process dies here: no Ack.
	time.Sleep(150 * time.Millisecond)
	if n, err := e.d.RunOnce(ctx); err != nil || n != 0 {
		t.Fatal(n, err)
	}
	got, _ := e.r.OutboxItem(ctx, it.ID)
	if got.State != repo.Sent {
		t.Fatalf("in-doubt item %+v", got)
	}
	if n := len(e.smtp.Messages()); n != 1 {
		t.Fatalf("sent %d times", n)
	}
}

// A crash after the claim but before submission: not in Sent, so it is sent, once.
func TestInDoubtNotSent(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 30*time.Second)
	it, _ := outbox.Enqueue(ctx, e.r, e.acct.ID, e.compose(t, "in doubt, not sent"))
	if _, err := e.r.Claim(ctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n, err := e.d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	e.d.RunOnce(ctx)
	got, _ := e.r.OutboxItem(ctx, it.ID)
	if got.State != repo.Sent || len(e.smtp.Messages()) != 1 || e.sentCount(t, ctx) != 1 {
		t.Fatalf("item %+v, %d sent", got, len(e.smtp.Messages()))
	}
}

// A refused password fails the item at once (the user fixes it and requeues); no retry loop.
func TestWrongPasswordFailsForTheUser(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 10*time.Second)
	e.acct.Password = "wrong"
	it, _ := outbox.Enqueue(ctx, e.r, e.acct.ID, e.compose(t, "pw"))
	e.d.RunOnce(ctx)
	got, _ := e.r.OutboxItem(ctx, it.ID)
	if got.State != repo.Failed || !strings.Contains(got.LastError, "user name or password") || got.LastErrorCode != email.ProblemAuth ||
		got.LastErrorParams["server"] != "smtp" {
		t.Fatalf("%+v", got)
	}
	e.acct.Password = "pw"
	if err := e.r.Requeue(ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := e.d.RunOnce(ctx); n != 1 || err != nil {
		t.Fatal(n, err)
	}
}

// With a Gate (device sync), an item goes out only on its turn: while the turn is not
// decided it waits (the attempt not counted), and an item another device sends is handed off
// and never sent here.
func TestGateDecidesWhoSends(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 30*time.Second)
	mine, err := outbox.Enqueue(ctx, e.r, e.acct.ID, e.compose(t, "mine"))
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := outbox.Enqueue(ctx, e.r, e.acct.ID, e.compose(t, "theirs"))
	if err != nil {
		t.Fatal(err)
	}
	turn := map[string]outbox.Turn{mine.ID: outbox.WaitTurn, theirs.ID: outbox.SendsElse}
	e.d.Gate = func(_ context.Context, it *repo.OutboxItem) outbox.Turn { return turn[it.ID] }
	if n, err := e.d.RunOnce(ctx); n != 0 || err != nil {
		t.Fatalf("sent %d before its turn: %v", n, err)
	}
	got, _ := e.r.OutboxItem(ctx, mine.ID)
	if got.State != repo.Queued || got.Attempts != 0 || !got.NextAttempt.After(time.Now()) {
		t.Fatalf("waiting item %+v", got)
	}
	if got, _ := e.r.OutboxItem(ctx, theirs.ID); got.State != repo.Elsewhere {
		t.Fatalf("item another device sends: %+v", got)
	}
	turn[mine.ID] = outbox.SendHere
	if err := e.r.Requeue(ctx, mine.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := e.d.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("sent %d on its turn: %v", n, err)
	}
	if ms := e.smtp.Messages(); len(ms) != 1 || !strings.Contains(string(ms[0].Data), "Subject: mine") {
		t.Fatalf("delivered %d messages", len(ms))
	}
}

// The first send finds out who files sent mail. A server that files it itself (as Gmail and
// Outlook do, here a moment after accepting the message) gets no second copy, then or ever:
// the account learns it. A server that does not gets one copy, filed by the client.
func TestSentCopyOnceWhoeverFilesIt(t *testing.T) {
	for _, serverFiles := range []bool{true, false} {
		e := setup(t)
		ctx := emailtest.Context(t, 30*time.Second)
		if serverFiles {
			e.smtp.OnDelivered = func(m emailtest.Mail) {
				go func() {
					time.Sleep(150 * time.Millisecond)
					e.imap.Append(t, "alice", "Sent", m.Data)
				}()
			}
		}
		h := e.handler()
		h.SentWait = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond}
		var learned []email.SentFiling
		h.Learned = func(f email.SentFiling) { learned = append(learned, f) }
		e.d.Handlers[e.acct.ID] = h
		for i, subject := range []string{"first", "second"} {
			msg := e.compose(t, subject)
			if _, err := outbox.Enqueue(ctx, e.r, e.acct.ID, msg); err != nil {
				t.Fatal(err)
			}
			if n, err := e.d.RunOnce(ctx); n != 1 || err != nil {
				t.Fatalf("server files: %v: sent %d: %v", serverFiles, n, err)
			}
			if serverFiles {
				emailtest.Eventually(t, 5*time.Second, "the server's copy", func() bool { return e.sentCount(t, ctx) == i+1 })
			}
			time.Sleep(300 * time.Millisecond) // time for a second copy, were one to be filed
			if n := e.sentCount(t, ctx); n != i+1 {
				t.Fatalf("server files: %v: Sent has %d messages after %d sent", serverFiles, n, i+1)
			}
		}
		want := email.ClientFilesSent
		if serverFiles {
			want = email.ServerFilesSent
		}
		if len(learned) != 1 || learned[0] != want || h.SentFiling() != want {
			t.Fatalf("server files: %v: learned %v", serverFiles, learned)
		}
		// The copies are stored at once (the server's, found in Sent, or the one filed).
		if stored, _, _ := e.r.FolderMessages(ctx, e.acct.ID, "Sent", repo.Page{Limit: 10}); len(stored) != 2 {
			t.Fatalf("server files: %v: %d copies stored", serverFiles, len(stored))
		}
	}
}

// An item in doubt on an account without a Sent folder cannot be checked: it is Failed at
// once with a code the UI explains, neither sent again nor left "sending" for ever.
func TestInDoubtWithoutSentFolderFails(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 30*time.Second)
	if err := e.imap.Users["alice"].Delete("Sent"); err != nil {
		t.Fatal(err)
	}
	it, _ := outbox.Enqueue(ctx, e.r, e.acct.ID, e.compose(t, "lost in doubt"))
	if _, err := e.r.Claim(ctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	e.d.RunOnce(ctx)
	got, _ := e.r.OutboxItem(ctx, it.ID)
	if got.State != repo.Failed || got.LastErrorCode != outbox.CodeInDoubt || len(e.smtp.Messages()) != 0 {
		t.Fatalf("item %+v, %d sent", got, len(e.smtp.Messages()))
	}
}

// With a Handler function, an item whose account does not run yet waits for it (its attempt
// not counted) and goes out once the account runs.
func TestItemWaitsForItsAccount(t *testing.T) {
	e := setup(t)
	ctx := emailtest.Context(t, 30*time.Second)
	var running outbox.Handler
	e.d.Handler = func(id string) outbox.Handler {
		if id == e.acct.ID {
			return running
		}
		return nil
	}
	e.d.Poll = 50 * time.Millisecond
	it, _ := outbox.Enqueue(ctx, e.r, e.acct.ID, e.compose(t, "later"))
	if n, _ := e.d.RunOnce(ctx); n != 0 {
		t.Fatal("sent without a handler")
	}
	if got, _ := e.r.OutboxItem(ctx, it.ID); got.State != repo.Queued || got.Attempts != 0 || got.LastError != "" {
		t.Fatalf("waiting item %+v", got)
	}
	running = e.handler()
	emailtest.Eventually(t, 5*time.Second, "sent once the account runs", func() bool {
		e.d.RunOnce(ctx)
		got, _ := e.r.OutboxItem(ctx, it.ID)
		return got.State == repo.Sent
	})
}
