package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"caliopen/wasm/model"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // the charsets mail uses beyond UTF-8 and ASCII
	"github.com/emersion/go-message/mail"
)

// Limits keep a hostile message from exhausting memory or time.
const (
	maxDepth     = 20
	maxParts     = 500
	maxTextBytes = 4 << 20
	snippetRunes = 200
)

// Parsed is a message read from its raw form.
type Parsed struct {
	Message model.Message // metadata; the caller sets AccountID, RemoteID, Folder, ID
	Body    model.Body
	// Auth holds every Authentication-Results result, top-most header first. Trust only those
	// whose AuthServID is the user's own receiving server.
	Auth []AuthResult
	// Hops are the Received headers, newest (top-most) first.
	Hops []Hop
	// Autocrypt and AutocryptGossip are the raw values of those headers.
	Autocrypt []string
	HTML      HTMLReport
	// PGP facts seen in the structure (before any decryption).
	PGPEncrypted bool // multipart/encrypted (RFC 3156) or an inline PGP message
	PGPSigned    bool // multipart/signed with application/pgp-signature, or inline signed
	// AttachmentData holds each attachment's decoded bytes by attachment id, filled only by
	// ParseKeepingAttachments.
	AttachmentData map[string][]byte
}

// ErrUnreadable is returned when not even the message's header could be read.
var ErrUnreadable = errors.New("mail: the message header cannot be read")

// Parse reads a raw message. A broken or RFC-violating message yields what could be read and
// notes in Body.Notes; only a message without a readable header is an error.
func Parse(raw []byte) (p *Parsed, err error) { return parse(raw, false) }

// ParseKeepingAttachments is Parse that also keeps every attachment's decoded bytes in
// Parsed.AttachmentData: for content no server can give back part by part later (the
// attachments of a decrypted message).
func ParseKeepingAttachments(raw []byte) (*Parsed, error) { return parse(raw, true) }

func parse(raw []byte, keep bool) (p *Parsed, err error) {
	defer func() {
		if r := recover(); r != nil { // a parser bug must never take the core down
			p, err = nil, fmt.Errorf("%w: %v", ErrUnreadable, r)
		}
	}()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		if e == nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
	}
	p = &Parsed{}
	if err != nil {
		p.addNote(unknownNote(err))
	}
	h := mail.Header{Header: e.Header}
	p.readHeader(h)
	w := walker{p: p, keep: keep}
	w.entity(e, "1", 0)
	p.Body.Text = strings.Join(w.text, "\n\n")
	p.Body.HTML = strings.Join(w.html, "\n<hr>\n")
	p.finish(raw)
	return p, nil
}

// unknownNote says that a part uses a character set or a transfer encoding not known here.
func unknownNote(err error) model.BodyNote {
	if message.IsUnknownCharset(err) {
		return note("part.unknown-charset", "Part of this message uses an unknown character set; it is shown undecoded.")
	}
	return note("part.unknown-encoding", "Part of this message uses an unknown transfer encoding; it is shown undecoded.")
}

// damagedNote says that a part could not be read whole.
func damagedNote(err error) model.BodyNote {
	detail := shortErr(err)
	return note("part.damaged", "A part of this message is damaged ("+detail+"); what could be read is shown.", "detail", detail)
}

