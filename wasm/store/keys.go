package store

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// ValidKey reports whether k can be a primary or index key: valid UTF-8 without U+FFFF.
func ValidKey(k string) bool {
	return utf8.ValidString(k) && !strings.ContainsRune(k, '\uffff')
}

// Compare orders keys as IndexedDB does: by UTF-16 code units. It differs from Go's byte order
// only between characters above U+FFFF and those in U+E000..U+FFFF.
func Compare(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return cmpInt(len(a), len(b))
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	return cmpInt(unit16(ra), unit16(rb))
}

// unit16 returns the first UTF-16 code unit of r followed by the second, as one sortable number.
func unit16(r rune) int {
	if r >= 0x10000 {
		r1, r2 := utf16.EncodeRune(r)
		return int(r1)<<16 | int(r2)
	}
	return int(r) << 16
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Tuple encodes parts into one key whose order is the order of the parts compared one after the
// other: ("a","b") < ("a","c") < ("ab",""). Each part ends with U+0000 U+0000 and a U+0000
// inside a part is written U+0000 U+0001. Tuple(p...) is a prefix of every key Tuple(p..., q...).
func Tuple(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strings.ReplaceAll(p, "\x00", "\x00\x01"))
		b.WriteString("\x00\x00")
	}
	return b.String()
}

// SplitTuple decodes a key built by Tuple.
func SplitTuple(k string) []string {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] != 0 || i+1 == len(k) {
			b.WriteByte(k[i])
			continue
		}
		i++
		if k[i] == 1 {
			b.WriteByte(0)
			continue
		}
		parts = append(parts, b.String())
		b.Reset()
	}
	if b.Len() > 0 {
		parts = append(parts, b.String())
	}
	return parts
}

// TimeKey encodes t (UTC, years 0 to 9999) so that keys order as times:
// "2026-11-25T01:22:13.000000000Z".
func TimeKey(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

// SeqKey encodes n so that keys order as numbers: 20 decimal digits.
func SeqKey(n uint64) string {
	s := strconv.FormatUint(n, 10)
	return strings.Repeat("0", 20-len(s)) + s
}

// PrefixEnd returns the smallest key greater than every key starting with prefix (keys never
// contain U+FFFF).
func PrefixEnd(prefix string) string { return prefix + "\uffff" }
