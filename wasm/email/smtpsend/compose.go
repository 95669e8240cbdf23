package smtpsend

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/model"
)

// Attachment is a file sent with a message.
type Attachment struct {
	Name        string
	ContentType string // default application/octet-stream
	Data        []byte
}

// Draft is a message to compose.
type Draft struct {
	From          *gomail.Address
	To, Cc, Bcc   []*gomail.Address
	ReplyTo       []*gomail.Address
	Subject       string
	Text          string // the plain text body (always sent)
	HTML          string // optional; sent as the alternative to Text
	Attachments   []Attachment
	Parent        *model.Message // the message replied to, if any
	ExtraHeaders  map[string]string
	Date          time.Time // default now
	MessageIDHost string    // default the From address's domain
}

// Envelope is a composed message ready to submit: the outbox's payload.
type Envelope struct {
	MessageID string   `json:"messageId"` // with angle brackets
	From      string   `json:"from"`
	Rcpt      []string `json:"rcpt"` // To, Cc and Bcc (but those Copies reach)
	Raw       []byte   `json:"raw"`  // the RFC 5322 message, without Bcc
	// Copies are further messages of the same submission, each to its own recipients: an
	// encrypted message goes to each Bcc recipient as a copy encrypted to their key alone,
	// so that the others never see it.
	Copies []Copy `json:"copies,omitempty"`
	// Sent, when set, is the copy to file in the Sent folder instead of Raw: it names the
	// Bcc recipients.
	Sent []byte `json:"sent,omitempty"`
}

// Copy is one more message of a submission, to its own recipients.
type Copy struct {
	Rcpt []string `json:"rcpt"`
	Raw  []byte   `json:"raw"`
}

// SentCopy is the message to file in the Sent folder.
func (e *Envelope) SentCopy() []byte {
	if len(e.Sent) > 0 {
		return e.Sent
	}
	return e.Raw
}

// BccField is the Bcc header field naming bcc, for the copies that record them.
func BccField(bcc []*gomail.Address) []byte {
	var h gomail.Header
	h.SetAddressList("Bcc", bcc)
	var buf bytes.Buffer
	fields := h.Fields()
	for fields.Next() {
		raw, err := fields.Raw()
		if err != nil {
			return nil
		}
		buf.Write(raw)
	}
	return buf.Bytes()
}

// Marshal encodes an envelope as an outbox payload.
func (e *Envelope) Marshal() []byte { b, _ := json.Marshal(e); return b }

// UnmarshalEnvelope decodes an outbox payload.
func UnmarshalEnvelope(b []byte) (*Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("smtpsend: bad outbox payload: %w", err)
	}
	if e.From == "" || len(e.Rcpt) == 0 || len(e.Raw) == 0 {
		return nil, errors.New("smtpsend: outbox payload without sender, recipients or message")
	}
	return &e, nil
}

// NewMessageID returns "<random@host>".
func NewMessageID(host string) string {
	b := make([]byte, 16)
	rand.Read(b)
	if host == "" {
		host = "localhost"
	}
	return "<" + hex.EncodeToString(b) + "@" + host + ">"
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(d)
}

// ReplyHeaders returns In-Reply-To and References for a reply to parent: the parent's
// References (or, lacking them, its In-Reply-To) followed by the parent's Message-ID.
func ReplyHeaders(parent *model.Message) (inReplyTo string, references []string) {
	if parent == nil || parent.MessageID == "" {
		return "", nil
	}
	id := bracket(parent.MessageID)
	refs := parent.References
	if len(refs) == 0 && len(parent.InReplyTo) == 1 {
		refs = parent.InReplyTo
	}
	for _, r := range refs {
		references = append(references, bracket(r))
	}
	return id, append(references, id)
}

func bracket(id string) string {
	id = strings.TrimSpace(id)
	if !strings.HasPrefix(id, "<") {
		id = "<" + id + ">"
	}
	return id
}

func unbracket(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
}

// Recipients returns the addresses of To, Cc and Bcc, each once.
func (d *Draft) Recipients() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range [][]*gomail.Address{d.To, d.Cc, d.Bcc} {
		for _, a := range l {
			if k := strings.ToLower(a.Address); !seen[k] {
				seen[k] = true
				out = append(out, a.Address)
			}
		}
	}
	return out
}