func (p *Parsed) readHeader(h mail.Header) {
	m := &p.Message
	m.Network = model.Email
	roles := []struct {
		key  string
		role model.Role
	}{{"From", model.RoleFrom}, {"To", model.RoleTo}, {"Cc", model.RoleCc}, {"Bcc", model.RoleBcc}, {"Reply-To", model.RoleReplyTo}}
	seen := map[string]bool{}
	for _, r := range roles {
		addrs, malformed := addressList(&h, r.key)
		if malformed {
			p.addNote(note("header.malformed", "The "+r.key+" header is malformed; the addresses in it were read as well as possible.", "header", r.key))
		}
		for _, a := range addrs {
			if a.Address == "" {
				continue
			}
			uri := model.NewIdentityURI(model.Email, a.Address)
			k := string(r.role) + "|" + string(uri)
			if seen[k] {
				continue
			}
			seen[k] = true
			m.Participants = append(m.Participants, model.Participant{URI: uri, Role: r.role, Name: a.Name})
		}
	}
	if m.From() == "" {
		if addrs, _ := addressList(&h, "Sender"); len(addrs) > 0 {
			m.Participants = append(m.Participants, model.Participant{URI: model.NewIdentityURI(model.Email, addrs[0].Address), Role: model.RoleFrom, Name: addrs[0].Name})
		} else {
			p.addNote(note("sender.missing", "This message names no sender."))
		}
	}
	if subj, err := h.Subject(); err == nil {
		m.Subject = subj
	} else {
		m.Subject = h.Get("Subject")
	}
	if d, err := parseDate(h); err == nil && !d.IsZero() {
		m.Date = d
	} else if h.Get("Date") != "" {
		date := truncate(h.Get("Date"), 60)
		p.addNote(note("date.unreadable", fmt.Sprintf("The message's date (%q) cannot be read.", date), "date", date))
	}
	if id, err := h.MessageID(); err == nil && id != "" {
		m.MessageID = id
	} else if raw := strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>"); raw != "" {
		m.MessageID = raw
	}
	m.InReplyTo = msgIDs(&h, "In-Reply-To")
	m.References = msgIDs(&h, "References")
	if l := h.Get("List-Id"); l != "" {
		m.ListID = listID(l)
		m.Participants = append(m.Participants, model.Participant{URI: model.IdentityURI("list:" + m.ListID), Role: model.RoleList})
	}
	for _, v := range h.Values("Authentication-Results") {
		p.Auth = append(p.Auth, parseAuthResults(v)...)
	}
	for _, v := range h.Values("Received") {
		p.Hops = append(p.Hops, parseReceived(v))
	}
	p.Autocrypt = h.Values("Autocrypt")
	if m.Date.IsZero() && len(h.Values("Received")) > 0 {
		// The top Received header ends with the date the user's server got the message.
		r := h.Values("Received")[0]
		if i := strings.LastIndexByte(r, ';'); i >= 0 {
			if d, err := netmail.ParseDate(strings.TrimSpace(r[i+1:])); err == nil {
				m.Date = d
			}
		}
	}
}

// parseDate reads the Date header. Most mail writes it as RFC 5322 section 3.3 recommends,
// the layout net/mail.ParseDate tries among its last ones (after a failed parse each): that
// one first.
func parseDate(h mail.Header) (time.Time, error) {
	if d, err := time.Parse(time.RFC1123Z, h.Get("Date")); err == nil {
		return d, nil
	}
	return h.Date()
}

// walker visits the MIME tree.
type walker struct {
	p     *Parsed
	keep  bool // keep attachment bytes in p.AttachmentData
	parts int
	text  []string
	html  []string
}

