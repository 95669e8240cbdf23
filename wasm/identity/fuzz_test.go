package identity

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseEmail feeds untrusted header text to the email path: it must never panic, and
// what it returns must be a fixed point (normalising the address again gives the same URI).
func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{
		"Alice <alice@example.org>", `"a,b" <x@y.z>`, "=?UTF-8?B?w6k=?= <e@xn--exmple-cua.org>",
		"josé@exämple.org", "a@[1.2.3.4]", "<<>>@", "a@b@c", "\x00@\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseEmail(s)
		if err != nil {
			return
		}
		addr := a.URI.Address()
		if !strings.HasPrefix(string(a.URI), "email:") || !utf8.ValidString(addr) {
			t.Fatalf("bad URI %q from %q", a.URI, s)
		}
		again, err := Email(addr)
		if err != nil || again != a.URI {
			t.Fatalf("not a fixed point: %q -> %q -> %q, %v", s, a.URI, again, err)
		}
		_, _ = ParseEmailList(s)
	})
}

// FuzzMastodon does the same for Mastodon references and X handles.
func FuzzMastodon(f *testing.F) {
	for _, s := range []string{"@a@b.c", "https://b.c/@a", "https://b.c/users/a", "acct:a@b", "https://x.com/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, err := Mastodon(s, "home.example"); err == nil {
			again, err := Mastodon(a.Handle, "")
			if err != nil || again.URI != a.URI {
				t.Fatalf("not a fixed point: %q -> %q -> %q, %v", s, a.URI, again.URI, err)
			}
		}
		if h, err := XHandle(s); err == nil {
			if again, err := XHandle(h); err != nil || again != h {
				t.Fatalf("handle %q -> %q -> %q, %v", s, h, again, err)
			}
		}
		_, _ = List(s)
	})
}