// Compose writes a draft as a MIME message.
func Compose(d *Draft) (*Envelope, error) {
	if d.From == nil || !strings.Contains(d.From.Address, "@") {
		return nil, errors.New("smtpsend: no sender address")
	}
	if len(d.To)+len(d.Cc)+len(d.Bcc) == 0 {
		return nil, errors.New("smtpsend: no recipient")
	}
	date := d.Date
	if date.IsZero() {
		date = time.Now()
	}
	host := d.MessageIDHost
	if host == "" {
		host = domainOf(d.From.Address)
	}
	env := &Envelope{MessageID: NewMessageID(host), From: d.From.Address, Rcpt: d.Recipients()}
	var h gomail.Header
	h.SetDate(date)
	h.SetAddressList("From", []*gomail.Address{d.From})
	if len(d.To) > 0 {
		h.SetAddressList("To", d.To)
	}
	if len(d.Cc) > 0 {
		h.SetAddressList("Cc", d.Cc)
	}
	if len(d.ReplyTo) > 0 {
		h.SetAddressList("Reply-To", d.ReplyTo)
	}
	h.SetSubject(d.Subject)
	h.SetMessageID(unbracket(env.MessageID))
	if irt, refs := ReplyHeaders(d.Parent); irt != "" {
		h.SetMsgIDList("In-Reply-To", []string{unbracket(irt)})
		ids := make([]string, len(refs))
		for i, r := range refs {
			ids[i] = unbracket(r)
		}
		h.SetMsgIDList("References", ids)
	}
	h.Set("MIME-Version", "1.0")
	for k, v := range d.ExtraHeaders {
		h.Set(k, v)
	}
	var buf bytes.Buffer
	if err := writeBody(&buf, h, d); err != nil {
		return nil, fmt.Errorf("smtpsend: compose: %w", err)
	}
	env.Raw = buf.Bytes()
	if len(d.Bcc) > 0 { // the user's copy says who else got it
		env.Sent = append(BccField(d.Bcc), env.Raw...)
	}
	return env, nil
}

func textHeader(ctype string) gomail.InlineHeader {
	var ih gomail.InlineHeader
	ih.SetContentType(ctype, map[string]string{"charset": "utf-8"})
	ih.Set("Content-Transfer-Encoding", "quoted-printable")
	return ih
}

func writeInline(iw *gomail.InlineWriter, d *Draft) error {
	for _, p := range []struct{ ctype, body string }{{"text/plain", d.Text}, {"text/html", d.HTML}} {
		if p.ctype == "text/html" && p.body == "" {
			continue
		}
		w, err := iw.CreatePart(textHeader(p.ctype))
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return iw.Close()
}

func writeBody(buf *bytes.Buffer, h gomail.Header, d *Draft) error {
	if len(d.Attachments) == 0 {
		if d.HTML == "" {
			h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
			h.Set("Content-Transfer-Encoding", "quoted-printable")
			w, err := gomail.CreateSingleInlineWriter(buf, h)
			if err != nil {
				return err
			}
			if _, err := io.WriteString(w, d.Text); err != nil {
				return err
			}
			return w.Close()
		}
		iw, err := gomail.CreateInlineWriter(buf, h)
		if err != nil {
			return err
		}
		return writeInline(iw, d)
	}
	mw, err := gomail.CreateWriter(buf, h)
	if err != nil {
		return err
	}
	iw, err := mw.CreateInline()
	if err != nil {
		return err
	}
	if err := writeInline(iw, d); err != nil {
		return err
	}
	for _, a := range d.Attachments {
		var ah gomail.AttachmentHeader
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if mt, params, err := mime.ParseMediaType(ct); err == nil {
			switch strings.ToLower(params["charset"]) {
			case "", "utf-8", "us-ascii":
			default:
				// go-message writes only UTF-8 text parts; the bytes go unchanged, unlabelled.
				delete(params, "charset")
			}
			ah.SetContentType(mt, params)
		} else {
			ah.SetContentType("application/octet-stream", nil)
		}
		ah.SetFilename(a.Name)
		w, err := mw.CreateAttachment(ah)
		if err != nil {
			return err
		}
		if _, err := w.Write(a.Data); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return mw.Close()
}
