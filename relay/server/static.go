package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
)

// hashedName matches content-hashed file names such as main.3f9a1c2b7d.js or core.9ab0e1f2.wasm.
var hashedName = regexp.MustCompile(`\.[0-9a-f]{8,}\.[a-z0-9]+$`)

// contentTypes are set explicitly: the system's MIME table may lack some (.wasm, .webmanifest).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".wasm":        "application/wasm",
	".png":         "image/png",
	".svg":         "image/svg+xml",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
}

// staticFile is one servable file with its pre-compressed variants, read once at start.
type staticFile struct {
	name      string
	body      []byte
	br, gz    []byte
	etag      string
	ctype     string
	immutable bool
}

// OAuthCallbackPath is where Mastodon instances and X send the browser back after a sign-in:
// it is the app itself (index.html), which reads the answer from the address and cleans it.
const OAuthCallbackPath = "/oauth/callback"

// StaticHandler serves a built web app: pre-compressed variants chosen by Accept-Encoding,
// long-lived caching for content-hashed names, revalidation for everything else (index.html,
// the service worker, the manifest).
type StaticHandler struct {
	files map[string]*staticFile
	csp   string
}

// NewStaticHandler loads every file of app. csp is the Content-Security-Policy sent with HTML.
func NewStaticHandler(app fs.FS, csp string) (*StaticHandler, error) {
	h := &StaticHandler{files: map[string]*staticFile{}, csp: csp}
	err := fs.WalkDir(app, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") {
			return nil
		}
		body, err := fs.ReadFile(app, p)
		if err != nil {
			return err
		}
		f := &staticFile{name: p, body: body}
		f.br, _ = fs.ReadFile(app, p+".br")
		f.gz, _ = fs.ReadFile(app, p+".gz")
		sum := sha256.Sum256(body)
		f.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
		ext := path.Ext(p)
		f.ctype = contentTypes[ext]
		if f.ctype == "" {
			f.ctype = mime.TypeByExtension(ext)
		}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		f.immutable = hashedName.MatchString(p)
		h.files[p] = f
		return nil
	})
	return h, err
}

// Built reports whether the app was built (an index.html is present).
func (h *StaticHandler) Built() bool { return h.files["index.html"] != nil }

func (h *StaticHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" || name == OAuthCallbackPath[1:] {
		name = "index.html"
	}
	f := h.files[name]
	if f == nil {
		if !h.Built() && name == "index.html" {
			http.Error(w, "The web app is not built into this relay: run `make web` (or `make run`).", http.StatusServiceUnavailable)
			return
		}
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.ctype)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Vary", "Accept-Encoding")
	hd.Set("ETag", f.etag)
	if f.immutable {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	if strings.HasPrefix(f.ctype, "text/html") && h.csp != "" {
		hd.Set("Content-Security-Policy", h.csp)
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
	}
	if name == "sw.js" {
		hd.Set("Service-Worker-Allowed", "/")
	}
	body := f.body
	switch enc := acceptedEncoding(r.Header.Get("Accept-Encoding"), f); enc {
	case "br":
		body = f.br
		hd.Set("Content-Encoding", "br")
	case "gzip":
		body = f.gz
		hd.Set("Content-Encoding", "gzip")
	}
	// ServeContent answers conditional requests (If-None-Match against the ETag) and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptedEncoding picks brotli, then gzip, when the client accepts it and the file has it.
func acceptedEncoding(header string, f *staticFile) string {
	accepts := func(enc string) bool {
		for _, part := range strings.Split(header, ",") {
			token, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(token), enc) {
				return !strings.Contains(strings.ReplaceAll(params, " ", ""), "q=0") ||
					strings.Contains(params, "q=0.")
			}
		}
		return false
	}
	switch {
	case f.br != nil && accepts("br"):
		return "br"
	case f.gz != nil && accepts("gzip"):
		return "gzip"
	}
	return ""
}
