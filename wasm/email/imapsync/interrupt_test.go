//go:build !js

package imapsync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
)

// A first sync stopped after its first stored batch (the fetching runs ahead of the storing)
// ends at once and cleanly, and the next sync goes on from the stored cursor: every message
// once.
func TestInterruptedFirstSyncResumes(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	for i := 1; i <= 95; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, fmt.Sprint("msg ", i)))
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx, cancel := context.WithCancel(emailtest.Context(t, 30*time.Second))
	stopped := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 5, BatchSize: 10, Progress: func(p imapsync.Progress) {
		if p.Folder == "INBOX" && p.Done >= 15 {
			cancel()
		}
	}}
	if err := stopped.SyncOnce(ctx); err == nil {
		t.Fatal("the stopped sync reported success")
	}
	if n := len(folderMsgs(t, r, acct.ID, "INBOX")); n != 15 {
		t.Fatalf("%d messages stored before the stop, want the first two batches (15)", n)
	}
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 5, BatchSize: 10}
	if err := s.SyncOnce(emailtest.Context(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	eachOnce(t, r, acct.ID, 95)
}

// New mail is fetched newest first too: an incremental sync stopped after its first batch
// must not take the newest message stored for the end of the new ones.
func TestInterruptedIncrementalSyncLosesNothing(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	for i := 1; i <= 20; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, fmt.Sprint("msg ", i)))
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	s := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 5, BatchSize: 10}
	if err := s.SyncOnce(emailtest.Context(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	for i := 21; i <= 60; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, fmt.Sprint("msg ", i)))
	}
	ctx, cancel := context.WithCancel(emailtest.Context(t, 30*time.Second))
	stopped := &imapsync.Syncer{Account: acct, Repo: r, FirstBatch: 5, BatchSize: 10, Progress: func(p imapsync.Progress) {
		if p.Folder == "INBOX" {
			cancel()
		}
	}}
	if err := stopped.SyncOnce(ctx); err == nil {
		t.Fatal("the stopped sync reported success")
	}
	if err := s.SyncOnce(emailtest.Context(t, 30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := len(folderMsgs(t, r, acct.ID, "INBOX")); n != 60 {
		t.Fatalf("after resuming: %d messages, want 60", n)
	}
}
