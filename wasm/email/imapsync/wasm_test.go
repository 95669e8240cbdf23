package imapsync_test

import (
	"testing"
	"time"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
)

// The whole path — TLS, go-imap, mail.Parse, the repository — runs in WebAssembly too: this
// test runs natively and in the browser (make test-wasm), the server reached over in-memory
// connections.
func TestSyncOverPipe(t *testing.T) {
	acct := pipeAccount(t, 30, "pipe ")
	r := newRepo(t)
	ctx := emailtest.Context(t, 60*time.Second)
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 5, BatchSize: 10}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	ms := folderMsgs(t, r, acct.ID, "INBOX")
	if len(ms) != 30 || ms[0].Subject != "pipe 30" {
		t.Fatalf("%d messages", len(ms))
	}
	if err := s.SetFlags(ctx, []string{ms[0].ID}, imapsync.FlagChange{Seen: imapsync.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Pending(ctx); n != 0 {
		t.Fatal("flag change not pushed")
	}
}
