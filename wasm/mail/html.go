package mail

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// HTMLReport says what sanitising an HTML body removed or held back.
type HTMLReport struct {
	// RemoteBlocked counts remote loads held back (images, backgrounds, video posters). Their
	// addresses stay in data-remote-* attributes so the user can allow them per message or
	// per sender; nothing is fetched until then.
	RemoteBlocked int `json:"remoteBlocked"`
	// Trackers counts remote images that look like tracking pixels (tiny or hidden images,
	// known open-tracking addresses).
	Trackers     int      `json:"trackers"`
	TrackerHosts []string `json:"trackerHosts,omitempty"`
}

var (
	policyOnce sync.Once
	policy     *bluemonday.Policy
)

// htmlPolicy is the sanitiser for mail and DM HTML: user-generated-content rules (no script,
// no event handlers, no forms, no embeds, only http/https/mailto/cid/data links), inline styles
// limited to properties that cannot load anything, links opened apart without a referrer.
func htmlPolicy() *bluemonday.Policy {
	policyOnce.Do(func() {
		p := bluemonday.UGCPolicy()
		p.AllowURLSchemes("http", "https", "mailto", "cid")
		p.AllowDataURIImages()
		p.AllowDataAttributes()
		p.RequireNoReferrerOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		p.AllowAttrs("width", "height", "align", "valign", "bgcolor", "border", "cellpadding", "cellspacing").Globally()
		p.AllowElements("center", "font", "span", "div")
		p.AllowAttrs("color", "face", "size").OnElements("font")
		p.AllowStyles(
			"color", "background-color", "font-family", "font-size", "font-weight", "font-style",
			"text-align", "text-decoration", "line-height", "letter-spacing", "white-space",
			"margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
			"padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
			"border", "border-top", "border-bottom", "border-left", "border-right", "border-collapse",
			"border-color", "border-style", "border-width", "border-radius",
			"width", "height", "max-width", "min-width", "vertical-align", "display",
		).Globally()
		policy = p
	})
	return policy
}

// remoteAttrs are the attributes through which HTML loads something by itself.
var remoteAttrs = map[string]bool{"src": true, "srcset": true, "background": true, "poster": true}

var trackerPath = regexp.MustCompile(`(?i)(/open(\.php|\.aspx)?\b|/track(ing)?/|/pixel|/beacon|/wf/open|/e/o/|/o\.gif|/imp\?|/trk|/ss/o/|/mo/|/t\.gif|/1x1|spacer\.gif|/email/open)`)

var trackerHosts = []string{
	"list-manage.com", "mailchimp.com", "sendgrid.net", "mandrillapp.com", "hubspotemail.net",
	"hs-analytics.net", "mailgun.org", "sparkpostmail.com", "exct.net", "mktoresp.com",
	"customeriomail.com", "mailtrack.io", "getnotify.com", "pixel.", "track.", "open.",
}

// SanitizeHTML makes an untrusted HTML body safe to show in a sandboxed frame: scripts,
// event handlers, javascript: URLs, forms, frames, embeds and style sheets removed; remote
// loads held back (see HTMLReport). Inline cid: images are kept as data-cid for the viewer
// to resolve to the message's own attachments.
func SanitizeHTML(in string) (string, HTMLReport) {
	safe := htmlPolicy().Sanitize(in)
	doc, err := html.Parse(strings.NewReader(safe))
	var rep HTMLReport
	if err != nil {
		return "", rep
	}
	hosts := map[string]bool{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			tiny := isTiny(n)
			var kept []html.Attribute
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, remotePrefix) || key == "data-cid" {
					continue // only this sanitiser writes these: a mail's own would pass for held-back loads
				}
				if !remoteAttrs[key] {
					kept = append(kept, a)
					continue
				}
				v := strings.TrimSpace(a.Val)
				switch {
				case strings.HasPrefix(strings.ToLower(v), "cid:"):
					kept = append(kept, html.Attribute{Key: "data-cid", Val: v[4:]})
				case strings.HasPrefix(strings.ToLower(v), "data:image/") && key == "src":
					kept = append(kept, a)
				case v == "":
				default:
					rep.RemoteBlocked++
					kept = append(kept, html.Attribute{Key: "data-remote-" + key, Val: v})
					if n.Data == "img" && (tiny || looksLikeTracker(v)) {
						rep.Trackers++
						if u, err := url.Parse(firstURL(v)); err == nil && u.Host != "" {
							hosts[strings.ToLower(u.Hostname())] = true
						}
					}
				}
			}
			n.Attr = kept
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for h := range hosts {
		rep.TrackerHosts = append(rep.TrackerHosts, h)
	}
	sortStrings(rep.TrackerHosts)
	var buf bytes.Buffer
	body := findBody(doc)
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&buf, c); err != nil {
			return "", rep
		}
	}
	return buf.String(), rep
}

func firstURL(v string) string { return strings.Fields(v + " ")[0] }

func looksLikeTracker(v string) bool {
	u, err := url.Parse(firstURL(v))
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range trackerHosts {
		if strings.HasSuffix(h, ".") {
			if strings.HasPrefix(host, h) {
				return true
			}
		} else if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return trackerPath.MatchString(u.Path + "?" + u.RawQuery)
}

var cssSize = regexp.MustCompile(`(?i)(width|height)\s*:\s*(\d+)\s*px`)

// isTiny reports an element sized at most 2×2 pixels or hidden: the shape of a tracking pixel.
func isTiny(n *html.Node) bool {
	w, h := -1, -1
	hidden := false
	for _, a := range n.Attr {
		switch strings.ToLower(a.Key) {
		case "width":
			w, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(a.Val), "px"))
		case "height":
			h, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(a.Val), "px"))
		case "style":
			s := strings.ToLower(a.Val)
			if strings.Contains(s, "display:none") || strings.Contains(s, "display: none") || strings.Contains(s, "visibility:hidden") {
				hidden = true
			}
			for _, m := range cssSize.FindAllStringSubmatch(a.Val, -1) {
				v, _ := strconv.Atoi(m[2])
				if strings.EqualFold(m[1], "width") {
					w = v
				} else {
					h = v
				}
			}
		}
	}
	return hidden || (w >= 0 && w <= 2 && h >= 0 && h <= 2)
}

func findBody(n *html.Node) *html.Node {
	if n.Type == html.ElementNode && n.Data == "body" {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if b := findBody(c); b != nil {
			return b
		}
	}
	if n.Parent == nil {
		return n
	}
	return nil
}

// HTMLToText extracts readable text from (sanitised or not) HTML, for snippets and search.
func HTMLToText(in string) string {
	doc, err := html.Parse(strings.NewReader(in))
	if err != nil {
		return ""
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			switch n.Data {
			case "script", "style", "head", "title":
				return
			case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "blockquote":
				b.WriteString("\n")
			}
		case html.TextNode:
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return strings.TrimSpace(b.String())
}

func sortStrings(s []string) { slices.Sort(s) }
