package imapsync

// Messages with attachments are fetched without them. The BODYSTRUCTURE the server gives with
// the sizes says which parts are text; the message's header, every part's MIME header and the
// text parts are fetched, and the message is put together again with its attachments empty,
// so that the parser (through the account's Reader) sees every part where it was and names
// each attachment as it would have. Their sizes come from the structure, and their bytes when
// opened (Syncer.Attachment fetches the part alone). A first sync thus moves a mailbox's text,
// not its files: mail clients that keep mail offline (mbsync, Thunderbird) copy everything,
// which is what makes their first sync of a real mailbox long and heavy on a phone's data.
//
// A message is fetched whole when taking it apart gains little (its attachments are small) or
// could change what it says: OpenPGP structures (a signature covers the exact bytes, an
// encrypted part is needed whole), an Autocrypt Setup Message (kept whole for its key), a
// structure without boundaries. A message whose parsed parts do not match the structure the
// server described (a broken one, read differently) is fetched again whole (convertBatch).

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/model"
)

const (
	// lazyMinBytes is the least size of a message's attachments for it to be fetched in parts.
	lazyMinBytes = 8 << 10
	// lazyMaxParts bounds the sections asked for one message.
	lazyMaxParts = 64
)

// partsPlan is how a message with attachments is fetched: which sections, and what each
// skipped part is.
type partsPlan struct {
	root     imap.BodyStructure
	sections []*imap.FetchItemBodySection // the header, each part's MIME header, the text parts
	key      string                       // the sections, written out: messages alike share a FETCH
	// skipped are the attachments left on the server, by attachment id (mail.Parse's "1.2"),
	// with their decoded size as far as the structure tells.
	skipped map[string]int64
}

// planParts returns how to fetch a message of this structure in parts, or nil when it is
// better fetched whole (among others, when its attachments make less than minBytes).
func planParts(bs imap.BodyStructure, minBytes int64) *partsPlan {
	p := &partsPlan{root: bs, skipped: map[string]int64{},
		sections: []*imap.FetchItemBodySection{{Peek: true, Specifier: imap.PartSpecifierHeader}}}
	var skippedBytes int64
	switch root := bs.(type) {
	case *imap.BodyStructureSinglePart:
		if isTextPart(root) || !lazyLeaf(root) {
			return nil
		}
		p.skipped["1"] = decodedSize(root) // a message that is one file
		skippedBytes = int64(root.Size)
	case *imap.BodyStructureMultiPart:
		ok := true
		root.Walk(func(path []int, part imap.BodyStructure) bool {
			switch part := part.(type) {
			case *imap.BodyStructureMultiPart:
				sub := strings.ToLower(part.Subtype)
				ok = ok && sub != "signed" && sub != "encrypted" && part.Extended != nil && part.Extended.Params["boundary"] != ""
			case *imap.BodyStructureSinglePart:
				switch {
				case !lazyLeaf(part):
					ok = false
				case isTextPart(part):
					p.sections = append(p.sections, &imap.FetchItemBodySection{Peek: true, Part: path})
				default:
					p.skipped[attachmentID(path)] = decodedSize(part)
					skippedBytes += int64(part.Size)
				}
			}
			if len(path) > 0 {
				p.sections = append(p.sections, &imap.FetchItemBodySection{Peek: true, Part: path, Specifier: imap.PartSpecifierMIME})
			}
			return ok
		})
		if !ok {
			return nil
		}
	default:
		return nil
	}
	if skippedBytes < minBytes || len(p.sections) > lazyMaxParts {
		return nil
	}
	// The sections come in the structure's order: messages of the same shape have the same key.
	var key strings.Builder
	for _, s := range p.sections {
		key.WriteString(sectionName(s))
		key.WriteByte(' ')
	}
	p.key = key.String()
	return p
}

// sectionName writes a section as IMAP does ("1.2.MIME", "HEADER").
func sectionName(s *imap.FetchItemBodySection) string {
	var parts []string
	for _, n := range s.Part {
		parts = append(parts, strconv.Itoa(n))
	}
	if s.Specifier != imap.PartSpecifierNone {
		parts = append(parts, string(s.Specifier))
	}
	return strings.Join(parts, ".")
}

