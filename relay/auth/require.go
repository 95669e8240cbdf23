package auth

import (
	"net/http"
	"strings"
)

// RequireBearer lets a request through only with an "Authorization: Bearer" token that
// ok accepts; others get 401 and a challenge.
func RequireBearer(ok func(token string) bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found || !ok(token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="caliopen-relay"`)
			http.Error(w, "a relay access token is needed", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Require lets a request through only with a valid relay access token as its bearer token.
func (s *Store) Require(h http.Handler) http.Handler {
	return RequireBearer(func(t string) bool { _, ok := s.Verify(t); return ok }, h)
}

// ServeFile serves one JSON file, uncached: the relay's description of its demo sandbox.
func ServeFile(path string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, path)
	})
}
