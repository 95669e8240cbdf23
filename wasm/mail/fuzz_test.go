package mail

import (
	"os"
	"testing"
)

// FuzzParse: any input yields a result or an error, never a panic, and never HTML with script.
func FuzzParse(f *testing.F) {
	for _, p := range corpusFiles(f)[:40] {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<script>x</script>\r\n--x--"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw)
		if err != nil {
			return
		}
		if p == nil {
			t.Fatal("nil result without error")
		}
		if r := unsafeReason(p.Body.HTML); r != "" {
			t.Fatalf("unsafe HTML kept (%s): %q", r, p.Body.HTML)
		}
		// Keeping the attachments finds the same ones, each with as many bytes as listed.
		k, err := ParseKeepingAttachments(raw)
		if err != nil || len(k.Body.Attachments) != len(p.Body.Attachments) {
			t.Fatalf("keeping attachments: %v, %d vs %d attachments", err, len(k.Body.Attachments), len(p.Body.Attachments))
		}
		for _, a := range k.Body.Attachments {
			if d, ok := k.AttachmentData[a.ID]; !ok || int64(len(d)) != a.Size {
				t.Fatalf("attachment %s: %d bytes kept, %d listed", a.ID, len(d), a.Size)
			}
		}
	})
}

func TestParseKeepingAttachments(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--x\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n--x--\r\n"
	p, err := ParseKeepingAttachments([]byte(raw))
	if err != nil || len(p.Body.Attachments) != 1 || string(p.AttachmentData[p.Body.Attachments[0].ID]) != "%PDF-1.4" {
		t.Fatalf("%v %+v %q", err, p.Body.Attachments, p.AttachmentData)
	}
	if plain, _ := Parse([]byte(raw)); plain.AttachmentData != nil {
		t.Fatal("Parse kept attachment bytes")
	}
}

// FuzzSanitizeHTML: the output never contains script or event handlers.
func FuzzSanitizeHTML(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, _ := SanitizeHTML(in)
		if r := unsafeReason(out); r != "" {
			t.Fatalf("%q → %q: %s", in, out, r)
		}
	})
}

// FuzzHeaders: the hand-written header readers never panic.
func FuzzHeaders(f *testing.F) {
	f.Add("mx.example.org; dkim=pass header.d=x; spf=fail")
	f.Add("from a (b [1.2.3.4]) (using TLSv1.3 with cipher X) by c with ESMTPS; date")
	f.Add("Text \r\n> q \r\nmore")
	f.Fuzz(func(t *testing.T, v string) {
		parseAuthResults(v)
		parseReceived(v)
		decodeFlowed(v, true)
		listID(v)
		snippet(v)
	})
}
