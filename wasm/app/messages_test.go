//go:build !js

package app

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/relay/auth"
	"caliopen/relay/tunnel"
	"caliopen/shared/fakes/mastodonfake"
	"caliopen/wasm/api"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/model"
	"caliopen/wasm/platform"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// actingUser is the app with one email account on in-process go-imap and go-smtp servers,
// reached through a real relay tunnel; the test reads the app's store directly.
type actingUser struct {
	socialUser
	repo   *repo.Repo
	ca     *emailtest.CA
	im     *emailtest.IMAP
	sm     *emailtest.SMTP
	server api.EmailServer
}

func startMailUser(t *testing.T, fill func(im *emailtest.IMAP)) *actingUser {
	tuning.outboxBackoff = 100 * time.Millisecond
	t.Cleanup(func() { tuning.outboxBackoff = 0 })
	w := &actingUser{ca: emailtest.NewCA(t)}
	w.im = emailtest.StartIMAP(t, w.ca, "alice", "pw")
	w.sm = emailtest.StartSMTP(t, w.ca, "alice", "pw")
	fill(w.im)
	tokens, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, _ := tokens.Add("alice")
	cfg := tunnel.DefaultConfig()
	cfg.Ports = append(cfg.Ports, uint16(w.im.Port), uint16(w.sm.Port))
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	relay := httptest.NewServer(tunnel.New(cfg, tokens, tunnel.Options{}))
	t.Cleanup(relay.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	w.repo = repo.New(db)
	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	go Start(ctx, Options{Port: coreEnd, DB: db})
	w.u = &ui{t: t, port: uiEnd, ctx: ctx}
	w.u.recv() // ready
	w.must("core.setRole", api.SetRoleParams{Leader: true}, nil)
	w.must("vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}, nil)
	w.must("relay.set", api.RelayParams{URL: relay.URL, Token: token}, nil)
	sum := sha256.Sum256(w.ca.Server.Certificate[0])
	w.server = api.EmailServer{IMAPHost: "127.0.0.1", IMAPPort: w.im.Port, IMAPSecurity: "tls",
		SMTPHost: "127.0.0.1", SMTPPort: w.sm.Port, SMTPSecurity: "tls", Username: "alice", IMAPPin: hex.EncodeToString(sum[:]), SMTPPin: hex.EncodeToString(sum[:])}
	w.must("accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: "pw", Name: "Alice", Server: &w.server}, nil)
	return w
}

// serverFlags returns the flags of the messages of a folder on the server, by subject.
func (w *actingUser) serverFlags(folder string) map[string][]imap.Flag {
	w.u.t.Helper()
	c, err := imapclient.DialTLS(fmt.Sprintf("127.0.0.1:%d", w.im.Port), &imapclient.Options{TLSConfig: &tls.Config{RootCAs: w.ca.Pool}})
	if err != nil {
		w.u.t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "pw").Wait(); err != nil {
		w.u.t.Fatal(err)
	}
	out := map[string][]imap.Flag{}
	sel, err := c.Select(folder, nil).Wait()
	if err != nil || sel.NumMessages == 0 {
		return out
	}
	bufs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: sel.NumMessages}}, &imap.FetchOptions{Flags: true, Envelope: true}).Collect()
	if err != nil {
		w.u.t.Fatal(err)
	}
	for _, b := range bufs {
		out[b.Envelope.Subject] = append(b.Flags, "") // present, even without flags
	}
	return out
}

func (w *actingUser) eventually(what string, cond func() bool) {
	w.u.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.u.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mailFrom(from, subject, id string, day int) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: Alice <alice@example.test>\r\nSubject: %s\r\nDate: Mon, %d Nov 2026 10:00:00 +0000\r\n"+
		"Message-ID: <%s>\r\n\r\n%s\r\n", from, subject, day, id, subject))
}

