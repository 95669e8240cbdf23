package mail

import (
	"encoding/base64"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// InlineImage is the content of a part an HTML body shows by its Content-ID (cid:).
type InlineImage struct {
	ContentType string
	Data        []byte
}

// inlineTypes are the image types shown inline from a message's own parts. SVG is not among
// them: an image that is a document is not worth its risk in a mail.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// InlineImageType reports whether a part of this content type can be shown inline.
func InlineImageType(contentType string) bool { return inlineTypes[strings.ToLower(contentType)] }

// ContentIDs lists the Content-IDs that the img elements of sanitised HTML show (cid: images,
// kept by SanitizeHTML as data-cid), each once.
func ContentIDs(sanitised string) []string {
	if !strings.Contains(sanitised, "data-cid") {
		return nil
	}
	seen := map[string]bool{}
	var ids []string
	rewriteElements(sanitised, func(n *html.Node) {
		if n.Data != "img" {
			return
		}
		for _, a := range n.Attr {
			if id := contentID(a.Val); a.Key == "data-cid" && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	})
	return ids
}

// InlineImages shows the cid: images of sanitised HTML from the message's own parts: each img
// whose data-cid names one of images (of an InlineImageType) gets it as a data: URL, which the
// reader's frame allows without the user's consent since nothing leaves the device. Other
// cid: references stay as they are and show nothing.
func InlineImages(sanitised string, images map[string]InlineImage) string {
	if len(images) == 0 {
		return sanitised
	}
	out, ok := rewriteElements(sanitised, func(n *html.Node) {
		if n.Data != "img" {
			return
		}
		for i, a := range n.Attr {
			img, found := images[contentID(a.Val)]
			if a.Key != "data-cid" || !found || !InlineImageType(img.ContentType) {
				continue
			}
			n.Attr[i] = html.Attribute{Key: "src", Val: "data:" + strings.ToLower(img.ContentType) + ";base64," + base64.StdEncoding.EncodeToString(img.Data)}
			return
		}
	})
	if !ok {
		return sanitised
	}
	return out
}

// contentID is the Content-ID a cid: URL names: URL-encoded there (RFC 2392), without the
// angle brackets of the header.
func contentID(cid string) string {
	if u, err := url.PathUnescape(cid); err == nil {
		cid = u
	}
	return strings.Trim(cid, "<> ")
}

// ContentID is a part's Content-ID header as cid: URLs name it: without its angle brackets.
func ContentID(header string) string { return strings.Trim(strings.TrimSpace(header), "<>") }
