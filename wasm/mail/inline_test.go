package mail

import (
	"strings"
	"testing"
)

func TestInlineImagesShowTheMessagesOwnParts(t *testing.T) {
	safe, rep := SanitizeHTML(`<p>Hi</p><img src="cid:logo%40shop.example" alt="logo"><img src="CID:chart@shop.example">` +
		`<img src="cid:missing@shop.example"><img src="cid:vector@shop.example"><img data-cid="logo@shop.example" src="https://evil.example/x.png">`)
	if rep.RemoteBlocked != 1 {
		t.Fatalf("report: %+v", rep)
	}
	if got := ContentIDs(safe); strings.Join(got, " ") != "logo@shop.example chart@shop.example missing@shop.example vector@shop.example" {
		t.Fatalf("content ids: %q (in %s)", got, safe)
	}
	out := InlineImages(safe, map[string]InlineImage{
		"logo@shop.example":   {ContentType: "image/png", Data: []byte("PNG")},
		"chart@shop.example":  {ContentType: "IMAGE/GIF", Data: []byte("GIF")},
		"vector@shop.example": {ContentType: "image/svg+xml", Data: []byte("<svg onload=alert(1)>")},
	})
	for _, want := range []string{`src="data:image/png;base64,UE5H" alt="logo"`, `src="data:image/gif;base64,R0lG"`, `data-cid="missing@shop.example"`, `data-cid="vector@shop.example"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in %s", want, out)
		}
	}
	if strings.Contains(out, "svg") || strings.Contains(out, "evil.example/x.png\" src") || strings.Count(out, "data:image/png") != 1 {
		t.Fatalf("%s", out)
	}
	if r := unsafeReason(out); r != "" {
		t.Fatalf("unsafe: %s in %s", r, out)
	}
	if ContentID(" <logo@shop.example> ") != "logo@shop.example" {
		t.Fatal("ContentID keeps its brackets")
	}
}

// FuzzInlineImages: showing inline images in any sanitised HTML adds only data: images.
func FuzzInlineImages(f *testing.F) {
	for _, h := range hostile {
		f.Add(h, "a@b")
	}
	f.Add(`<img src="cid:a@b"><img src="cid:a%40b" srcset="x">`, "a@b")
	f.Fuzz(func(t *testing.T, in, id string) {
		safe, _ := SanitizeHTML(in)
		out := InlineImages(safe, map[string]InlineImage{id: {ContentType: "image/png", Data: []byte(in)}})
		if r := unsafeReason(out); r != "" {
			t.Fatalf("%q → %q: %s", in, out, r)
		}
	})
}
