//go:build !js

package peertest

import (
	"bytes"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/smtpsend"
)

// Dovecot serves one part of a message (BODY[n.MIME], BODY[n]) for an attachment on demand.
func TestDovecotAttachmentOnDemand(t *testing.T) {
	p := emailtest.StartPeers(t, "")
	ctx := emailtest.Context(t, 20*time.Second)
	data := bytes.Repeat([]byte{0, 1, 2, 255, '\r', '\n', 'x'}, 5000)
	env, err := smtpsend.Compose(&smtpsend.Draft{From: &gomail.Address{Address: "alice@example.test"}, To: []*gomail.Address{{Address: "bob@example.test"}},
		Subject: "file", Text: "here", HTML: "<p>here</p>", Attachments: []smtpsend.Attachment{{Name: "x.bin", Data: data}}})
	if err != nil {
		t.Fatal(err)
	}
	p.Save(t, "bob", "INBOX", env.Raw)
	bob := p.Account(t, "bob")
	r := newRepo(t)
	s := &imapsync.Syncer{Account: bob, Repo: r}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	m := inbox(t, r, bob.ID)[0]
	body, _ := r.Body(ctx, m.ID)
	if len(body.Attachments) != 1 {
		t.Fatalf("%+v", body.Attachments)
	}
	got, err := s.Attachment(ctx, m.ID, body.Attachments[0].ID)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}
