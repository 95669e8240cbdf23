package pgp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// entity is a MIME entity kept as received: its parsed header, the raw header bytes and the
// raw body bytes. RFC 3156 signatures cover a part exactly as transmitted, so the parts of a
// multipart are cut by hand from the raw bytes (go-message's multipart reader does not give
// the raw bytes back).
type entity struct {
	header    textproto.Header
	rawHeader []byte
	body      []byte
}

func readEntity(raw []byte) (*entity, error) {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, err
	}
	rest, _ := io.ReadAll(br)
	headerLen := len(raw) - len(rest)
	return &entity{header: h, rawHeader: raw[:headerLen], body: rest}, nil
}

// mediaType returns the entity's lower-case media type and its parameters.
func (e *entity) mediaType() (string, map[string]string) {
	v := e.header.Get("Content-Type")
	if v == "" {
		return "text/plain", map[string]string{}
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.SplitN(v, ";", 2)[0])), map[string]string{}
	}
	return t, params
}

// decodedBody returns the body with its Content-Transfer-Encoding undone.
func (e *entity) decodedBody() ([]byte, error) {
	var buf bytes.Buffer
	_ = textproto.WriteHeader(&buf, e.header)
	buf.Write(e.body)
	m, err := message.Read(&buf)
	if err != nil && m == nil {
		return nil, err
	}
	return io.ReadAll(m.Body)
}

var errNotMultipart = errors.New("pgp: the message is not a multipart")

// parts splits a multipart entity into its parts, each exactly as transmitted: from the line
// after a delimiter up to (not including) the line break before the next delimiter.
func (e *entity) parts() ([][]byte, error) {
	_, params := e.mediaType()
	b := params["boundary"]
	if b == "" {
		return nil, errNotMultipart
	}
	delim := regexp.MustCompile(`(?m)(?:^|\r?\n)--` + regexp.QuoteMeta(b) + `(--)?[ \t]*(?:\r?\n|$)`)
	var parts [][]byte
	start := -1
	for _, m := range delim.FindAllSubmatchIndex(e.body, -1) {
		if start >= 0 {
			parts = append(parts, e.body[start:m[0]])
		}
		if m[2] >= 0 { // closing delimiter
			return parts, nil
		}
		start = m[1]
	}
	if start >= 0 && start < len(e.body) { // no closing delimiter: keep what is there
		parts = append(parts, e.body[start:])
	}
	return parts, nil
}

// canonicalCRLF turns every line ending into CRLF, the canonical form signatures cover.
func canonicalCRLF(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
}

// Protected header fields (RFC 9788, and the older protected-headers="v1"), by what they
// say: what the message is (content), whom it went to (recipients), who wrote it (sender).
// protection decides which groups a message shows from inside its envelope.
var (
	contentFields = map[string]bool{"Subject": true, "Date": true, "Message-Id": true, "In-Reply-To": true,
		"References": true, "Followup-To": true, "Keywords": true, "Comments": true}
	recipientFields = map[string]bool{"To": true, "Cc": true, "Bcc": true}
	senderFields    = map[string]bool{"From": true, "Reply-To": true, "Sender": true}
)

// headerTrust says which groups of protected header fields replace the outer ones.
type headerTrust struct{ content, recipients, sender bool }

func (t headerTrust) any() bool { return t.content || t.recipients || t.sender }

func (t headerTrust) covers(field string) bool {
	return t.content && contentFields[field] || t.recipients && recipientFields[field] || t.sender && senderFields[field]
}

// isProtected says whether the entity carries protected headers.
func (e *entity) isProtected() bool {
	_, params := e.mediaType()
	return params["protected-headers"] == "v1" || params["hp"] != ""
}

// merge builds the readable message: the outer header without its MIME fields, then the
// inner entity. The inner entity's protected fields that trust covers replace the outer ones
// (the outer Subject is often a placeholder such as "..." or "Encrypted Message"); other
// inner fields are dropped but for the MIME ones, since unprotected inner headers mean
// nothing.
func merge(outer *entity, inner *entity, trust headerTrust) []byte {
	fromInner := map[string]bool{}
	for f := inner.header.Fields(); f.Next(); {
		if trust.covers(f.Key()) {
			fromInner[f.Key()] = true
		}
	}
	var buf bytes.Buffer
	for f := outer.header.Fields(); f.Next(); {
		k := f.Key()
		if isMIMEField(k) || fromInner[k] {
			continue
		}
		writeField(&buf, f)
	}
	buf.WriteString("MIME-Version: 1.0\r\n")
	for f := inner.header.Fields(); f.Next(); {
		if isMIMEField(f.Key()) || fromInner[f.Key()] {
			writeField(&buf, f)
		}
	}
	buf.WriteString("\r\n")
	buf.Write(inner.body)
	return buf.Bytes()
}

func isMIMEField(k string) bool {
	return strings.HasPrefix(k, "Content-") || k == "Mime-Version"
}

func writeField(buf *bytes.Buffer, f textproto.HeaderFields) {
	if raw, err := f.Raw(); err == nil {
		buf.Write(raw)
		return
	}
	buf.WriteString(f.Key() + ": " + f.Value() + "\r\n")
}
