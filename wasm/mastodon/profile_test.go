package mastodon

import (
	"strings"
	"testing"
	"time"

	gomastodon "github.com/mattn/go-mastodon"
)

func TestIdentityOfKeepsVerifiedLinks(t *testing.T) {
	verified := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	a := &gomastodon.Account{Acct: "Tapioca", DisplayName: "Tapioca", URI: "https://mamot.fr/users/Tapioca",
		Avatar: "https://mamot.fr/a.png", Note: "<p>Hi, I am <a href=\"https://x.com/tapioca42\">@tapioca42</a> too</p>",
		Fields: []gomastodon.Field{
			{Name: "Site", Value: `<a href="https://tapioca.example/" rel="nofollow noopener me" target="_blank"><span class="invisible">https://</span>tapioca.example/</a>`, VerifiedAt: verified},
			{Name: "Pronouns", Value: "they/them"},
		}}
	id, err := IdentityOf(a, "mamot.fr")
	if err != nil {
		t.Fatal(err)
	}
	if id.URI != "mastodon:tapioca@mamot.fr" || id.Handle != "@Tapioca@mamot.fr" || id.AccountURI != a.URI || id.AvatarURL != a.Avatar {
		t.Fatalf("identity %+v", id)
	}
	p := id.Profile
	if !strings.Contains(p.Note, "Hi, I am @tapioca42 too") {
		t.Fatalf("note %q", p.Note)
	}
	f := p.Fields[0]
	if f.URL != "https://tapioca.example/" || !f.VerifiedAt.Equal(verified) || f.Value != "https://tapioca.example/" {
		t.Fatalf("verified field %+v", f)
	}
	if p.Fields[1].URL != "" || !p.Fields[1].VerifiedAt.IsZero() || len(p.URLs) != 1 {
		t.Fatalf("plain field %+v, urls %v", p.Fields[1], p.URLs)
	}
}

func TestReadSSE(t *testing.T) {
	in := ":)\n:thump\nevent: conversation\ndata: {\"a\":\ndata: 1}\n\nevent: delete\ndata:42\n\n:thump\nevent: status.update\r\ndata: {}\n"
	var got []string
	beats := 0
	err := readSSE(strings.NewReader(in), func() { beats++ }, func(ev, data string) error {
		got = append(got, ev+"="+data)
		return nil
	})
	if err == nil {
		t.Fatal("the end of the stream is an error to reconnect on")
	}
	want := []string{"conversation={\"a\":\n1}", "delete=42"}
	if strings.Join(got, "|") != strings.Join(want, "|") || beats != 12 {
		t.Fatalf("events %q, %d lines", got, beats)
	}
}
