//go:build !js

package imapsync_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// A message's attachments stay on the server until opened: the message reads as the whole
// one does (its text, HTML, and each attachment's id, name, type and about its size), none
// of its files is stored, and opening one fetches exactly its bytes.
func TestAttachmentsStayOnTheServerUntilOpened(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	shapes := emailtest.AttachmentShapes()
	for _, raw := range shapes {
		srv.Append(t, "alice", "INBOX", []byte(raw))
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	var received atomic.Int64
	dial := acct.Transport.Dial
	acct.Transport.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		return countingConn{c, &received}, err
	}
	r := newRepo(t)
	ctx := emailtest.Context(t, 20*time.Second)
	s := &imapsync.Syncer{Account: acct, Repo: r}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, raw := range shapes {
		total += len(raw)
	}
	if got := received.Load(); got > int64(total)/4 {
		t.Errorf("the sync received %d bytes for %d bytes of mail: attachments came along", got, total)
	} else {
		t.Logf("the sync received %d bytes for %d bytes of mail", got, total)
	}
	msgs := folderMsgs(t, r, acct.ID, "INBOX")
	if len(msgs) != len(shapes) {
		t.Fatalf("%d messages stored of %d", len(msgs), len(shapes))
	}
	for _, m := range msgs {
		raw, ok := shapes[m.Subject]
		if !ok {
			t.Fatalf("unexpected message %q", m.Subject)
		}
		want, err := mail.ParseKeepingAttachments([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Body(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Text != want.Body.Text || got.HTML != want.Body.HTML {
			t.Errorf("%s: text %q html %q, want %q %q", m.Subject, got.Text, got.HTML, want.Body.Text, want.Body.HTML)
		}
		if len(got.Attachments) != len(want.Body.Attachments) {
			t.Fatalf("%s: attachments %+v, want %+v", m.Subject, got.Attachments, want.Body.Attachments)
		}
		for i, a := range got.Attachments {
			w := want.Body.Attachments[i]
			if !emailtest.SameAttachment(a, w) {
				t.Errorf("%s: attachment %+v, want %+v", m.Subject, a, w)
			}
			if a.Fetched {
				t.Errorf("%s: attachment %s marked fetched", m.Subject, a.ID)
			}
			_, err := r.Attachment(ctx, m.ID, a.ID)
			lazy := m.Subject != "a small file"
			if lazy && !errors.Is(err, repo.ErrNotFound) {
				t.Errorf("%s: attachment %s stored before it was opened (%v)", m.Subject, a.ID, err)
			}
			data, err := s.Attachment(ctx, m.ID, a.ID)
			if err != nil {
				t.Fatalf("%s: opening %s: %v", m.Subject, a.ID, err)
			}
			if !bytes.Equal(data, want.AttachmentData[a.ID]) {
				t.Errorf("%s: attachment %s has %d bytes, want %d", m.Subject, a.ID, len(data), len(want.AttachmentData[a.ID]))
			}
		}
	}
}

// countingConn counts the bytes read from a connection.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Every message of the notmuch corpus reads the same fetched without its attachments as
// fetched whole: the same subject, people, date, security, text, HTML, notes and
// attachments.
func TestCorpusReadsTheSameWithoutAttachments(t *testing.T) {
	dir := filepath.Join(emailtest.SharedDir(t), "corpora", "notmuch")
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "README") {
			return nil
		}
		if raw, err := os.ReadFile(p); err == nil && len(raw) > 0 {
			srv.Append(t, "alice", "INBOX", raw)
			n++
		}
		return nil
	})
	if n == 0 {
		if os.Getenv("CALIOPEN_SKIP_PEERS") == "1" {
			t.Skip("no corpus")
		}
		t.Fatalf("no corpus under %s", dir)
	}
	// the corpus has few big attachments: a generated one joins it
	for _, raw := range emailtest.AttachmentShapes() {
		srv.Append(t, "alice", "INBOX", []byte(raw))
		n++
	}
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	ctx := emailtest.Context(t, 60*time.Second)
	stores := [2]*repo.Repo{newRepo(t), newRepo(t)}
	for i, whole := range []bool{false, true} {
		s := &imapsync.Syncer{Account: acct, Repo: stores[i], BatchSize: 40, WholeMessages: whole}
		if err := s.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	lazy, whole := folderMsgs(t, stores[0], acct.ID, "INBOX"), folderMsgs(t, stores[1], acct.ID, "INBOX")
	if len(lazy) != n || len(whole) != n {
		t.Fatalf("stored %d and %d messages of %d", len(lazy), len(whole), n)
	}
	byID := map[string]model.Message{}
	for _, m := range whole {
		byID[m.ID] = m
	}
	withFiles := 0
	for _, m := range lazy {
		w := byID[m.ID]
		mb, _ := stores[0].Body(ctx, m.ID)
		wb, _ := stores[1].Body(ctx, m.ID)
		if len(wb.Attachments) > 0 {
			withFiles++
		}
		if diff := emailtest.SameReading(m, mb, w, wb); diff != "" {
			t.Errorf("%s (%q): %s", m.RemoteID, m.Subject, diff)
		}
	}
	t.Logf("%d messages read the same, %d of them with attachments", n, withFiles)
}

// A message whose raw form the Reader keeps (to read it again when a key comes) is fetched
// again whole: what is kept is the message, attachments included, never the parts put
// together.
func TestAMessageKeptRawIsFetchedWhole(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	shapes := emailtest.AttachmentShapes()
	raw := shapes["text and a file"]
	srv.Append(t, "alice", "INBOX", []byte(raw))
	acct := emailtest.Account(ca, srv, nil, "alice", "pw")
	var reads [][]byte
	acct.Reader = func(b []byte) (email.Reading, error) {
		reads = append(reads, b)
		p, err := mail.Parse(b)
		return email.Reading{Parsed: p, Blobs: map[string][]byte{email.RawBlob: b}}, err
	}
	r := newRepo(t)
	ctx := emailtest.Context(t, 20*time.Second)
	if err := (&imapsync.Syncer{Account: acct, Repo: r}).SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(reads) != 2 || len(reads[0]) >= len(raw)/4 || string(reads[1]) != raw {
		t.Fatalf("read %d times (%d bytes first); want the parts, then the whole message", len(reads), len(reads[0]))
	}
	m := folderMsgs(t, r, acct.ID, "INBOX")[0]
	kept, err := r.Attachment(ctx, m.ID, email.RawBlob)
	if err != nil || string(kept) != raw {
		t.Fatalf("kept %d bytes (%v), want the message's %d", len(kept), err, len(raw))
	}
}
