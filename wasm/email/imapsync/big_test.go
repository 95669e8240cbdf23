//go:build !js

package imapsync_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/model"
)

// Batches are cut by bytes too, and a message bigger than MaxMessageBytes that is fetched
// whole (WholeMessages here; a message whose structure cannot be taken apart) is fetched only
// in part: its text is there, with a note; nothing is lost.
func TestBigMessagesAreFetchedInPart(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	for i := 1; i <= 5; i++ {
		srv.Append(t, "alice", "INBOX", emailtest.Msg("bob@example.test", "alice@example.test", i, "small"))
	}
	big := "From: bob@example.test\r\nTo: alice@example.test\r\nSubject: big one\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=big.bin\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + strings.Repeat(strings.Repeat("A", 76)+"\r\n", 3000) + "--b--\r\n"
	srv.Append(t, "alice", "INBOX", []byte(big))
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	r := newRepo(t)
	ctx := emailtest.Context(t, 20*time.Second)
	c := dial(t, acct)
	var batches []int
	sess := &imapsync.Session{C: c, Account: acct, Repo: r, BatchBytes: 700, MaxMessageBytes: 100_000, WholeMessages: true,
		Progress: func(p imapsync.Progress) { batches = append(batches, p.Done) }}
	if _, err := sess.SyncFolder(ctx, "INBOX"); err != nil {
		t.Fatal(err)
	}
	ms := folderMsgs(t, r, acct.ID, "INBOX")
	if len(ms) != 6 {
		t.Fatalf("%d messages", len(ms))
	}
	if len(batches) < 4 {
		t.Fatalf("batches not cut by bytes: %v", batches)
	}
	for _, m := range ms {
		if m.Subject != "big one" {
			continue
		}
		b, _ := r.Body(ctx, m.ID)
		if !strings.Contains(b.Text, "See the attachment") || !slices.ContainsFunc(b.Notes, func(n model.BodyNote) bool { return n.Code == "message.truncated" && n.Params["kept"] == "100000" }) || m.Size < 200_000 {
			t.Fatalf("big message %+v %+v", m, b)
		}
	}
}
