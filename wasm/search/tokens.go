// Package search finds messages by the words of their text. Tokens folds a text into the
// words a search matches (lower case, accents removed: "Été" is found by "ete"); Index is an
// inverted index in memory from those words to messages; Highlight cuts the passage of a
// text around the words searched, for the list to show why a discussion matched.
//
// The core keeps each message's tokens in the repository (written in the transaction that
// stores its body), so that the index is rebuilt at start from small records, never from
// the bodies. A query is a few words; a message matches when each word starts one of its
// tokens ("meet" finds "meeting"), and the answer costs the words of the dictionary that
// start with the query's words, not the number of messages.
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Version names the way Tokens cuts and folds text. Tokens stored under another version are
// computed again.
const Version = 1

// Limits on what one message adds to the index.
const (
	MinRunes  = 2   // shorter words are not indexed (a query word that short finds nothing)
	MaxRunes  = 40  // longer words are cut (a base64 blob, a long URL)
	MaxTokens = 600 // distinct words kept per message, the first ones
)

// Tokens returns the distinct words of the texts, folded, in the order first seen, at most
// MaxTokens. Quoted lines of mail ("> …") are left out: they are the words of the message
// answered, already indexed with it.
func Tokens(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, line := range strings.Split(t, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), ">") {
				continue
			}
			for w := range words(line) {
				if len(out) == MaxTokens {
					return out
				}
				if !seen[w.folded] {
					seen[w.folded] = true
					out = append(out, w.folded)
				}
			}
		}
	}
	return out
}

// QueryWords returns the words of a query, folded as Tokens folds them; words shorter than
// MinRunes are left out.
func QueryWords(query string) []string {
	var out []string
	for w := range words(query) {
		out = append(out, w.folded)
	}
	return out
}

// word is one word of a text: where it is, and its folded form.
type word struct {
	start, end int // byte offsets in the text
	folded     string
}

// words yields the words of s: runs of letters and digits (with the marks that combine
// with them), at least MinRunes long, folded.
func words(s string) func(func(word) bool) {
	return func(yield func(word) bool) {
		start := -1
		for i, r := range s {
			inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || start >= 0 && unicode.Is(unicode.Mn, r)
			switch {
			case inWord && start < 0:
				start = i
			case !inWord && start >= 0:
				if f, ok := fold(s[start:i]); ok && !yield(word{start, i, f}) {
					return
				}
				start = -1
			}
		}
		if start >= 0 {
			if f, ok := fold(s[start:]); ok {
				yield(word{start, len(s), f})
			}
		}
	}
}

// fold lower-cases a word and removes its accents (the marks of its canonical
// decomposition); ok is false when it is too short to index.
func fold(w string) (string, bool) {
	var b strings.Builder
	n := 0
	for _, r := range norm.NFD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if n == MaxRunes {
			break
		}
		b.WriteRune(unicode.ToLower(r))
		n++
	}
	if n < MinRunes {
		return "", false
	}
	return b.String(), true
}

// Part is a piece of a passage; Hit marks the words that matched.
type Part struct {
	Text string `json:"text"`
	Hit  bool   `json:"hit,omitempty"`
}

// Highlight returns the passage of text around the first word that starts with one of the
// query's words, about width runes long, cut into parts with the matching words marked; nil
// when no word matches. Quoted lines are skipped, as Tokens skips them.
func Highlight(text, query string, width int) []Part {
	q := QueryWords(query)
	if len(q) == 0 {
		return nil
	}
	matches := func(folded string) bool {
		for _, w := range q {
			if strings.HasPrefix(folded, w) {
				return true
			}
		}
		return false
	}
	line, first, ok := firstMatch(text, matches)
	if !ok {
		return nil
	}
	// The window: from a little before the first hit, on word boundaries, at most width runes.
	from := backRunes(line, first.start, width/4)
	to, n := len(line), 0
	for i := range line[from:] {
		if n == width {
			to = from + i
			break
		}
		n++
	}
	var parts []Part
	add := func(s string, hit bool) {
		if s == "" {
			return
		}
		if k := len(parts) - 1; k >= 0 && parts[k].Hit == hit {
			parts[k].Text += s
			return
		}
		parts = append(parts, Part{Text: s, Hit: hit})
	}
	if from > 0 {
		add("…", false)
	}
	at := from
	for w := range words(line[from:to]) {
		s, e := from+w.start, from+w.end
		if matches(w.folded) {
			add(line[at:s], false)
			add(line[s:e], true)
			at = e
		}
	}
	add(line[at:to], false)
	if to < len(line) {
		add("…", false)
	}
	return parts
}

// firstMatch finds the first unquoted line with a matching word, its spaces folded.
func firstMatch(text string, matches func(string) bool) (string, word, bool) {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), ">") {
			continue
		}
		line = strings.Join(strings.Fields(line), " ")
		for w := range words(line) {
			if matches(w.folded) {
				return line, w, true
			}
		}
	}
	return "", word{}, false
}

// backRunes moves back from byte offset i by up to n runes, then forward to the start of a
// word, so that a passage does not begin in the middle of one.
func backRunes(s string, i, n int) int {
	start := i
	for ; n > 0 && start > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:start])
		start -= size
	}
	if start == 0 || start == i {
		return start
	}
	if sp := strings.IndexByte(s[start:i], ' '); sp >= 0 {
		return start + sp + 1
	}
	return start
}
