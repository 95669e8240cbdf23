package privacy

import (
	"bufio"
	"bytes"
	"strings"

	"caliopen/wasm/mail"
	"github.com/emersion/go-message/textproto"
)

// FromRaw parses a raw message and fills the mail facts of an input, like FromParsed, and
// also sorts its Authentication-Results by where they sit. The user's server adds its
// results above the Received header it wrote when it took the message in (the entry hop);
// a result below that header was written before the message reached the user's server,
// by a relay or by the sender, whatever authserv-id it claims. Those go to AuthBelowEntry
// and are never believed. Servers should strip such forgeries but many do not.
func FromRaw(raw []byte) (MessageInput, error) {
	p, err := mail.Parse(raw)
	if err != nil {
		return MessageInput{}, err
	}
	in := FromParsed(p)
	in.Auth, in.AuthBelowEntry = splitAtEntry(raw, p.Hops)
	return in, nil
}

// splitAtEntry reads the header fields in order and splits the Authentication-Results
// into those above the entry hop's Received header and those below it.
func splitAtEntry(raw []byte, hops []mail.Hop) (above, below []mail.AuthResult) {
	entry := -1 // index among Received headers of the entry hop
	for i, h := range hops {
		if external(h) {
			entry = i
			break
		}
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, nil
	}
	received := 0
	fields := h.Fields()
	for fields.Next() {
		switch strings.ToLower(fields.Key()) {
		case "received":
			received++
		case "authentication-results":
			results := authResults(fields.Value())
			if entry < 0 || received <= entry {
				above = append(above, results...)
			} else {
				below = append(below, results...)
			}
		}
	}
	return above, below
}

// authResults reads one Authentication-Results value with the mail package's reader.
func authResults(v string) []mail.AuthResult {
	v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	p, err := mail.Parse([]byte("Authentication-Results: " + v + "\r\n\r\n"))
	if err != nil {
		return nil
	}
	return p.Auth
}

// external reports whether a hop crossed a network between machines.
func external(h mail.Hop) bool {
	// A Received header without a "from" clause records a local submission (a program
	// handing the message to its own server), not a transfer over a network.
	return !h.Local && h.From != ""
}
