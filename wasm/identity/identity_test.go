package identity

import (
	"testing"

	"caliopen/wasm/model"
)

func TestEmail(t *testing.T) {
	tests := []struct {
		in   string
		want model.IdentityURI
		ok   bool
	}{
		{"Alice@Example.ORG", "email:alice@example.org", true},
		{"  <bob@example.org> ", "email:bob@example.org", true},
		{"mailto:Carol@Example.org", "email:carol@example.org", true},
		{"josé@exämple.org", "email:josé@xn--exmple-cua.org", true},
		{"jose\u0301@EXÄMPLE.org", "email:josé@xn--exmple-cua.org", true}, // NFD → NFC
		{"ok@xn--exmple-cua.org", "email:ok@xn--exmple-cua.org", true},
		{"user+tag@example.org", "email:user+tag@example.org", true},
		{"root@[192.0.2.1]", "email:root@[192.0.2.1]", true},
		{"", "", false},
		{"no-at-sign", "", false},
		{"@example.org", "", false},
		{"a b@example.org", "", false},
		{"a@exa mple.org", "", false},
	}
	for _, tt := range tests {
		got, err := Email(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Email(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseEmail(t *testing.T) {
	tests := []struct {
		in, uri, name string
	}{
		{`Alice Doe <Alice@Example.org>`, "email:alice@example.org", "Alice Doe"},
		{`"Doe, Alice" <alice@example.org>`, "email:alice@example.org", "Doe, Alice"},
		{`=?UTF-8?Q?Jos=C3=A9?= <jose@example.org>`, "email:jose@example.org", "José"},
		{`alice@example.org`, "email:alice@example.org", ""},
		{`Dr. Who <who@example.org>`, "email:who@example.org", "Dr. Who"}, // unquoted dot: lenient path
	}
	for _, tt := range tests {
		got, err := ParseEmail(tt.in)
		if err != nil || string(got.URI) != tt.uri || got.Name != tt.name {
			t.Errorf("ParseEmail(%q) = %+v, %v; want %s %q", tt.in, got, err, tt.uri, tt.name)
		}
	}
}

func TestParseEmailList(t *testing.T) {
	got, err := ParseEmailList(`"Doe, A" <a@x.org>, b@x.org, Dr. C <c@x.org>`)
	if err != nil || len(got) != 3 || got[0].Name != "Doe, A" || got[2].URI != "email:c@x.org" {
		t.Fatalf("got %+v, %v", got, err)
	}
	got, err = ParseEmailList(`a@x.org, broken`)
	if err == nil || len(got) != 1 {
		t.Fatalf("want one address and an error, got %+v, %v", got, err)
	}
}

func TestMastodon(t *testing.T) {
	tests := []struct {
		ref, instance string
		uri, handle   string
	}{
		{"@Tapioca@mamot.fr", "", "mastodon:tapioca@mamot.fr", "@Tapioca@mamot.fr"},
		{"Tapioca@Mamot.FR", "", "mastodon:tapioca@mamot.fr", "@Tapioca@mamot.fr"},
		{"tapioca", "mamot.fr", "mastodon:tapioca@mamot.fr", "@tapioca@mamot.fr"},
		{"@tapioca", "Mamot.fr", "mastodon:tapioca@mamot.fr", "@tapioca@mamot.fr"},
		{"acct:tapioca@mamot.fr", "", "mastodon:tapioca@mamot.fr", "@tapioca@mamot.fr"},
		{"https://mamot.fr/@Tapioca", "", "mastodon:tapioca@mamot.fr", "@Tapioca@mamot.fr"},
		{"https://mamot.fr/users/tapioca", "", "mastodon:tapioca@mamot.fr", "@tapioca@mamot.fr"},
		{"https://mastodon.social/@tapioca@mamot.fr", "", "mastodon:tapioca@mamot.fr", "@tapioca@mamot.fr"},
		{"https://mamot.fr/@tapioca/", "", "mastodon:tapioca@mamot.fr", "@tapioca@mamot.fr"},
	}
	for _, tt := range tests {
		got, err := Mastodon(tt.ref, tt.instance)
		if err != nil || string(got.URI) != tt.uri || got.Handle != tt.handle {
			t.Errorf("Mastodon(%q, %q) = %+v, %v; want %s %s", tt.ref, tt.instance, got, err, tt.uri, tt.handle)
		}
	}
	for _, bad := range []string{"", "tapioca", "https://mamot.fr/about", "bad user@mamot.fr", "https://x.com/"} {
		if got, err := Mastodon(bad, ""); err == nil {
			t.Errorf("Mastodon(%q) = %+v, want an error", bad, got)
		}
	}
}

func TestX(t *testing.T) {
	a, err := X("1234567890", "@Tapioca42")
	if err != nil || a.URI != "x:1234567890" || a.Handle != "@Tapioca42" {
		t.Fatalf("X = %+v, %v", a, err)
	}
	if _, err := X("Tapioca42", ""); err == nil {
		t.Error("a handle is not an id")
	}
	for in, want := range map[string]string{
		"@Tapioca42": "Tapioca42", "https://x.com/Tapioca42": "Tapioca42",
		"twitter.com/tapioca42/status/1": "tapioca42", "https://www.twitter.com/@Tapioca42": "Tapioca42",
	} {
		if got, err := XHandle(in); err != nil || got != want {
			t.Errorf("XHandle(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, ok := XHandleFromURL("https://mamot.fr/@tapioca"); ok {
		t.Error("a mastodon URL is not an X profile")
	}
}

func TestList(t *testing.T) {
	for in, want := range map[string]model.IdentityURI{
		"Notmuch Mail <Notmuch.notmuchmail.org>": "list:notmuch.notmuchmail.org",
		"<dev.example.org>":                      "list:dev.example.org",
		"dev.example.org":                        "list:dev.example.org",
	} {
		if got, err := List(in); err != nil || got != want {
			t.Errorf("List(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := List("<broken"); err == nil {
		t.Error("unterminated List-Id accepted")
	}
}
