package imapsync

import (
	"bytes"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"

	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/mail"
)

// FuzzPartsPlan: for any message, the structure a server describes (go-imap's own) gives a
// plan or none, and a message put together from the parts the plan fetches either reads as
// the whole one does (its text, HTML and attachments by id) or is found not to fit (and is
// then fetched whole); nothing panics.
func FuzzPartsPlan(f *testing.F) {
	for _, raw := range emailtest.AttachmentShapes() { // shortened: the fuzzer mutates small inputs best
		f.Add([]byte(raw[:min(len(raw), 3000)]))
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nhi\r\n--a\r\nContent-Type: application/pdf\r\n\r\n" + string(bytes.Repeat([]byte("x"), 9000)) + "\r\n--a--\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		bs := imapserver.ExtractBodyStructure(bytes.NewReader(raw))
		plan := planParts(bs, 0) // any attachment, however small
		if plan == nil {
			return
		}
		buf := &imapclient.FetchMessageBuffer{UID: 1}
		for _, s := range plan.sections {
			buf.BodySection = append(buf.BodySection, imapclient.FetchBodySectionBuffer{Section: s,
				Bytes: imapserver.ExtractBodySection(bytes.NewReader(raw), &imap.FetchItemBodySection{Part: s.Part, Specifier: s.Specifier})})
		}
		skeleton, err := plan.assemble(buf)
		if err != nil {
			return
		}
		got, err := mail.Parse(skeleton)
		if err != nil || !plan.fits(&got.Body) {
			return
		}
		want, err := mail.Parse(raw)
		if err != nil {
			t.Fatalf("the parts read, the whole does not: %v", err)
		}
		if got.Body.Text != want.Body.Text || got.Body.HTML != want.Body.HTML {
			t.Fatalf("text %q html %q, whole %q %q", got.Body.Text, got.Body.HTML, want.Body.Text, want.Body.HTML)
		}
		if len(got.Body.Attachments) != len(want.Body.Attachments) {
			t.Fatalf("attachments %+v, whole %+v", got.Body.Attachments, want.Body.Attachments)
		}
		for i, a := range got.Body.Attachments {
			if w := want.Body.Attachments[i]; a.ID != w.ID || a.Name != w.Name || a.ContentType != w.ContentType {
				t.Fatalf("attachment %+v, whole %+v", a, w)
			}
		}
	})
}
