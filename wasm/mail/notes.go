package mail

import (
	"strconv"

	"caliopen/wasm/model"
)

// note builds a note on a message's content from a code, its English text and parameters
// given as name, value pairs. Codes and parameter names are literals: a test lists them for
// the UI's translations (web/src/gen/body-notes.ts).
func note(code, text string, params ...string) model.BodyNote {
	return model.BodyNote{Code: code, Text: text, Params: model.Pairs(params...)}
}

// addNote adds a note to the body once.
func (p *Parsed) addNote(n model.BodyNote) {
	for _, have := range p.Body.Notes {
		if have.Code == n.Code && have.Text == n.Text {
			return
		}
	}
	p.Body.Notes = append(p.Body.Notes, n)
}

// NoteTruncated says that only the first kept bytes of a message of size bytes were fetched.
func NoteTruncated(size, kept int64) model.BodyNote {
	mb := func(n int64) string { return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) }
	return note("message.truncated", "This message is "+mb(size)+" MB; only its first "+mb(kept)+" MB were downloaded.",
		"size", strconv.FormatInt(size, 10), "kept", strconv.FormatInt(kept, 10))
}

// NoteUnreadable says that a message could not be read at all; detail is the parser's error.
func NoteUnreadable(detail string) model.BodyNote {
	return note("message.unreadable", "This message could not be read: "+detail, "detail", detail)
}

// NoteNoContent says that the server gave a message's header but not its content.
func NoteNoContent() model.BodyNote {
	return note("message.no-content", "The server did not return this message's content.")
}