// The user acts on their mail from the app and the server hears it: read (the discussion's
// unread count goes down) and unread again, starred, archived (the discussion leaves the
// inbox for the archive, on the server too) and back, deleted to the trash; a reply sets
// \Answered on the mail it answers. Junk, the trash and the server's drafts make no
// discussion, and a message in two folders shows once.
func TestActingOnMailReachesTheServer(t *testing.T) {
	w := startMailUser(t, func(im *emailtest.IMAP) {
		if err := im.Users["alice"].Create("Junk", nil); err != nil {
			t.Fatal(err)
		}
		im.Append(t, "alice", "INBOX", mailFrom("Bob <bob@example.org>", "dinner", "d1@example.org", 2))
		im.Append(t, "alice", "INBOX", mailFrom("Bob <bob@example.org>", "lunch", "d2@example.org", 3))
		im.Append(t, "alice", "Archive", mailFrom("Bob <bob@example.org>", "dinner", "d1@example.org", 2)) // a copy
		im.Append(t, "alice", "Junk", mailFrom("Spam <spam@example.net>", "win", "s1@example.net", 4))
		im.Append(t, "alice", "Trash", mailFrom("Carol <carol@example.net>", "old", "c1@example.net", 5))
		im.Append(t, "alice", "Drafts", []byte("From: Alice <alice@example.test>\r\nTo: Dave <dave@example.net>\r\n"+
			"Subject: unfinished\r\nMessage-ID: <u1@example.test>\r\n\r\nto be continued\r\n"), imap.FlagDraft)
	})
	u, ids := w.u, &w.ids
	inbox := func(what string, cond func(api.DiscussionsPage) bool) api.DiscussionsPage {
		return follow(u, ids, "discussions.page", api.DiscussionsArgs{}, what, cond)
	}
	page := inbox("Bob's two mails, once each, alone in the inbox", func(p api.DiscussionsPage) bool {
		return p.Total == 1 && len(p.Items) == 1 && p.Items[0].Count == 2 && p.Items[0].Unread == 2
	})
	key := page.Items[0].Key
	w.eventually("the first sync over (the copy in Archive stored)", func() bool {
		copies, _ := w.repo.MessagesByMessageID(u.ctx, "d1@example.org")
		return len(copies) == 2
	})
	view := follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: key}, "the discussion", func(v api.DiscussionView) bool { return len(v.Messages) == 2 })
	dinner, lunch := view.Messages[0].Message, view.Messages[1].Message
	if dinner.Subject != "dinner" || dinner.Folder != "INBOX" {
		t.Fatalf("the copy shown: %+v", dinner)
	}
	set := func(p api.MessageStateParams) { w.must("messages.setState", p, nil) }
	yes, no := true, false

	// Opening the discussion marks what it shows read.
	set(api.MessageStateParams{IDs: []string{dinner.ID, lunch.ID}, Seen: &yes})
	inbox("no unread left", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 && p.Items[0].Unread == 0 })
	w.eventually(`\Seen on the server`, func() bool {
		f := w.serverFlags("INBOX")
		return slices.Contains(f["dinner"], imap.FlagSeen) && slices.Contains(f["lunch"], imap.FlagSeen)
	})
	// Unread again, starred.
	set(api.MessageStateParams{IDs: []string{lunch.ID}, Seen: &no})
	set(api.MessageStateParams{IDs: []string{dinner.ID}, Flagged: &yes})
	inbox("one unread, one starred", func(p api.DiscussionsPage) bool {
		return len(p.Items) == 1 && p.Items[0].Unread == 1 && p.Items[0].Flagged == 1
	})
	w.eventually(`\Seen off and \Flagged on, on the server`, func() bool {
		f := w.serverFlags("INBOX")
		return !slices.Contains(f["lunch"], imap.FlagSeen) && slices.Contains(f["dinner"], imap.FlagFlagged)
	})

	// Archived: out of the inbox at once, in the archive once the server moved it.
	set(api.MessageStateParams{IDs: []string{dinner.ID, lunch.ID}, Move: "archive"})
	inbox("the inbox empty", func(p api.DiscussionsPage) bool { return p.Total == 0 })
	archive := follow(u, ids, "discussions.page", api.DiscussionsArgs{Archive: true}, "the discussion archived, from the server's Archive",
		func(p api.DiscussionsPage) bool {
			return len(p.Items) == 1 && p.Items[0].Archived && p.Items[0].Count == 2 && p.Items[0].Unread == 1 && p.Items[0].Flagged == 1
		})
	w.eventually("the server's inbox emptied into Archive", func() bool {
		return len(w.serverFlags("INBOX")) == 0 && len(w.serverFlags("Archive")) == 2
	})
	// Each action is in the operation log, for the user's other devices.
	var logged []repo.MessageStateOp
	ops, _ := w.repo.Ops(u.ctx, 0, 1000)
	for _, op := range ops {
		if op.Kind == repo.OpMessageState {
			var m repo.MessageStateOp
			json.Unmarshal(op.Data, &m)
			logged = append(logged, m)
		}
	}
	if len(logged) != 4 || logged[0].Seen == nil || !*logged[0].Seen || len(logged[0].Messages) != 3 ||
		logged[3].Move != repo.MoveArchive || len(logged[3].Messages) != 2 || logged[3].Messages[0].MessageID == "" {
		t.Fatalf("operation log: %+v", logged)
	}
	// Back in the inbox.
	view = follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: archive.Items[0].Key}, "the archived discussion",
		func(v api.DiscussionView) bool { return len(v.Messages) == 2 })
	set(api.MessageStateParams{IDs: []string{view.Messages[0].Message.ID, view.Messages[1].Message.ID}, Move: "inbox"})
	page = inbox("back in the inbox", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 && p.Items[0].Count == 2 })
	w.eventually("back in the server's inbox", func() bool { return len(w.serverFlags("INBOX")) == 2 })

	// A reply sets \Answered on the mail it answers.
	view = follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "the discussion from the inbox",
		func(v api.DiscussionView) bool {
			return len(v.Messages) == 2 && v.Messages[0].Message.Folder == "INBOX"
		})
	dinner, lunch = view.Messages[0].Message, view.Messages[1].Message
	w.must("message.reply", api.ReplyParams{MessageID: dinner.ID, Text: "eight is fine"}, nil)
	w.eventually(`\Answered on the server`, func() bool { return slices.Contains(w.serverFlags("INBOX")["dinner"], imap.FlagAnswered) })

	// Deleted: to the trash, here and there.
	set(api.MessageStateParams{IDs: []string{lunch.ID}, Move: "trash"})
	follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "lunch gone", func(v api.DiscussionView) bool {
		return !slices.ContainsFunc(v.Messages, func(m api.MessageView) bool { return m.Message.Subject == "lunch" })
	})
	w.eventually("lunch in the server's trash", func() bool {
		_, inTrash := w.serverFlags("Trash")["lunch"]
		_, inInbox := w.serverFlags("INBOX")["lunch"]
		return inTrash && !inInbox
	})
	// Nothing of this made a discussion (nor a contact) of junk, the trash or drafts.
	inbox("still Bob alone", func(p api.DiscussionsPage) bool { return p.Total == 1 })
	for _, who := range []string{"spam@", "carol@", "dave@"} {
		if found := follow(u, ids, "contacts.list", api.ContactsArgs{Text: who}, who, func(api.ContactsPage) bool { return true }); found.Total != 0 {
			t.Fatalf("%s became a contact: %+v", who, found)
		}
	}
	arch := follow(u, ids, "discussions.page", api.DiscussionsArgs{Archive: true}, "the archive", func(api.DiscussionsPage) bool { return true })
	if arch.Total != 0 {
		t.Fatalf("archive: %+v", arch)
	}

	*ids++
	if e := u.call(*ids, "messages.setState", api.MessageStateParams{IDs: []string{dinner.ID}, Move: "elsewhere"}, nil); e == nil || e.Code != api.CodeBadRequest {
		t.Fatalf("an unknown move: %v", e)
	}
}

