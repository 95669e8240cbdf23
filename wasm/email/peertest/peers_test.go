//go:build !js

package peertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

func newRepo(t testing.TB) *repo.Repo {
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return repo.New(db)
}

func inbox(t testing.TB, r *repo.Repo, acct string) []model.Message {
	ms, _, err := r.FolderMessages(context.Background(), acct, "INBOX", repo.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// Alice sends to Bob through Postfix (submission with STARTTLS, via the outbox); Bob's client,
// idling on Dovecot, receives it by push; flags set by Bob's client are seen by another
// session and the other way round; Alice's Sent holds one copy.
func TestDovecotPostfixSendIdleFlags(t *testing.T) {
	p := emailtest.StartPeers(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	alice := p.Account(t, "alice")
	alice.Settings.SMTP = email.Server{Host: p.Listen, Port: p.Port(t, "SUBMISSION_PORT"), Security: email.StartTLS}
	bob := p.Account(t, "bob")
	bobRepo := newRepo(t)
	bobSync := &imapsync.Syncer{Account: bob, Repo: bobRepo, IdleRestart: 20 * time.Second}
	first := make(chan struct{})
	var once sync.Once
	bobSync.Synced = func([]imapsync.Folder) { once.Do(func() { close(first) }) }
	runDone := make(chan error, 1)
	go func() { runDone <- bobSync.Run(ctx) }()
	select {
	case <-first:
	case <-ctx.Done():
		t.Fatalf("bob's first sync: %v", bobSync.Health.Get())
	}
	roles := map[imapsync.Role]string{}
	for _, f := range bobSync.Folders() {
		roles[f.Role] = f.Name
	}
	for _, r := range []imapsync.Role{imapsync.RoleInbox, imapsync.RoleSent, imapsync.RoleDrafts, imapsync.RoleTrash, imapsync.RoleJunk, imapsync.RoleArchive} {
		if roles[r] == "" {
			t.Errorf("no %s folder in %v", r, bobSync.Folders())
		}
	}

	aliceRepo := newRepo(t)
	env, err := smtpsend.Compose(&smtpsend.Draft{
		From: &gomail.Address{Name: "Alice", Address: "alice@example.test"}, To: []*gomail.Address{{Name: "Bob", Address: "bob@example.test"}},
		Subject: "Through Postfix", Text: "Hello Bob, via submission.", HTML: "<p>Hello <b>Bob</b></p>",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.Enqueue(ctx, aliceRepo, alice.ID, env); err != nil {
		t.Fatal(err)
	}
	d := &outbox.Dispatcher{Repo: aliceRepo, Handlers: map[string]outbox.Handler{alice.ID: &outbox.Email{Account: alice}}}
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("outbox sent %d: %v", n, err)
	}
	var got model.Message
	emailtest.Eventually(t, 20*time.Second, "bob receives alice's mail by IDLE", func() bool {
		for _, m := range inbox(t, bobRepo, bob.ID) {
			if m.Subject == "Through Postfix" {
				got = m
				return true
			}
		}
		return false
	})
	if got.MessageID == "" || !strings.Contains(env.MessageID, got.MessageID) || got.Flags.Seen {
		t.Fatalf("received %+v", got)
	}
	body, _ := bobRepo.Body(ctx, got.ID)
	if !strings.Contains(body.Text, "via submission") {
		t.Fatalf("body %+v", body)
	}
	if ok, err := smtpsend.FindSent(ctx, alice, env.MessageID); err != nil || !ok {
		t.Fatalf("alice's Sent copy: %v %v", ok, err)
	}

	// Flags: bob's client sets them, another session sees them.
	if err := bobSync.SetFlags(ctx, []string{got.ID}, imapsync.FlagChange{Seen: imapsync.Bool(true), Flagged: imapsync.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	other := newRepo(t)
	otherSync := &imapsync.Syncer{Account: bob, Repo: other}
	if err := otherSync.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var seenThere model.Message
	for _, m := range inbox(t, other, bob.ID) {
		if m.Subject == "Through Postfix" {
			seenThere = m
		}
	}
	if !seenThere.Flags.Seen || !seenThere.Flags.Flagged {
		t.Fatalf("other session sees %+v", seenThere.Flags)
	}
	// The other session clears \Flagged; the idling client learns it.
	if err := otherSync.SetFlags(ctx, []string{seenThere.ID}, imapsync.FlagChange{Flagged: imapsync.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	emailtest.Eventually(t, 20*time.Second, "flag change pushed to the idling client", func() bool {
		m, _ := bobRepo.Message(ctx, got.ID)
		return m.Flags.Seen && !m.Flags.Flagged
	})

	// Bob replies through Postfix's implicit-TLS submission port; alice's client threads it.
	reply, err := smtpsend.Compose(&smtpsend.Draft{From: &gomail.Address{Address: "bob@example.test"},
		To: []*gomail.Address{{Address: "alice@example.test"}}, Subject: "Re: Through Postfix", Text: "Got it.", Parent: &got})
	if err != nil {
		t.Fatal(err)
	}
	if bob.Settings.SMTP.Security != email.ImplicitTLS {
		t.Fatal("bob should submit over implicit TLS")
	}
	if err := smtpsend.Submit(ctx, bob, reply); err != nil {
		t.Fatal(err)
	}
	aliceSync := &imapsync.Syncer{Account: alice, Repo: aliceRepo}
	var answer model.Message
	emailtest.Eventually(t, 20*time.Second, "alice receives the reply", func() bool {
		if err := aliceSync.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, m := range inbox(t, aliceRepo, alice.ID) {
			if m.Subject == "Re: Through Postfix" {
				answer = m
				return true
			}
		}
		return false
	})
	if len(answer.InReplyTo) != 1 || !strings.Contains(env.MessageID, answer.InReplyTo[0]) || len(answer.References) != 1 {
		t.Fatalf("reply threading: %+v %+v", answer.InReplyTo, answer.References)
	}
	sent, _, _ := aliceRepo.FolderMessages(ctx, alice.ID, "Sent", repo.Page{})
	if len(sent) != 1 || !sent[0].Outgoing || sent[0].Subject != "Through Postfix" || !sent[0].Flags.Seen {
		t.Fatalf("alice's Sent: %+v", sent)
	}
	cancel()
	<-runDone
}

// Incremental sync against Dovecot uses CONDSTORE: FETCH ... CHANGEDSINCE.
func TestDovecotCondstore(t *testing.T) {
	p := emailtest.StartPeers(t, "")
	ctx := emailtest.Context(t, 30*time.Second)
	for i := 1; i <= 30; i++ {
		p.Save(t, "bob", "INBOX", emailtest.Msg("alice@example.test", "bob@example.test", i, "seeded"))
	}
	bob := p.Account(t, "bob")
	r := newRepo(t)
	var log bytes.Buffer
	var mu sync.Mutex
	c, err := bob.DialIMAP(ctx, &imapclient.Options{DebugWriter: lockedWriter{&mu, &log}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.Caps().Has(imap.CapCondStore) {
		t.Fatal("Dovecot without CONDSTORE?")
	}
	s := &imapsync.Session{C: c, Account: bob, Repo: r, FirstBatch: 5, BatchSize: 10}
	if st, err := s.SyncFolder(ctx, "INBOX"); err != nil || st.New != 30 {
		t.Fatalf("first sync %+v %v", st, err)
	}
	// Another client flags three messages and expunges one.
	o, err := bob.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.Select("INBOX", nil).Wait()
	if err := o.Store(imap.SeqSetNum(1, 2, 3), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagAnswered}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	o.Store(imap.SeqSetNum(30), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
	if err := o.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	o.Close()
	p.Save(t, "bob", "INBOX", emailtest.Msg("alice@example.test", "bob@example.test", 31, "newer"))
	mu.Lock()
	log.Reset()
	mu.Unlock()
	st, err := s.SyncFolder(ctx, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if st.New != 1 || st.FlagsChanged != 3 || st.Expunged != 1 {
		t.Fatalf("incremental %+v", st)
	}
	mu.Lock()
	wire := log.String()
	mu.Unlock()
	if !strings.Contains(wire, "CHANGEDSINCE") {
		t.Fatalf("no CHANGEDSINCE on the wire:\n%s", wire)
	}
	answered := 0
	for _, m := range inbox(t, r, bob.ID) {
		if m.Flags.Answered {
			answered++
		}
	}
	if n := len(inbox(t, r, bob.ID)); n != 30 || answered != 3 {
		t.Fatalf("%d messages, %d answered", n, answered)
	}
	// Nothing changed: the next sync asks for nothing but SELECT and SEARCH.
	mu.Lock()
	log.Reset()
	mu.Unlock()
	if st, err := s.SyncFolder(ctx, "INBOX"); err != nil || st != (imapsync.Stats{}) {
		t.Fatalf("idle resync %+v %v", st, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(log.String(), "FETCH") {
		t.Fatalf("a FETCH although nothing changed:\n%s", log.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// recorder keeps every byte the client writes on the raw (pre-TLS) connection.
type recorder struct {
	mu      sync.Mutex
	written bytes.Buffer
	dials   int
}

func (r *recorder) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	r.mu.Lock()
	r.dials++
	r.mu.Unlock()
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &recConn{Conn: c, r: r}, nil
}

func (r *recorder) sent() string { r.mu.Lock(); defer r.mu.Unlock(); return r.written.String() }

type recConn struct {
	net.Conn
	r *recorder
}

func (c *recConn) Write(b []byte) (int, error) {
	c.r.mu.Lock()
	c.r.written.Write(b)
	c.r.mu.Unlock()
	return c.Conn.Write(b)
}

// stripTLS is an attacker in the middle removing STARTTLS from what the server offers.
func stripTLS(t *testing.T, target string, rec *recorder) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go func() { // client -> server, recorded
				io.Copy(s, io.TeeReader(c, writerFunc(func(b []byte) { rec.mu.Lock(); rec.written.Write(b); rec.mu.Unlock() })))
				s.Close()
			}()
			go func() { // server -> client, STARTTLS removed
				br := bufio.NewReader(s)
				for {
					line, err := br.ReadString('\n')
					line = strings.ReplaceAll(line, " STARTTLS", "")
					line = strings.ReplaceAll(line, "-STARTTLS", "-X-NOTHING")
					if _, werr := io.WriteString(c, line); werr != nil || err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

// On a server that refuses LOGIN before TLS (127.0.0.2): STARTTLS works and the password
// never crosses the wire in clear; a client set to no TLS, or a server whose STARTTLS an
// attacker strips, gets ErrInsecure before any LOGIN or AUTH.
func TestNeverAPlaintextPassword(t *testing.T) {
	p := emailtest.StartPeers(t, "127.0.0.2")
	ctx := emailtest.Context(t, 30*time.Second)
	imapPort, subPort := p.Port(t, "IMAP_PORT"), p.Port(t, "SUBMISSION_PORT")

	// STARTTLS: works; only ciphertext carries the password.
	rec := &recorder{}
	acct := p.Account(t, "alice")
	acct.Dial = rec.dial
	acct.Settings.IMAP = email.Server{Host: "127.0.0.2", Port: imapPort, Security: email.StartTLS}
	acct.Settings.SMTP = email.Server{Host: "127.0.0.2", Port: subPort, Security: email.StartTLS}
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		t.Fatalf("IMAP STARTTLS: %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	sc, err := acct.DialSMTP(ctx)
	if err != nil {
		t.Fatalf("SMTP STARTTLS: %v", err)
	}
	sc.Close()
	if w := rec.sent(); strings.Contains(w, "alicepw") || strings.Contains(w, "LOGIN") || strings.Contains(w, "AUTH") || !strings.Contains(w, "STARTTLS") {
		t.Fatalf("plaintext written:\n%q", w)
	}

	// Settings without TLS: refused before dialing at all.
	rec = &recorder{}
	plain := *acct
	plain.Dial = rec.dial
	plain.Settings.IMAP.Security = email.Plain
	plain.Settings.SMTP.Security = email.Plain
	if _, err := plain.DialIMAP(ctx, nil); !errors.Is(err, email.ErrInsecure) {
		t.Fatalf("IMAP without TLS: %v", err)
	}
	if _, err := plain.DialSMTP(ctx); !errors.Is(err, email.ErrInsecure) {
		t.Fatalf("SMTP without TLS: %v", err)
	}
	if err := plain.Settings.Validate(); !errors.Is(err, email.ErrInsecure) {
		t.Fatalf("Validate: %v", err)
	}
	if rec.dials != 0 {
		t.Fatal("dialed although the settings are insecure")
	}

	// STARTTLS stripped by an attacker: ErrInsecure, and no LOGIN/AUTH/password seen.
	rec = &recorder{}
	stripped := *acct
	stripped.Dial = nil
	stripped.Settings.IMAP = email.Server{Host: "127.0.0.1", Port: stripTLS(t, "127.0.0.2:"+itoa(imapPort), rec), Security: email.StartTLS}
	stripped.Settings.SMTP = email.Server{Host: "127.0.0.1", Port: stripTLS(t, "127.0.0.2:"+itoa(subPort), rec), Security: email.StartTLS}
	if _, err := stripped.DialIMAP(ctx, nil); !errors.Is(err, email.ErrInsecure) {
		t.Fatalf("IMAP with STARTTLS stripped: %v", err)
	}
	if _, err := stripped.DialSMTP(ctx); !errors.Is(err, email.ErrInsecure) {
		t.Fatalf("SMTP with STARTTLS stripped: %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if w := rec.sent(); strings.Contains(w, "alicepw") || strings.Contains(w, "LOGIN") || strings.Contains(w, "AUTH") {
		t.Fatalf("secret sent to a server without STARTTLS:\n%q", w)
	}
	t.Logf("what the stripping attacker saw: %q", rec.sent())
}
