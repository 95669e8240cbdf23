package mail

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// unsafeReason parses sanitised output and reports the first thing in it that could run
// script or load a remote resource by itself; "" when it is safe.
func unsafeReason(out string) string {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return "unparseable: " + err.Error()
	}
	var reason string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if reason != "" {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "iframe", "frame", "object", "embed", "form", "link", "meta", "base", "applet", "svg", "math", "template":
				reason = "element <" + n.Data + ">"
				return
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				switch {
				case strings.HasPrefix(k, "on"):
					reason = "handler " + k
				case strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text"):
					reason = "script URL in " + k
				case k == "src" && !strings.HasPrefix(v, "data:image/"):
					reason = "remote src " + a.Val
				case k == "srcset" || k == "background" || k == "poster":
					reason = "remote " + k
				case k == "style" && strings.Contains(v, "url("):
					reason = "url() in style"
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return reason
}

func TestUnsafeReasonCatches(t *testing.T) {
	for _, bad := range []string{`<script>x</script>`, `<a href=" JavaScript:x">`, `<img src="http://x">`, `<p onclick=x>`, `<div style="background:url(x)">`} {
		if unsafeReason(bad) == "" {
			t.Errorf("checker misses %q", bad)
		}
	}
	if r := unsafeReason(`<p>javascript: is text here</p><img src="data:image/png;base64,AA">`); r != "" {
		t.Errorf("false alarm: %s", r)
	}
}
