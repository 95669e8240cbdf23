//go:build !js

package imapsync_test

import (
	"testing"

	"github.com/emersion/go-imap/v2"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
)

// A plain IMAP4rev1 server (no MOVE, UIDPLUS, SPECIAL-USE, CONDSTORE): roles come from names,
// moves are COPY + \Deleted + EXPUNGE, flags sync by fetching FLAGS.
func TestIMAP4rev1Fallbacks(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAPCaps(t, ca, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIdle: {}}, "alice", "pw")
	for i := 1; i <= 3; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, "m"))
	}
	acct, r, s, ctx := syncOnce(t, ca, srv)
	if f, ok := imapsync.FolderByRole(s.Folders(), imapsync.RoleTrash); !ok || f.Name != "Trash" {
		t.Fatalf("folders %+v", s.Folders())
	}
	ms := folderMsgs(t, r, acct.ID, "INBOX")
	if len(ms) != 3 {
		t.Fatalf("%d messages", len(ms))
	}
	if err := s.SetFlags(ctx, []string{ms[0].ID}, imapsync.FlagChange{Flagged: imapsync.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveToRole(ctx, []string{ms[1].ID}, imapsync.RoleTrash); err != nil {
		t.Fatal(err)
	}
	// A fresh store sees the server's state.
	r2 := newRepo(t)
	s2 := &imapsync.Syncer{Account: acct, Repo: r2}
	if err := s2.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	in, trash := folderMsgs(t, r2, acct.ID, "INBOX"), folderMsgs(t, r2, acct.ID, "Trash")
	if len(in) != 2 || len(trash) != 1 || trash[0].Flags.Deleted {
		t.Fatalf("inbox %d, trash %+v", len(in), trash)
	}
	flagged := 0
	for _, m := range in {
		if m.Flags.Flagged {
			flagged++
		}
	}
	if flagged != 1 {
		t.Fatal("flag lost")
	}
	// The first store catches up without CONDSTORE.
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(folderMsgs(t, r, acct.ID, "Trash")); n != 1 {
		t.Fatalf("trash %d", n)
	}
}