func (w *walker) entity(e *message.Entity, path string, depth int) {
	w.parts++
	if w.parts > maxParts {
		w.p.addNote(note("parts.too-many", fmt.Sprintf("This message has more than %d parts; the rest are not shown.", maxParts), "max", fmt.Sprint(maxParts)))
		return
	}
	if depth > maxDepth {
		w.p.addNote(note("parts.too-deep", "This message nests parts too deeply; the innermost are not shown."))
		return
	}
	ctype, params, err := e.Header.ContentType()
	if err != nil || ctype == "" {
		ctype, params = "text/plain", map[string]string{"charset": "us-ascii"}
	}
	ctype = strings.ToLower(ctype)
	if mr := e.MultipartReader(); mr != nil {
		w.multipart(e, mr, ctype, params, path, depth)
		return
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	isAttachment := strings.EqualFold(disp, "attachment") || (filename != "" && !strings.HasPrefix(ctype, "text/"))
	isText := !isAttachment && (ctype == "text/plain" || ctype == "text/html")
	if ctype == "application/pgp-encrypted" || ctype == "application/pgp-signature" {
		return // the control parts of RFC 3156 structures
	}
	if !isText { // an attachment: only its size is kept (its bytes are fetched when opened)
		if filename == "" {
			filename = defaultName(ctype, path)
		}
		var size int64
		var readErr error
		switch {
		case e.Body != nil && w.keep: // decrypted mail: the server cannot give these bytes back
			var data []byte
			data, readErr = io.ReadAll(e.Body)
			size = int64(len(data))
			if w.p.AttachmentData == nil {
				w.p.AttachmentData = map[string][]byte{}
			}
			w.p.AttachmentData[path] = data
		case e.Body != nil:
			size, readErr = io.Copy(io.Discard, e.Body)
		}
		if readErr != nil {
			w.p.addNote(damagedNote(readErr))
		}
		w.p.Body.Attachments = append(w.p.Body.Attachments, model.Attachment{
			ID: path, Name: filename, ContentType: ctype, Size: size, ContentID: ContentID(e.Header.Get("Content-Id")),
		})
		return
	}
	body, readErr := io.ReadAll(io.LimitReader(e.Body, maxTextBytes+1))
	if readErr != nil {
		w.p.addNote(damagedNote(readErr))
	}
	if len(body) > maxTextBytes {
		body = body[:maxTextBytes]
		w.p.addNote(note("text.cut", fmt.Sprintf("A text part is larger than %d MB and was cut.", maxTextBytes>>20), "mb", fmt.Sprint(maxTextBytes>>20)))
	}
	switch ctype {
	case "text/plain":
		text := strings.ReplaceAll(toValidUTF8(body), "\r\n", "\n")
		if strings.EqualFold(params["format"], "flowed") {
			text = decodeFlowed(text, strings.EqualFold(params["delsp"], "yes"))
		}
		if strings.Contains(text, "-----BEGIN PGP MESSAGE-----") {
			w.p.PGPEncrypted = true
		}
		if strings.Contains(text, "-----BEGIN PGP SIGNED MESSAGE-----") {
			w.p.PGPSigned = true
		}
		w.text = append(w.text, strings.TrimRight(text, "\n"))
	case "text/html":
		safe, rep := SanitizeHTML(toValidUTF8(body))
		w.p.HTML.RemoteBlocked += rep.RemoteBlocked
		w.p.HTML.Trackers += rep.Trackers
		w.p.HTML.TrackerHosts = append(w.p.HTML.TrackerHosts, rep.TrackerHosts...)
		w.html = append(w.html, safe)
	}
}

func (w *walker) multipart(e *message.Entity, mr message.MultipartReader, ctype string, params map[string]string, path string, depth int) {
	switch ctype {
	case "multipart/encrypted":
		if strings.EqualFold(params["protocol"], "application/pgp-encrypted") {
			w.p.PGPEncrypted = true
		}
	case "multipart/signed":
		if strings.EqualFold(params["protocol"], "application/pgp-signature") {
			w.p.PGPSigned = true
		}
	}
	alternative := ctype == "multipart/alternative"
	var alts []*walker
	for i := 1; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if part == nil {
				part := fmt.Sprintf("%s.%d", path, i-1)
				w.p.addNote(note("structure.broken", "The structure of this message is broken after part "+part+"; later parts are missing.", "part", part))
				break
			}
			w.p.addNote(unknownNote(err))
		}
		child := path + "." + fmt.Sprint(i)
		if alternative {
			sub := &walker{p: w.p, keep: w.keep, parts: w.parts}
			sub.entity(part, child, depth+1)
			w.parts = sub.parts
			alts = append(alts, sub)
			continue
		}
		w.entity(part, child, depth+1)
	}
	if alternative {
		// Alternatives come simplest first: keep the first plain text and the last HTML.
		var text, html []string
		for _, a := range alts {
			if len(a.text) > 0 && text == nil {
				text = a.text
			}
			if len(a.html) > 0 {
				html = a.html
			}
		}
		w.text = append(w.text, text...)
		w.html = append(w.html, html...)
	}
}

func (p *Parsed) finish(raw []byte) {
	m := &p.Message
	m.Size = int64(len(raw))
	m.HasAttachments = len(p.Body.Attachments) > 0
	text := p.Body.Text
	if text == "" && p.Body.HTML != "" {
		text = HTMLToText(p.Body.HTML)
	}
	if p.PGPEncrypted && text == "" {
		text = "Encrypted message"
	}
	m.Snippet = snippet(text)
	if len(p.Hops) > 0 || len(p.Auth) > 0 || p.HTML.RemoteBlocked > 0 {
		m.Mail = &model.MailFacts{Hops: p.Hops, Auth: p.Auth, RemoteBlocked: p.HTML.RemoteBlocked,
			Trackers: p.HTML.Trackers, TrackerHosts: p.HTML.TrackerHosts}
	}
}

// snippet is the first words of a text, quoted lines and signature left out.
func snippet(text string) string {
	var b strings.Builder
	for line := range strings.Lines(text) { // not Split: only the first lines are read
		l := strings.TrimSpace(line)
		if l == "--" || l == "-- " {
			break
		}
		if l == "" || strings.HasPrefix(l, ">") {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.Fields(l), " "))
		if utf8.RuneCountInString(b.String()) >= snippetRunes {
			break
		}
	}
	s := b.String()
	if utf8.RuneCountInString(s) > snippetRunes {
		s = string([]rune(s)[:snippetRunes-1]) + "…"
	}
	return s
}

func toValidUTF8(b []byte) string {
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func defaultName(ctype, path string) string {
	exts, _ := mime.ExtensionsByType(ctype)
	ext := ".bin"
	if len(exts) > 0 {
		ext = exts[0]
	}
	if ctype == "message/rfc822" {
		ext = ".eml"
	}
	return "part-" + path + ext
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func shortErr(err error) string { return truncate(err.Error(), 80) }
