package mail

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func TestAllowRemoteRestoresOverHTTPS(t *testing.T) {
	in := `<p>Hi</p><img src="https://news.example.com/hero.jpg" width="600" alt="hero">` +
		`<img src="http://pixel.tracker.example/open.gif?u=1&amp;i=2" width="1" height="1">` +
		`<img srcset="//cdn.example.net/a.png 1x, ftp://x.example/b.png 2x">` +
		`<table background="https://bg.example/t.png"><tr><td>x</td></tr></table>` +
		`<img src="cid:logo@example"><img src="data:image/png;base64,iVBORw0KGgo=">`
	safe, rep := SanitizeHTML(in)
	// The sanitiser keeps no srcset or background at all.
	if rep.RemoteBlocked != 2 {
		t.Fatalf("held back %d, want 2: %s", rep.RemoteBlocked, safe)
	}
	out, hosts := AllowRemote(safe)
	want := []string{"news.example.com", "pixel.tracker.example"}
	if !slices.Equal(hosts, want) {
		t.Errorf("hosts %v, want %v", hosts, want)
	}
	for _, s := range []string{`src="https://news.example.com/hero.jpg"`, `src="https://pixel.tracker.example/open.gif?u=1&amp;i=2"`,
		`data-cid="logo@example"`, `src="data:image/png;base64,`} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %s:\n%s", s, out)
		}
	}
	if strings.Contains(out, "data-remote-") || strings.Contains(out, "ftp:") {
		t.Errorf("left over: %s", out)
	}
}

func TestAllowRemoteSrcset(t *testing.T) {
	hosts := map[string]bool{}
	v, ok := remoteValue("srcset", "//cdn.example.net/a.png 1x, ftp://x.example/b.png 2x, https://c.example:8443/c.png 3x", hosts)
	if !ok || v != "https://cdn.example.net/a.png 1x, https://c.example:8443/c.png 3x" || len(hosts) != 2 {
		t.Fatalf("%q %v %v", v, ok, hosts)
	}
	if _, ok := remoteValue("src", "https://user:pw@a.example/x.png", hosts); ok {
		t.Fatal("credentials in a URL restored")
	}
}

func TestMailCannotForgeHeldBackLoads(t *testing.T) {
	safe, rep := SanitizeHTML(`<img data-remote-src="https://evil.example/x.gif" data-cid="x"><p>x</p>`)
	if strings.Contains(safe, "evil.example") || strings.Contains(safe, "data-cid") || rep.RemoteBlocked != 0 {
		t.Fatalf("%s %+v", safe, rep)
	}
}

// FuzzAllowRemote: allowing the remote content of any sanitised HTML adds only HTTPS loads
// from the hosts it reports, and never script.
func FuzzAllowRemote(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Add(`<img src="https://a.example/x.png"><img srcset="//b.example/1.png 1x, https://c.example:8443/2.png 2x">`)
	f.Add(`<img src="https://user:pw@a.example/x.png"><img src="https://a b.example/">`)
	f.Fuzz(func(t *testing.T, in string) {
		safe, _ := SanitizeHTML(in)
		out, hosts := AllowRemote(safe)
		doc, err := html.Parse(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				switch n.Data {
				case "script", "iframe", "object", "embed", "form", "style", "link", "meta", "base":
					t.Fatalf("element <%s> in %q", n.Data, out)
				}
				for _, a := range n.Attr {
					k := strings.ToLower(a.Key)
					if strings.HasPrefix(k, "on") {
						t.Fatalf("handler %s in %q", k, out)
					}
					if !remoteAttrs[k] || (k == "src" && strings.HasPrefix(a.Val, "data:image/")) {
						continue
					}
					for _, cand := range strings.Split(a.Val, ",") {
						f := strings.Fields(cand)
						if len(f) == 0 {
							continue
						}
						u, err := url.Parse(f[0])
						if err != nil || u.Scheme != "https" || !slices.Contains(hosts, u.Host) {
							t.Fatalf("%s=%q loads from outside %v (in %q)", k, a.Val, hosts, out)
						}
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
	})
}
