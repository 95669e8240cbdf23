//go:build !js

package imapsync_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
)

// Every message of the notmuch corpus (broken, RFC-violating, HTML, encrypted) is synced and
// stored, with notes where it could not be read: none is lost.
func TestNotmuchCorpusSyncsEveryMessage(t *testing.T) {
	dir := filepath.Join(emailtest.SharedDir(t), "corpora", "notmuch")
	var files []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), "README") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		if os.Getenv("CALIOPEN_SKIP_PEERS") == "1" {
			t.Skip("no corpus")
		}
		t.Fatalf("no corpus under %s", dir)
	}
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	appended := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil || len(raw) == 0 {
			continue
		}
		srv.Append(t, "alice", "INBOX", raw)
		appended++
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx := emailtest.Context(t, 30*time.Second)
	s := &imapsync.Syncer{Account: acct, Repo: r, BatchSize: 30}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := folderMsgs(t, r, acct.ID, "INBOX")
	if len(msgs) != appended {
		t.Fatalf("stored %d of %d messages", len(msgs), appended)
	}
	notes := 0
	for _, m := range msgs {
		b, err := r.Body(ctx, m.ID)
		if err != nil {
			t.Fatalf("no body for %s: %v", m.RemoteID, err)
		}
		if len(b.Notes) > 0 {
			notes++
		}
	}
	t.Logf("%d messages synced, %d with notes", len(msgs), notes)
}