// Adding the same address again replaces its account: one account, its mail synced once.
func TestAddingAnAddressAgainReplacesItsAccount(t *testing.T) {
	w := startMailUser(t, func(im *emailtest.IMAP) {
		im.Append(t, "alice", "INBOX", mailFrom("Bob <bob@example.org>", "dinner", "d1@example.org", 2))
	})
	u, ids := w.u, &w.ids
	first := follow(u, ids, "accounts.list", api.Empty{}, "connected", func(v api.AccountsView) bool {
		return len(v.Accounts) == 1 && v.Accounts[0].Health.State == "connected"
	})
	var again api.AccountView
	w.must("accounts.addEmail", api.AddEmailParams{Address: "Alice@Example.test", Password: "pw", Name: "Alice B.", Server: &w.server}, &again)
	if again.ID != first.Accounts[0].ID {
		t.Fatalf("a new account %s for the same address (was %s)", again.ID, first.Accounts[0].ID)
	}
	follow(u, ids, "accounts.list", api.Empty{}, "one account, connected again", func(v api.AccountsView) bool {
		return len(v.Accounts) == 1 && v.Accounts[0].Health.State == "connected"
	})
	time.Sleep(300 * time.Millisecond) // room for a second copy of the mail to arrive
	page := follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "the mail once", func(p api.DiscussionsPage) bool { return p.Total == 1 })
	if page.Items[0].Count != 1 {
		t.Fatalf("discussion: %+v", page.Items[0])
	}
}

