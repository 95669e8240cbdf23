package contacts

import (
	"strings"
	"testing"
	"unicode/utf8"

	"caliopen/wasm/model"
)

func TestSignatureNaming(t *testing.T) {
	for _, c := range []struct {
		text string
		want string
	}{
		{"Hi,\n\nsee you.\n\n-- \nTapioca\nMastodon: @Tapioca@mamot.fr · X: @Tapioca42\nhttps://tapioca.example",
			"Tapioca\nMastodon: @Tapioca@mamot.fr · X: @Tapioca42\nhttps://tapioca.example"},
		{"Hi\r\n-- \r\nBob\r\nhttps://x.com/bob_t\r\n", "Bob\nhttps://x.com/bob_t"},
		{"Hi,\n\nsee you.\n\n-- \nAlice\nhttps://alice.example", ""},
		{"no signature, and no handle", ""},
		{"-- \n" + strings.Repeat("@Tapioca42 ", 200), ""}, // too long to be a signature
	} {
		if got := SignatureNaming(c.text); got != c.want {
			t.Errorf("SignatureNaming(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func FuzzSignatureNaming(f *testing.F) {
	f.Add("-- \nTapioca\nMastodon: @Tapioca@mamot.fr · X: @Tapioca42")
	f.Add("text\r\n--\r\n@@@ https://x.com/ @a@b.c")
	f.Fuzz(func(t *testing.T, text string) {
		got := SignatureNaming(text)
		if len(got) > maxSignature {
			t.Fatalf("kept %d bytes", len(got))
		}
		if got != "" && !strings.Contains(strings.ReplaceAll(text, "\r\n", "\n"), got) {
			t.Fatalf("%q is not part of the text", got)
		}
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatal("invalid UTF-8 out of valid UTF-8")
		}
	})
}

// A signature naming two handles gives two suggestions about the same two contacts; the user
// confirms both in one decision, and both pieces of evidence (and the user's word) stay
// with the merged contact. Kept suggestions come back after a restart, and a dismissal made
// on another device hides them.
func TestConfirmSeveralAndRestore(t *testing.T) {
	b := NewBook()
	ids := []model.Identity{
		{URI: tapX, Handle: "@Tapioca42", DisplayName: "Tapioca"},
		{URI: tapMasto, Handle: "@Tapioca@mamot.fr", DisplayName: "Tapioca"},
		{URI: tapMail, DisplayName: "Tapioca"},
	}
	for _, id := range ids {
		b.PutIdentity(id)
	}
	if _, err := b.Link([]model.IdentityURI{tapX, tapMasto}, t0); err != nil {
		t.Fatal(err)
	}
	sig := Signature{From: tapMail, Text: "-- \nMastodon: @Tapioca@mamot.fr · X: @Tapioca42"}
	_, sugg, err := b.Consider(Detect(Facts{Identities: ids, Signatures: []Signature{sig}}), t0)
	if err != nil || len(sugg) != 2 {
		t.Fatalf("suggestions %+v, %v", sugg, err)
	}

	// Another run (a restart) keeps them: restored, they are not proposed twice.
	other := NewBook()
	for _, op := range b.Log() {
		if _, err := other.Apply(op); err != nil {
			t.Fatal(err)
		}
	}
	other.Restore(b.Suggestions())
	if _, again, _ := other.Consider(Detect(Facts{Identities: ids, Signatures: []Signature{sig}}), t0); len(again) != 0 {
		t.Fatalf("proposed again: %+v", again)
	}
	if len(other.Suggestions()) != 2 {
		t.Fatalf("restored: %+v", other.Suggestions())
	}
	// Dismissed on the first device: the dismissal travels as an operation.
	ch, err := b.Dismiss(t0, sugg[0].Key, sugg[1].Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Apply(ch.Op); err != nil {
		t.Fatal(err)
	}
	if len(other.Suggestions()) != 0 || len(b.Suggestions()) != 0 {
		t.Fatalf("after dismissal: %+v / %+v", other.Suggestions(), b.Suggestions())
	}

	// A third book confirms both at once.
	third := NewBook()
	for _, id := range ids {
		third.PutIdentity(id)
	}
	if _, err := third.Link([]model.IdentityURI{tapX, tapMasto}, t0); err != nil {
		t.Fatal(err)
	}
	_, sugg, _ = third.Consider(Detect(Facts{Identities: ids, Signatures: []Signature{sig}}), t0)
	if _, err := third.Confirm(t0, sugg[0].Key, sugg[1].Key); err != nil {
		t.Fatal(err)
	}
	c, _ := third.ContactOf(tapMail)
	if c2, _ := third.ContactOf(tapX); c2 != c || len(third.Suggestions()) != 0 {
		t.Fatalf("not merged: %s %s", c, c2)
	}
	got := kinds(third.Links(c))
	if got[KindSignature] != Weak || got[KindUser] != Strong {
		t.Fatalf("links %v", got)
	}
	if _, err := third.Confirm(t0, sugg[0].Key); err == nil {
		t.Fatal("a suggestion confirmed twice")
	}
}
