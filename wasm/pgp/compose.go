package pgp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Outgoing is a message to send or keep as a draft.
type Outgoing struct {
	From   *mail.Address
	To, Cc []*mail.Address
	// Bcc are written in the protected headers only, for whoever may know them: a Bcc
	// recipient's own copy names them alone, the user's copy names them all.
	Bcc                   []*mail.Address
	Subject               string
	Date                  time.Time
	MessageID             string // without angle brackets; generated when empty
	InReplyTo, References []string
	Text                  string
	HTML                  string // optional alternative to Text
	Attachments           []Attachment
	// Autocrypt is the value of the outer Autocrypt header ("" for none).
	Autocrypt string
	// Gossip are Autocrypt-Gossip values written inside the encrypted payload.
	Gossip []string
}

// Recipients returns the addresses of To, Cc and Bcc.
func (m *Outgoing) Recipients() []string {
	var out []string
	for _, l := range [][]*mail.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range l {
			out = append(out, normAddr(a.Address))
		}
	}
	return out
}

// messageHeader writes the fields both the outer and the protected inner header carry.
// go-message writes the fields last added first, so they are added bottom-up: From ends on
// top, fields added before this call end below.
func (m *Outgoing) messageHeader(h *mail.Header, subject string) {
	if len(m.References) > 0 {
		h.SetMsgIDList("References", m.References)
	}
	if len(m.InReplyTo) > 0 {
		h.SetMsgIDList("In-Reply-To", m.InReplyTo)
	}
	h.SetMessageID(m.MessageID)
	h.SetDate(m.Date)
	h.SetSubject(subject)
	if len(m.Cc) > 0 {
		h.SetAddressList("Cc", m.Cc)
	}
	if len(m.To) > 0 {
		h.SetAddressList("To", m.To)
	}
	h.SetAddressList("From", []*mail.Address{m.From})
}

func (m *Outgoing) fillDefaults() error {
	if m.From == nil {
		return fmt.Errorf("pgp: the message has no sender")
	}
	if m.Date.IsZero() {
		m.Date = timeNow()
	}
	if m.MessageID == "" {
		m.MessageID = newMessageID(m.From.Address)
	}
	return nil
}

// newMessageID makes a random Message-ID on the sender's domain, so that it names neither
// the device nor the software.
func newMessageID(from string) string {
	domain := "localhost"
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		domain = from[i+1:]
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:]) + "@" + domain
}

// content writes the message's MIME content (text, HTML, attachments) under header h, which
// holds the extra fields of the content's root (protected headers, gossip).
func (m *Outgoing) content(h message.Header, contentParams map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	textType := "text/plain"
	if len(m.Attachments) == 0 && m.HTML == "" {
		h.SetContentType(textType, withParams(contentParams, map[string]string{"charset": "utf-8"}))
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		w, err := message.CreateWriter(&buf, h)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, m.Text); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return canonicalCRLF(buf.Bytes()), nil
	}
	h.SetContentType("multipart/mixed", contentParams)
	root, err := message.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	if err := m.writeText(root); err != nil {
		return nil, err
	}
	for _, a := range m.Attachments {
		if err := writeAttachment(root, a); err != nil {
			return nil, err
		}
	}
	if err := root.Close(); err != nil {
		return nil, err
	}
	return canonicalCRLF(buf.Bytes()), nil
}

func (m *Outgoing) writeText(root *message.Writer) error {
	parent := root
	if m.HTML != "" {
		var h message.Header
		h.SetContentType("multipart/alternative", nil)
		alt, err := root.CreatePart(h)
		if err != nil {
			return err
		}
		defer alt.Close()
		parent = alt
	}
	if err := writeTextPart(parent, "text/plain", m.Text); err != nil {
		return err
	}
	if m.HTML != "" {
		return writeTextPart(parent, "text/html", m.HTML)
	}
	return nil
}

func writeTextPart(parent *message.Writer, mediaType, text string) error {
	var h message.Header
	h.SetContentType(mediaType, map[string]string{"charset": "utf-8"})
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	w, err := parent.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, text); err != nil {
		return err
	}
	return w.Close()
}

func writeAttachment(parent *message.Writer, a Attachment) error {
	var h message.Header
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.SetContentType(ct, map[string]string{"name": a.Name})
	h.SetContentDisposition("attachment", map[string]string{"filename": a.Name})
	h.Set("Content-Transfer-Encoding", "base64")
	w, err := parent.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := w.Write(a.Data); err != nil {
		return err
	}
	return w.Close()
}

func withParams(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// headerBytes formats a header block (fields and the empty line).
func headerBytes(h message.Header) []byte {
	var buf bytes.Buffer
	w, _ := message.CreateWriter(&buf, h)
	_ = w.Close()
	return buf.Bytes()
}
