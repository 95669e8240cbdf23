package emailtest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"caliopen/wasm/model"
)

func randomBase64(seed uint64, n int) (raw []byte, encoded string) {
	rng := rand.New(rand.NewPCG(seed, 1))
	raw = make([]byte, n)
	for i := range raw {
		raw[i] = byte(rng.IntN(256))
	}
	var b strings.Builder
	enc := base64.StdEncoding.EncodeToString(raw)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return raw, b.String()
}

// AttachmentShapes are messages whose attachments are worth leaving on the server, in the
// shapes mail takes, and one whose attachment is too small to bother.
func AttachmentShapes() map[string]string {
	head := func(subject, ctype string) string {
		return "From: Bob <bob@example.test>\r\nTo: alice@example.test\r\nSubject: " + subject +
			"\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: " + ctype + "\r\n\r\n"
	}
	_, pdf := randomBase64(1, 30000)
	_, png := randomBase64(2, 12000)
	_, zip := randomBase64(3, 20000)
	_, small := randomBase64(4, 1500)
	inner := "From: carol@example.test\r\nSubject: forwarded\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("The forwarded text goes on.\r\n", 600)
	return map[string]string{
		"text and a file": head("text and a file", "multipart/mixed; boundary=\"=_b1\"") +
			"This is a message in MIME format.\r\n\r\n--=_b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHere is the report, caf=C3=A9 included.\r\n" +
			"--=_b1\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + pdf + "--=_b1--\r\n",
		"alternatives and two files": head("alternatives and two files", "multipart/mixed; boundary=outer") +
			"--outer\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n--rel\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n" +
			"--alt\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlain words.\r\n--alt\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n<p>Rich <b>words</b> <img src=\"cid:logo@x\"></p>\r\n--alt--\r\n" +
			"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n" + png + "--rel--\r\n" +
			"--outer\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename*=UTF-8''archive%20%C3%A9t%C3%A9.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + zip +
			"--outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nA footer after the files.\r\n--outer--\r\n",
		"only a file": head("only a file", "application/pdf; name=scan.pdf") + pdf,
		"a forwarded message": head("a forwarded message", "multipart/mixed; boundary=fw") +
			"--fw\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--fw\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "\r\n--fw--\r\n",
		"a text file attached": head("a text file attached", "multipart/mixed; boundary=tf") +
			"--tf\r\nContent-Type: text/plain\r\n\r\nThe log is attached.\r\n--tf\r\nContent-Type: text/plain; name=log.txt\r\nContent-Disposition: attachment; filename=log.txt\r\n\r\n" +
			strings.Repeat("2026-12-07 10:00:00 something happened\r\n", 400) + "--tf--\r\n",
		"a small file": head("a small file", "multipart/mixed; boundary=sm") +
			"--sm\r\nContent-Type: text/plain\r\n\r\nTiny.\r\n--sm\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" + small + "--sm--\r\n",
	}
}

// AboutTheSize: a size told by the structure is within 1 % (and 100 bytes) of the real one.
func AboutTheSize(got, want int64) bool {
	d := got - want
	if d < 0 {
		d = -d
	}
	return d <= 100+want/100
}

// SameReading says how a message and its body read differently from another reading of
// the same message (fetched whole, say); "" when they read the same.
func SameReading(m model.Message, mb model.Body, w model.Message, wb model.Body) string {
	switch {
	case m.Subject != w.Subject || !m.Date.Equal(w.Date) || m.MessageID != w.MessageID:
		return fmt.Sprintf("header read as %q %v %q, whole %q %v %q", m.Subject, m.Date, m.MessageID, w.Subject, w.Date, w.MessageID)
	case !slices.Equal(m.Participants, w.Participants):
		return fmt.Sprintf("participants %v, whole %v", m.Participants, w.Participants)
	case fmt.Sprint(m.Security) != fmt.Sprint(w.Security):
		return fmt.Sprintf("security %+v, whole %+v", m.Security, w.Security)
	case m.Snippet != w.Snippet || m.HasAttachments != w.HasAttachments:
		return fmt.Sprintf("snippet %q attachments %v, whole %q %v", m.Snippet, m.HasAttachments, w.Snippet, w.HasAttachments)
	case mb.Text != wb.Text || mb.HTML != wb.HTML:
		return fmt.Sprintf("text %q html %q, whole %q %q", mb.Text, mb.HTML, wb.Text, wb.HTML)
	case fmt.Sprint(mb.Notes) != fmt.Sprint(wb.Notes):
		return fmt.Sprintf("notes %v, whole %v", mb.Notes, wb.Notes)
	case len(mb.Attachments) != len(wb.Attachments):
		return fmt.Sprintf("attachments %+v, whole %+v", mb.Attachments, wb.Attachments)
	}
	for i, a := range mb.Attachments {
		if b := wb.Attachments[i]; !SameAttachment(a, b) {
			return fmt.Sprintf("attachment %+v, whole %+v", a, b)
		}
	}
	return ""
}

// SameAttachment says whether two readings name an attachment alike: its id, name, type,
// Content-ID and about its size (AboutTheSize).
func SameAttachment(a, b model.Attachment) bool {
	return a.ID == b.ID && a.Name == b.Name && a.ContentType == b.ContentType && a.ContentID == b.ContentID && AboutTheSize(a.Size, b.Size)
}
