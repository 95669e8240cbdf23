package smtpsend_test

import (
	"strings"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

func TestComposeReplyWithHTMLAndAttachment(t *testing.T) {
	parent := &model.Message{MessageID: "<p2@example.org>", References: []string{"<p0@example.org>", "<p1@example.org>"}}
	env, err := smtpsend.Compose(&smtpsend.Draft{
		From:    &gomail.Address{Name: "Alice Liddell", Address: "alice@example.test"},
		To:      []*gomail.Address{{Name: "Bob", Address: "bob@example.org"}},
		Cc:      []*gomail.Address{{Address: "carol@example.org"}},
		Bcc:     []*gomail.Address{{Address: "dave@example.org"}, {Address: "Bob@example.org"}},
		ReplyTo: []*gomail.Address{{Address: "alice+replies@example.test"}},
		Subject: "Re: café ☕",
		Text:    "Plain text",
		HTML:    "<p>Rich <b>text</b></p>",
		Attachments: []smtpsend.Attachment{
			{Name: "notes.txt", ContentType: "text/plain", Data: []byte("attached")},
		},
		Parent: parent,
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := string(env.Raw)
	if !strings.HasSuffix(env.MessageID, "@example.test>") || len(env.Rcpt) != 3 || strings.Contains(raw, "dave@") {
		t.Fatalf("envelope %+v", env)
	}
	p, err := mail.Parse(env.Raw)
	if err != nil {
		t.Fatal(err)
	}
	m := p.Message
	if m.Subject != "Re: café ☕" || m.MessageID == "" || !strings.Contains(env.MessageID, m.MessageID) {
		t.Fatalf("parsed %+v", m)
	}
	if len(m.InReplyTo) != 1 || !strings.Contains(m.InReplyTo[0], "p2@example.org") {
		t.Fatalf("In-Reply-To %v", m.InReplyTo)
	}
	if got := strings.Join(m.References, " "); !strings.Contains(got, "p0@example.org") || !strings.HasSuffix(strings.Trim(got, "<>"), "p2@example.org") || len(m.References) != 3 {
		t.Fatalf("References %v", m.References)
	}
	if !strings.Contains(p.Body.Text, "Plain text") || !strings.Contains(p.Body.HTML, "Rich") {
		t.Fatalf("body %+v", p.Body)
	}
	if len(p.Body.Attachments) != 1 || p.Body.Attachments[0].Name != "notes.txt" {
		t.Fatalf("attachments %+v", p.Body.Attachments)
	}
	for _, h := range []string{"Date: ", "Reply-To: <alice+replies@example.test>", "Mime-Version: 1.0", "multipart/mixed", "multipart/alternative"} {
		if !strings.Contains(raw, h) {
			t.Fatalf("no %q in\n%s", h, raw)
		}
	}
	// The Sent copy is the same message naming the blind copies.
	sent, err := mail.Parse(env.SentCopy())
	if err != nil || !strings.HasSuffix(string(env.SentCopy()), raw) {
		t.Fatalf("sent copy: %v\n%s", err, env.SentCopy())
	}
	var bcc []string
	for _, p := range sent.Message.Participants {
		if p.Role == model.RoleBcc {
			bcc = append(bcc, p.URI.Address())
		}
	}
	if strings.Join(bcc, " ") != "dave@example.org bob@example.org" {
		t.Fatalf("Bcc of the Sent copy: %v", bcc)
	}
}

func TestReplyHeadersFromInReplyTo(t *testing.T) {
	irt, refs := smtpsend.ReplyHeaders(&model.Message{MessageID: "b@x", InReplyTo: []string{"a@x"}})
	if irt != "<b@x>" || strings.Join(refs, " ") != "<a@x> <b@x>" {
		t.Fatal(irt, refs)
	}
}

func TestComposeTextOnly(t *testing.T) {
	env, err := smtpsend.Compose(&smtpsend.Draft{From: &gomail.Address{Address: "a@example.test"}, To: []*gomail.Address{{Address: "b@example.test"}}, Subject: "hi", Text: "just text"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(env.Raw), "Content-Type: text/plain") || strings.Contains(string(env.Raw), "multipart") {
		t.Fatalf("%s", env.Raw)
	}
}
