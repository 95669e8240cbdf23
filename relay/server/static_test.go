package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func gz(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func testApp(t *testing.T) fstest.MapFS {
	wasm := bytes.Repeat([]byte("\x00asm core "), 100)
	return fstest.MapFS{
		"index.html":                   {Data: []byte("<!doctype html><title>Caliopen</title>")},
		"sw.js":                        {Data: []byte("self.addEventListener('fetch',()=>{})")},
		"assets/core.0123abcd.wasm":    {Data: wasm},
		"assets/core.0123abcd.wasm.br": {Data: []byte("BROTLI")},
		"assets/core.0123abcd.wasm.gz": {Data: gz(t, wasm)},
		"assets/main.89abcdef01.js":    {Data: []byte("console.log(1)")},
		"manifest.webmanifest":         {Data: []byte(`{"name":"Caliopen"}`)},
	}
}

func get(t *testing.T, h http.Handler, path string, hdr map[string]string) *http.Response {
	req := httptest.NewRequest("GET", path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestStaticServing(t *testing.T) {
	h, err := NewStaticHandler(testApp(t), DefaultCSP)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, accept                   string
		status                         int
		ctype, encoding, cache, bodyIs string
	}{
		{"/", "br, gzip", 200, "text/html; charset=utf-8", "", "no-cache", "<!doctype html><title>Caliopen</title>"},
		{"/assets/core.0123abcd.wasm", "gzip, deflate, br", 200, "application/wasm", "br", "public, max-age=31536000, immutable", "BROTLI"},
		{"/assets/core.0123abcd.wasm", "gzip", 200, "application/wasm", "gzip", "public, max-age=31536000, immutable", ""},
		{"/assets/core.0123abcd.wasm", "", 200, "application/wasm", "", "public, max-age=31536000, immutable", ""},
		{"/assets/core.0123abcd.wasm", "br;q=0, gzip", 200, "application/wasm", "gzip", "public, max-age=31536000, immutable", ""},
		{"/assets/main.89abcdef01.js", "br", 200, "text/javascript; charset=utf-8", "", "public, max-age=31536000, immutable", "console.log(1)"},
		{"/sw.js", "br", 200, "text/javascript; charset=utf-8", "", "no-cache", ""},
		{"/manifest.webmanifest", "", 200, "application/manifest+json", "", "no-cache", ""},
		{"/oauth/callback?code=abc&state=def", "", 200, "text/html; charset=utf-8", "", "no-cache", "<!doctype html><title>Caliopen</title>"},
		{"/nope.js", "", 404, "", "", "", ""},
		{"/../../etc/passwd", "", 404, "", "", "", ""},
	}
	for _, c := range cases {
		resp := get(t, h, c.path, map[string]string{"Accept-Encoding": c.accept})
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, resp.StatusCode, c.status)
			continue
		}
		if c.status != 200 {
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("%s: Content-Type %q, want %q", c.path, got, c.ctype)
		}
		if got := resp.Header.Get("Content-Encoding"); got != c.encoding {
			t.Errorf("%s (%q): Content-Encoding %q, want %q", c.path, c.accept, got, c.encoding)
		}
		if got := resp.Header.Get("Cache-Control"); got != c.cache {
			t.Errorf("%s: Cache-Control %q, want %q", c.path, got, c.cache)
		}
		if c.bodyIs != "" && string(body) != c.bodyIs {
			t.Errorf("%s: body %q, want %q", c.path, body, c.bodyIs)
		}
		if c.encoding == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(zr)
			if !bytes.HasPrefix(raw, []byte("\x00asm")) {
				t.Errorf("%s: gzip body does not decode to the wasm", c.path)
			}
		}
	}
	if resp := get(t, h, "/", nil); resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("index.html is served without a CSP")
	}
	etag := get(t, h, "/", nil).Header.Get("ETag")
	if resp := get(t, h, "/", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: status %d, want 304", resp.StatusCode)
	}
}

func TestUnbuiltAppSaysSo(t *testing.T) {
	h, err := NewStaticHandler(fstest.MapFS{"PLACEHOLDER": {Data: []byte("x")}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if resp := get(t, h, "/", nil); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("unbuilt app: status %d", resp.StatusCode)
	}
}
