package mail

import (
	"bytes"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// remotePrefix marks the remote loads SanitizeHTML held back.
const remotePrefix = "data-remote-"

// hostPattern is what a host may look like to be named in a Content-Security-Policy source:
// letters, digits, dots and dashes, an optional port. Anything else is not restored.
var hostPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$`)

// AllowRemote restores the remote loads of HTML that SanitizeHTML held back, once the user
// allowed them for a message: each data-remote-* attribute becomes the attribute it was, over
// HTTPS only (http:// and protocol-relative addresses are asked for over HTTPS, anything else
// is dropped). It returns the HTML and the hosts it now loads from, sorted, for the frame's
// Content-Security-Policy. The input must be SanitizeHTML's output: nothing else is checked.
func AllowRemote(sanitised string) (string, []string) {
	hosts := map[string]bool{}
	restored, ok := rewriteElements(sanitised, func(n *html.Node) {
		var kept []html.Attribute
		for _, a := range n.Attr {
			key, ok := strings.CutPrefix(strings.ToLower(a.Key), remotePrefix)
			if !ok {
				kept = append(kept, a)
				continue
			}
			if !remoteAttrs[key] {
				continue
			}
			if v, ok := remoteValue(key, a.Val, hosts); ok {
				kept = append(kept, html.Attribute{Key: key, Val: v})
			}
		}
		n.Attr = kept
	})
	if !ok {
		return sanitised, nil
	}
	out := make([]string, 0, len(hosts))
	for h := range hosts {
		out = append(out, h)
	}
	slices.Sort(out)
	return restored, out
}

// rewriteElements parses sanitised HTML (a body's content), lets fn change each element, and
// renders the result; ok is false when it cannot be parsed or rendered.
func rewriteElements(sanitised string, fn func(n *html.Node)) (string, bool) {
	nodes, err := html.ParseFragment(strings.NewReader(sanitised), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return "", false
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			fn(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	var buf bytes.Buffer
	for _, n := range nodes {
		walk(n)
		if err := html.Render(&buf, n); err != nil {
			return "", false
		}
	}
	return buf.String(), true
}

// remoteValue is the HTTPS form of a held-back address (a srcset: each of its candidates),
// noting its hosts; ok is false when nothing of it can be loaded safely.
func remoteValue(attr, v string, hosts map[string]bool) (string, bool) {
	if attr != "srcset" {
		u, host, ok := httpsURL(v)
		if ok {
			hosts[host] = true
		}
		return u, ok
	}
	var parts []string
	for _, cand := range strings.Split(v, ",") {
		f := strings.Fields(cand)
		if len(f) == 0 {
			continue
		}
		u, host, ok := httpsURL(f[0])
		if !ok {
			continue
		}
		hosts[host] = true
		parts = append(parts, strings.Join(append([]string{u}, f[1:]...), " "))
	}
	return strings.Join(parts, ", "), len(parts) > 0
}

// httpsURL returns an address as an https URL and its host, or ok false.
func httpsURL(v string) (string, string, bool) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "//") {
		v = "https:" + v
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.User != nil {
		return "", "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "https", "http":
		u.Scheme = "https"
	default:
		return "", "", false
	}
	host := strings.ToLower(u.Host)
	if !hostPattern.MatchString(host) {
		return "", "", false
	}
	u.Host = host
	return u.String(), host, true
}
