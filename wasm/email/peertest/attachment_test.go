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
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
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

// With Dovecot as with go-imap's server, a message's attachments stay on the server until
// opened: the first sync reads each message as it reads fetched whole, and opening an
// attachment gives its exact bytes.
func TestDovecotLeavesAttachmentsOnTheServer(t *testing.T) {
	p := emailtest.StartPeers(t, "")
	ctx := emailtest.Context(t, 30*time.Second)
	shapes := emailtest.AttachmentShapes()
	for _, raw := range shapes {
		p.Save(t, "bob", "INBOX", []byte(raw))
	}
	bob := p.Account(t, "bob")
	lazy, whole := newRepo(t), newRepo(t)
	s := &imapsync.Syncer{Account: bob, Repo: lazy}
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := (&imapsync.Syncer{Account: bob, Repo: whole, WholeMessages: true}).SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	wholeMsgs := map[string]model.Message{}
	for _, m := range inbox(t, whole, bob.ID) {
		wholeMsgs[m.ID] = m
	}
	got := inbox(t, lazy, bob.ID)
	if len(got) != len(shapes) || len(wholeMsgs) != len(shapes) {
		t.Fatalf("%d and %d messages of %d", len(got), len(wholeMsgs), len(shapes))
	}
	for _, m := range got {
		lb, _ := lazy.Body(ctx, m.ID)
		wb, _ := whole.Body(ctx, m.ID)
		if diff := emailtest.SameReading(m, lb, wholeMsgs[m.ID], wb); diff != "" {
			t.Errorf("%q: %s", m.Subject, diff)
		}
		want, _ := mail.ParseKeepingAttachments([]byte(shapes[m.Subject]))
		for _, a := range lb.Attachments {
			data, err := s.Attachment(ctx, m.ID, a.ID)
			if err != nil || !bytes.Equal(data, want.AttachmentData[a.ID]) {
				t.Errorf("%q: attachment %s: %d bytes (%v), want %d", m.Subject, a.ID, len(data), err, len(want.AttachmentData[a.ID]))
			}
		}
	}
}