// isTextPart says whether mail.Parse reads a part as the message's text (text/plain or
// text/html, not given as an attachment); every other leaf is an attachment to it.
func isTextPart(part *imap.BodyStructureSinglePart) bool {
	t := part.MediaType()
	if t != "text/plain" && t != "text/html" {
		return false
	}
	d := part.Disposition()
	return d == nil || !strings.EqualFold(d.Value, "attachment")
}

// lazyLeaf says whether a part may be left out or fetched alone without changing what the
// message says: not an OpenPGP part nor an Autocrypt Setup Message's key.
func lazyLeaf(part *imap.BodyStructureSinglePart) bool {
	t := part.MediaType()
	return !strings.HasPrefix(t, "application/pgp") && t != "application/autocrypt-setup"
}

// attachmentID is the id mail.Parse gives the part of a multipart message at an IMAP path
// ("1.2.1" for [2 1]; a single-part message's only part is "1").
func attachmentID(path []int) string {
	id := "1"
	for _, n := range path {
		id += "." + strconv.Itoa(n)
	}
	return id
}

// decodedSize estimates a part's size once its transfer encoding is undone: base64 holds 3
// bytes in 4, in lines of 76 characters and a line break.
func decodedSize(part *imap.BodyStructureSinglePart) int64 {
	n := int64(part.Size)
	if strings.EqualFold(part.Encoding, "base64") {
		n -= 2 * ((n + 77) / 78)
		return max(0, n) * 3 / 4
	}
	return n
}

// assemble puts a message fetched in parts together again: its header, then for each
// multipart part its children between their boundary lines, each with its MIME header and,
// for text, its body; an attachment's body is left empty.
func (p *partsPlan) assemble(buf *imapclient.FetchMessageBuffer) ([]byte, error) {
	var out bytes.Buffer
	header := buf.FindBodySection(p.sections[0])
	if header == nil {
		return nil, fmt.Errorf("imapsync: the server sent no header")
	}
	writeHeader(&out, header)
	if err := p.writeBody(&out, buf, nil, p.root); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (p *partsPlan) writeBody(out *bytes.Buffer, buf *imapclient.FetchMessageBuffer, path []int, part imap.BodyStructure) error {
	switch part := part.(type) {
	case *imap.BodyStructureMultiPart:
		boundary := part.Extended.Params["boundary"]
		for i, child := range part.Children {
			childPath := append(slices.Clone(path), i+1)
			out.WriteString("\r\n--" + boundary + "\r\n")
			mime := buf.FindBodySection(&imap.FetchItemBodySection{Peek: true, Part: childPath, Specifier: imap.PartSpecifierMIME})
			if mime == nil {
				return fmt.Errorf("imapsync: the server sent no MIME header for part %s", sectionName(&imap.FetchItemBodySection{Part: childPath}))
			}
			writeHeader(out, mime)
			if err := p.writeBody(out, buf, childPath, child); err != nil {
				return err
			}
		}
		out.WriteString("\r\n--" + boundary + "--\r\n")
	case *imap.BodyStructureSinglePart:
		if path == nil {
			path = []int{1}
		}
		if isTextPart(part) {
			body := buf.FindBodySection(&imap.FetchItemBodySection{Peek: true, Part: path})
			if body == nil {
				return fmt.Errorf("imapsync: the server sent no text for part %s", sectionName(&imap.FetchItemBodySection{Part: path}))
			}
			out.Write(bytes.TrimSuffix(body, []byte("\r\n")))
		}
	}
	return nil
}

// writeHeader writes a header block ending with its empty line, however the server ended it.
func writeHeader(out *bytes.Buffer, h []byte) {
	if h = bytes.TrimRight(h, "\r\n"); len(h) > 0 {
		out.Write(h)
		out.WriteString("\r\n")
	}
	out.WriteString("\r\n")
}

// fits says whether the parsed message names as attachments exactly the parts left on the
// server, and gives them the sizes the structure tells (their bodies were empty).
func (p *partsPlan) fits(b *model.Body) bool {
	seen := 0
	for i := range b.Attachments {
		a := &b.Attachments[i]
		size, ok := p.skipped[a.ID]
		if !ok {
			continue // a part the parser found inside a text part (none today): it was fetched
		}
		seen++
		a.Size = size
	}
	return seen == len(p.skipped)
}
