package threading

import (
	"bufio"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// ReadHeader reads an RFC 5322 header block (the message body is not read) and returns the
// threading facts of the message, with id as its local id.
func ReadHeader(id string, r io.Reader) (Message, error) {
	h, err := textproto.ReadHeader(bufio.NewReader(r))
	if err != nil {
		return Message{ID: id}, err
	}
	return FromHeader(id, h), nil
}

// FromHeader extracts the threading facts from a parsed header. Malformed ids are skipped;
// the header comes from the network and is not trusted.
func FromHeader(id string, h textproto.Header) Message {
	mh := mail.Header{Header: message.Header{Header: h}}
	m := Message{ID: id}
	m.MessageID = firstID(h.Get("Message-Id"))
	m.References = MessageIDs(h.Get("References"))
	m.InReplyTo = MessageIDs(h.Get("In-Reply-To"))
	if s, err := mh.Subject(); err == nil {
		m.Subject = s
	} else {
		m.Subject = h.Get("Subject")
	}
	if d, err := mh.Date(); err == nil {
		m.Date = d
	}
	return m
}

// MessageIDs returns the ids of a References or In-Reply-To value: every "<...>" token,
// without brackets, skipping comments and phrases between them (In-Reply-To may carry a
// phrase such as `<id> (Alice's message of ...)`). A value without brackets is one id.
func MessageIDs(v string) []string {
	var out []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" && !strings.ContainsAny(id, " \t<") {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	if len(out) == 0 {
		if f := strings.Fields(v); len(f) == 1 && strings.Contains(f[0], "@") {
			out = append(out, f[0])
		}
	}
	return out
}

func firstID(v string) string {
	if ids := MessageIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}
