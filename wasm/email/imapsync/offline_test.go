//go:build !js

package imapsync_test

import (
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
)

// Changes made while the server is unreachable apply locally at once, survive in the store,
// and reach the server at the next connection, before the sync (which would otherwise undo
// them).
func TestOfflineChangesReachTheServerLater(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	for i := 1; i <= 3; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, "m"+itoa(i)))
	}
	acct, r, s, ctx := syncOnce(t, ca, srv)
	ms := folderMsgs(t, r, acct.ID, "INBOX") // m3, m2, m1
	good := acct.Settings.IMAP.Port
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	acct.Settings.IMAP.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	if err := s.SetFlags(ctx, []string{ms[0].ID}, imapsync.FlagChange{Seen: imapsync.Bool(true), Flagged: imapsync.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveToRole(ctx, []string{ms[1].ID}, imapsync.RoleArchive); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Pending(ctx); n != 2 {
		t.Fatalf("%d pending changes", n)
	}
	local := folderMsgs(t, r, acct.ID, "INBOX")
	if len(local) != 2 || !local[0].Flags.Seen || !local[0].Flags.Flagged {
		t.Fatalf("not applied locally: %+v", local)
	}

	acct.Settings.IMAP.Port = good
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Pending(ctx); n != 0 {
		t.Fatalf("%d changes still pending", n)
	}
	local = folderMsgs(t, r, acct.ID, "INBOX")
	if len(local) != 2 || !local[0].Flags.Seen || !local[0].Flags.Flagged {
		t.Fatalf("the sync undid the change: %+v", local)
	}
	if a := folderMsgs(t, r, acct.ID, "Archive"); len(a) != 1 || a[0].Subject != "m2" {
		t.Fatalf("archive %+v", a)
	}
	c := dial(t, acct)
	if sel, _ := c.Select("INBOX", nil).Wait(); sel.NumMessages != 2 {
		t.Fatalf("server inbox has %d", sel.NumMessages)
	}
	bufs, _ := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{Flags: true, Envelope: true}).Collect()
	if len(bufs) != 1 || bufs[0].Envelope.Subject != "m3" || !strings.Contains(strings.Join(flagStrings(bufs[0].Flags), " "), `\Flagged`) {
		t.Fatalf("server state %+v", bufs)
	}
}

func flagStrings(fs []imap.Flag) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f)
	}
	return out
}
