//go:build !js

package imapsync_test

import (
	"bytes"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/smtpsend"
)

// An attachment's bytes are fetched on demand (only that part), decoded and kept offline.
func TestAttachmentOnDemand(t *testing.T) {
	ca := emailtest.NewCA(t)
	srv := emailtest.StartIMAP(t, ca, "alice", "pw")
	data := bytes.Repeat([]byte{0, 1, 2, 250, 251, 252, '\n', '\r'}, 1000)
	env, err := smtpsend.Compose(&smtpsend.Draft{From: &gomail.Address{Address: "bob@example.test"}, To: []*gomail.Address{{Address: "alice@example.test"}},
		Subject: "with file", Text: "see attached", HTML: "<p>see attached</p>",
		Attachments: []smtpsend.Attachment{{Name: "a.bin", Data: data}, {Name: "b.txt", ContentType: "text/plain; charset=iso-8859-1", Data: []byte("caf\xe9")}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Append(t, "alice", "INBOX", env.Raw)
	acct, r, s, ctx := syncOnce(t, ca, srv)
	m := folderMsgs(t, r, acct.ID, "INBOX")[0]
	body, _ := r.Body(ctx, m.ID)
	if len(body.Attachments) != 2 {
		t.Fatalf("attachments %+v", body.Attachments)
	}
	for i, want := range [][]byte{data, []byte("caf\xe9")} {
		got, err := s.Attachment(ctx, m.ID, body.Attachments[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("attachment %s: %d bytes, want %d", body.Attachments[i].ID, len(got), len(want))
		}
	}
	// Offline now: served from the store.
	acct.Settings.IMAP.Port = 1
	if got, err := s.Attachment(ctx, m.ID, body.Attachments[0].ID); err != nil || !bytes.Equal(got, data) {
		t.Fatal(err)
	}
}
