//go:build !js

package imapsync_test

import (
	"encoding/json"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Every folder's mail is filed by the folder's role: Sent, the archive (Gmail's All Mail
// too), the trash, junk and the server's drafts; the rest is the inbox. Mail stored before
// roles were kept (or whose folder changed role) is filed again at the next sync.
func TestMessagesAreFiledByTheirFolderRole(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	for _, f := range []string{"Junk", "All Mail", "Lists"} {
		if err := srv.Users["alice"].Create(f, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]model.Box{"INBOX": model.BoxInbox, "Lists": model.BoxInbox, "Sent": model.BoxSent,
		"Archive": model.BoxArchive, "All Mail": model.BoxArchive, "Trash": model.BoxTrash, "Junk": model.BoxJunk,
		"Drafts": model.BoxDrafts}
	i := 0
	for folder := range want {
		i++
		srv.Append(t, "alice", folder, emailtest.Msg("bob@example.test", "alice@example.test", i, folder))
	}
	acct, r, s, ctx := syncOnce(t, ca, srv)
	check := func(when string) {
		t.Helper()
		for folder, box := range want {
			ms := folderMsgs(t, r, acct.ID, folder)
			if len(ms) != 1 || ms[0].Box != box {
				t.Fatalf("%s: %s holds %+v, want one message in box %q", when, folder, ms, box)
			}
		}
	}
	check("first sync")

	// A mailbox synced before folders' roles were kept: its junk was in the inbox.
	junk := folderMsgs(t, r, acct.ID, "Junk")[0]
	if err := r.UpdateMessage(ctx, junk.ID, func(m *model.Message) error { m.Box = model.BoxInbox; return nil }); err != nil {
		t.Fatal(err)
	}
	raw, err := r.Cursor(ctx, acct.ID, "imap:Junk")
	if err != nil {
		t.Fatal(err)
	}
	var cur map[string]any
	json.Unmarshal(raw, &cur)
	delete(cur, "box")
	raw, _ = json.Marshal(cur)
	if err := r.SetCursor(ctx, acct.ID, "imap:Junk", raw); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	check("the next sync")
}

// A change recorded while the session idles reaches the server through that session at
// once (not at its next full sync), is logged with the user's operation in the same
// transaction, and a message moved shows in its new folder right after the move. An account
// without an archive folder gets one.
func TestRecordedChangesGoThroughTheRunningSession(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	if err := srv.Users["alice"].Delete("Archive"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, "m"+itoa(i)))
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx := emailtest.Context(t, 30*time.Second)
	// No full sync nor keep-alive during the test: what happens comes from Record.
	s := &imapsync.Syncer{Account: acct, Repo: r, IdleRestart: time.Hour, KeepAlive: time.Hour}
	var rounds atomic.Int32
	s.Synced = func([]imapsync.Folder) { rounds.Add(1) }
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	emailtest.Eventually(t, 10*time.Second, "first sync", func() bool { return rounds.Load() > 0 })
	ms := folderMsgs(t, r, acct.ID, "INBOX") // m3, m2, m1

	seen := true
	op := &repo.MessageStateOp{Messages: []repo.MessageRef{repo.RefOf(ms[0])}, Seen: &seen}
	if err := s.Record(ctx, []string{ms[0].ID}, imapsync.Change{Flags: imapsync.FlagChange{Seen: &seen}}, op); err != nil {
		t.Fatal(err)
	}
	if m, _ := r.Message(ctx, ms[0].ID); !m.Flags.Seen {
		t.Fatal("not seen here once recorded")
	}
	ops, _ := r.Ops(ctx, 0, 100)
	if len(ops) != 1 || ops[0].Kind != repo.OpMessageState {
		t.Fatalf("operation log: %+v", ops)
	}
	var logged repo.MessageStateOp
	if json.Unmarshal(ops[0].Data, &logged); len(logged.Messages) != 1 || logged.Messages[0].MessageID != repo.NormalizeMessageID(ms[0].MessageID) ||
		logged.Messages[0].Remote != ms[0].RemoteID || logged.Seen == nil || !*logged.Seen {
		t.Fatalf("logged %s", ops[0].Data)
	}
	c := dial(t, acct)
	flags := func(folder, subject string) []imap.Flag {
		sel, err := c.Select(folder, nil).Wait()
		if err != nil || sel.NumMessages == 0 {
			return nil
		}
		bufs, _ := c.Fetch(imap.SeqSetNum(1, 2, 3), &imap.FetchOptions{Flags: true, Envelope: true}).Collect()
		for _, b := range bufs {
			if b.Envelope.Subject == subject {
				return append(b.Flags, "present")
			}
		}
		return nil
	}
	emailtest.Eventually(t, 5*time.Second, `\Seen on the server`, func() bool { return slices.Contains(flags("INBOX", "m3"), imap.FlagSeen) })

	if err := s.Record(ctx, []string{ms[1].ID}, imapsync.Change{MoveTo: imapsync.RoleArchive}, nil); err != nil {
		t.Fatal(err)
	}
	if len(folderMsgs(t, r, acct.ID, "INBOX")) != 2 {
		t.Fatal("the archived message is still in the inbox here")
	}
	emailtest.Eventually(t, 5*time.Second, "archived on the server, in a new Archive folder, and here", func() bool {
		a := folderMsgs(t, r, acct.ID, "Archive")
		return flags("INBOX", "m2") == nil && flags("Archive", "m2") != nil && len(a) == 1 && a[0].Box == model.BoxArchive
	})
	if n, _ := s.Pending(ctx); n != 0 {
		t.Fatalf("%d changes pending", n)
	}
	// Back in the inbox.
	archived := folderMsgs(t, r, acct.ID, "Archive")[0]
	if err := s.Record(ctx, []string{archived.ID}, imapsync.Change{MoveTo: imapsync.RoleInbox}, nil); err != nil {
		t.Fatal(err)
	}
	emailtest.Eventually(t, 5*time.Second, "back in the inbox", func() bool {
		return len(folderMsgs(t, r, acct.ID, "INBOX")) == 3 && flags("INBOX", "m2") != nil
	})
	c.Close()
}

// A change the server refuses for good (a move to a folder gone meanwhile) is dropped rather
// than retried before every sync, and the message it took away here comes back from where it
// still is.
func TestARefusedChangeIsDropped(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	for i := 1; i <= 2; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, "m"+itoa(i)))
	}
	acct, r, s, ctx := syncOnce(t, ca, srv)
	ms := folderMsgs(t, r, acct.ID, "INBOX")
	if err := s.Move(ctx, []string{ms[0].ID}, "Gone"); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Pending(ctx); n != 0 {
		t.Fatalf("%d changes still pending", n)
	}
	if back := folderMsgs(t, r, acct.ID, "INBOX"); len(back) != 2 || back[0].ID != ms[0].ID {
		t.Fatalf("the message did not come back: %+v", back)
	}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(folderMsgs(t, r, acct.ID, "INBOX")); n != 2 {
		t.Fatalf("%d messages after the next sync", n)
	}
}
