// Package mail turns raw Internet messages (RFC 5322 / MIME) into the core's model: metadata
// (participants, dates, threading and list headers, the facts the privacy index needs), a body
// with text, sanitised HTML and attachment descriptions, and readable notes for whatever could
// not be shown. It never panics on hostile or broken input: a message that cannot be fully
// parsed still yields what could be read, plus a note saying what was lost.
//
// Parsing uses github.com/emersion/go-message (MIME, charsets, encoded words); HTML is
// sanitised with github.com/microcosm-cc/bluemonday. Written here by hand, because no
// maintained library does them: format=flowed decoding (RFC 3676), reading TLS facts from
// Received headers, and the Authentication-Results (RFC 8601) reader.
package mail