// While the page says the network is gone, the outbox tries nothing (its attempts stay at
// zero: a day offline turns no reply Failed); when it says the network is back, the reply
// goes out at once.
func TestTheOutboxWaitsForTheNetwork(t *testing.T) {
	w := startMailUser(t, func(im *emailtest.IMAP) {
		im.Append(t, "alice", "INBOX", mailFrom("Bob <bob@example.org>", "dinner", "d1@example.org", 2))
	})
	u, ids := w.u, &w.ids
	page := follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "the mail", func(p api.DiscussionsPage) bool { return p.Total == 1 })
	view := follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "its message", func(v api.DiscussionView) bool { return len(v.Messages) == 1 })

	w.must("core.network", api.NetworkParams{Online: false}, nil)
	follow(u, ids, "core.status", api.Empty{}, "offline", func(s api.CoreStatus) bool { return !s.Online })
	var queued api.ReplyResult
	w.must("message.reply", api.ReplyParams{MessageID: view.Messages[0].Message.ID, Text: "written offline"}, &queued)
	time.Sleep(2500 * time.Millisecond) // 25 times the outbox's backoff in this test
	box := follow(u, ids, "outbox.list", api.Empty{}, "the reply", func(v api.OutboxView) bool {
		return slices.ContainsFunc(v.Items, func(e api.OutboxEntry) bool { return e.ID == queued.OutboxID })
	})
	for _, e := range box.Items {
		if e.ID == queued.OutboxID && (e.State != repo.Queued || e.Attempts != 0) {
			t.Fatalf("offline, the reply is %s after %d attempts", e.State, e.Attempts)
		}
	}
	if n := len(w.sm.Messages()); n != 0 {
		t.Fatalf("%d mails sent offline", n)
	}
	w.must("core.network", api.NetworkParams{Online: true}, nil)
	w.eventually("the reply sent", func() bool {
		for _, m := range w.sm.Messages() {
			if strings.Contains(string(m.Data), "written offline") {
				return true
			}
		}
		return false
	})
}

// Direct messages keep the user's state here: X has no read state to tell, a Mastodon
// conversation read is marked read on the instance; archived direct messages leave the
// inbox, and their connector's next look at them does not bring them back.
func TestDirectMessagesState(t *testing.T) {
	w := newSocialWorld(t)
	s := startSocialUser(t, w)
	u, ids := s.u, &s.ids
	page := follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "Bob's DMs", func(p api.DiscussionsPage) bool {
		return slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return hasNetworks(d, model.Mastodon, model.X) && d.Unread == 2 })
	})
	var key string
	for _, d := range page.Items {
		if hasNetworks(d, model.Mastodon, model.X) {
			key = d.Key
		}
	}
	view := follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: key}, "the DMs", func(v api.DiscussionView) bool { return len(v.Messages) == 2 })
	var all []string
	for _, m := range view.Messages {
		all = append(all, m.Message.ID)
	}
	yes := true
	s.must("messages.setState", api.MessageStateParams{IDs: all, Seen: &yes}, nil)
	follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "read", func(p api.DiscussionsPage) bool {
		return slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return d.Key == key && d.Unread == 0 })
	})
	// The instance heard it (its API, as any client reads it).
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, _ := http.NewRequest("GET", w.masto.BaseURL+"/api/v1/conversations", nil)
		req.Header.Set("Authorization", "Bearer "+w.masto.Token(w.mAlice))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var convs []struct {
			Unread bool `json:"unread"`
		}
		json.NewDecoder(resp.Body).Decode(&convs)
		resp.Body.Close()
		if len(convs) == 1 && !convs[0].Unread {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the instance still has the conversation unread: %+v", convs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	s.must("messages.setState", api.MessageStateParams{IDs: all, Move: "archive"}, nil)
	follow(u, ids, "discussions.page", api.DiscussionsArgs{Archive: true}, "archived", func(p api.DiscussionsPage) bool {
		return len(p.Items) == 1 && p.Items[0].Key == key
	})
	// A new message from Bob on Mastodon: the connector writes the conversation again; the
	// archived message stays archived, the new one is in the inbox with its discussion.
	w.masto.Post(mastodonfake.Post{Author: w.mBob, To: []string{w.mAlice}, Text: "still there?"})
	follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: key}, "the new message", func(v api.DiscussionView) bool {
		boxes := map[string]model.Box{}
		for _, m := range v.Messages {
			boxes[m.Message.Snippet] = m.Message.Box
		}
		return len(v.Messages) == 3 && boxes["still there?"] == model.BoxInbox && boxes["hello from mastodon"] == model.BoxArchive
	})
	follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "back in the inbox with the new message", func(p api.DiscussionsPage) bool {
		return slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return d.Key == key && d.Unread == 1 })
	})
}
