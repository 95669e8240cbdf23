package tunnel

import (
	"bytes"
	"testing"
)

// FuzzParseOpen checks that the parser never panics, and that whatever it accepts is
// re-encoded to exactly the same bytes (one encoding per request, no slack).
func FuzzParseOpen(f *testing.F) {
	seed, _ := AppendOpen(nil, Open{Token: "crt_token", Host: "imap.example.org", Port: 993})
	f.Add(seed)
	f.Add([]byte{})
	f.Add([]byte{Version, 1, 't', 1, 'h', 0, 1})
	f.Add([]byte{Version, 255})
	f.Fuzz(func(t *testing.T, p []byte) {
		o, err := ParseOpen(p)
		if err != nil {
			return
		}
		b, err := AppendOpen(nil, o)
		if err != nil {
			t.Fatalf("accepted request does not re-encode: %v", err)
		}
		if !bytes.Equal(b, p) {
			t.Fatalf("re-encoding differs: %x vs %x", b, p)
		}
	})
}

// FuzzParseReply checks the client's reply parser accepts exactly Reply.
func FuzzParseReply(f *testing.F) {
	f.Add(Reply)
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, p []byte) {
		if (ParseReply(p) == nil) != bytes.Equal(p, Reply) {
			t.Fatalf("ParseReply(%x) disagrees with Reply", p)
		}
	})
}
