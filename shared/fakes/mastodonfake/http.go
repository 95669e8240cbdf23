package mastodonfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"caliopen/shared/fakes/fakeimage"
)

// The CORS policy of Mastodon's config/initializers/cors.rb (Rack::Cors), and of its Node
// streaming server (npm cors defaults).
const (
	exposedHeaders   = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
	apiMethods       = "POST, PUT, DELETE, GET, PATCH, OPTIONS"
	streamingMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"
)

// ServeHTTP routes a request like Mastodon's web and streaming servers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	s.mu.Lock()
	route := r.Method + " " + routeOf(p)
	s.requests[route]++
	s.lastForms[route] = r.Header.Clone()
	s.mu.Unlock()
	switch {
	case strings.HasPrefix(p, "/api/v1/streaming"):
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			preflight(w, r, streamingMethods)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.serveStreaming(w, r)
	case strings.HasPrefix(p, "/api/"):
		if !cors(w, r, apiMethods) {
			return
		}
		w.Header().Set("Access-Control-Expose-Headers", exposedHeaders)
		w.Header().Set("X-Request-Id", randomString(16))
		s.serveAPI(w, r)
	case p == "/oauth/token":
		if !cors(w, r, "POST") {
			return
		}
		s.serveToken(w, r)
	case strings.HasPrefix(p, "/.well-known/"):
		if !cors(w, r, "GET") {
			return
		}
		s.serveWellKnown(w, r)
	case strings.HasPrefix(p, "/media/"):
		// Media files, public, served with CORS as instances' file servers commonly do.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte("media:" + strings.TrimPrefix(p, "/media/")))
	case strings.HasPrefix(p, "/avatars/"):
		// Profile pictures, public, from the instance's file server with CORS.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "image/png")
		w.Write(fakeimage.Avatar(strings.TrimPrefix(p, "/avatars/"), 96))
	case p == "/oauth/authorize":
		s.serveAuthorize(w, r)
	default:
		http.NotFound(w, r)
	}
}

// routeOf replaces the ids in a path with ":id" so that counts group by endpoint.
func routeOf(p string) string {
	parts := strings.Split(p, "/")
	for i, x := range parts {
		if x != "" && strings.Trim(x, "0123456789") == "" {
			parts[i] = ":id"
		}
	}
	return strings.Join(parts, "/")
}

// cors adds Rack::Cors's answer for an allowed resource; it answers a preflight itself and
// returns false then.
func cors(w http.ResponseWriter, r *http.Request, methods string) bool {
	if r.Header.Get("Origin") != "" {
		w.Header().Set("Access-Control-Allow-Origin", "*")
	}
	if r.Method != http.MethodOptions {
		return true
	}
	if r.Header.Get("Access-Control-Request-Method") != "" {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		preflight(w, r, methods)
		w.Header().Set("Access-Control-Max-Age", "7200")
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	return false
}

// preflight allows the requested headers (headers: :any) and the resource's methods.
func preflight(w http.ResponseWriter, r *http.Request, methods string) {
	w.Header().Set("Access-Control-Allow-Methods", methods)
	if h := r.Header.Get("Access-Control-Request-Headers"); h != "" {
		w.Header().Set("Access-Control-Allow-Headers", h)
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// params reads a request's parameters as Mastodon does: query, form body or JSON body. JSON
// arrays become repeated values under "name" and "name[]".
func params(r *http.Request) url.Values {
	v := url.Values{}
	for k, xs := range r.URL.Query() {
		v[k] = xs
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		for k, x := range m {
			switch x := x.(type) {
			case string:
				v.Set(k, x)
			case []any:
				for _, e := range x {
					if s, ok := e.(string); ok {
						v.Add(k, s)
						v.Add(k+"[]", s)
					}
				}
			case bool:
				if x {
					v.Set(k, "true")
				}
			}
		}
		return v
	}
	r.ParseForm()
	for k, xs := range r.PostForm {
		v[k] = xs
	}
	return v
}

// bearer returns the token of a request's Authorization header (or access_token query on the
// streaming server).
func (s *Server) bearer(r *http.Request, queryToo bool) *token {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok && queryToo {
		raw = r.URL.Query().Get("access_token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[strings.TrimSpace(raw)]
}

// hasScope says whether granted covers need ("read" covers "read:statuses").
func hasScope(granted []string, need ...string) bool {
	for _, g := range granted {
		for _, n := range need {
			if g == n || strings.HasPrefix(n, g+":") {
				return true
			}
		}
	}
	return false
}

// rateLimit is the per-token budget (Mastodon's default: 300 requests per 5 minutes).
type rateLimit struct {
	limit  int
	window time.Duration
}

type bucket struct {
	used  int
	reset time.Time
}

// SetRateLimit changes the per-token budget and restarts every window.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = rateLimit{limit: limit, window: window}
	s.buckets = map[string]*bucket{}
}

// throttle counts a request against its token's budget, sets the X-RateLimit-* headers and
// answers 429 (returning false) when the budget is spent.
func (s *Server) throttle(w http.ResponseWriter, key string) bool {
	s.mu.Lock()
	now := s.clock()
	b := s.buckets[key]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Add(s.rate.window)}
		s.buckets[key] = b
	}
	limit := s.rate.limit
	over := b.used >= limit
	if !over {
		b.used++
	}
	remaining := max(limit-b.used, 0)
	reset := b.reset
	s.mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", itoa(limit))
	w.Header().Set("X-RateLimit-Remaining", itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
	if over {
		writeError(w, http.StatusTooManyRequests, "Too many requests")
		return false
	}
	return true
}
