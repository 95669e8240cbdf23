package xfake

import (
	"net/http"
	"strconv"
	"time"
)

// window counts one user's requests to one endpoint in the current rate-limit window.
type window struct {
	reset time.Time
	used  int
}

// allow counts a request and writes x-rate-limit-limit, -remaining and -reset (unix seconds).
func (s *Server) allow(w http.ResponseWriter, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	win := s.limits[key]
	if win == nil || !now.Before(win.reset) {
		win = &window{reset: now.Add(s.opt.Window)}
		s.limits[key] = win
	}
	ok := win.used < s.opt.RateLimit
	if ok {
		win.used++
	}
	h := w.Header()
	h.Set("x-rate-limit-limit", strconv.Itoa(s.opt.RateLimit))
	h.Set("x-rate-limit-remaining", strconv.Itoa(s.opt.RateLimit-win.used))
	// Round up: a client waiting until the announced second must find the window renewed.
	h.Set("x-rate-limit-reset", strconv.FormatInt(win.reset.Add(time.Second-1).Unix(), 10))
	return ok
}

// Endpoints are the rate-limit buckets the fake keeps per user.
var Endpoints = []string{"GET /2/dm_events", "GET /2/dm_conversations/with/:id/dm_events", "GET /2/dm_conversations/:id/dm_events",
	"POST send", "GET /2/users/me", "GET /2/users/by/username/:username", "GET /2/users", "GET /2/users/:id"}

// ExhaustRateLimit spends the current window of the given endpoints for a user (all of
// Endpoints when none is given).
func (s *Server) ExhaustRateLimit(userID string, endpoints ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(endpoints) == 0 {
		endpoints = Endpoints
	}
	for _, ep := range endpoints {
		s.limits[userID+" "+ep] = &window{reset: s.now().Add(s.opt.Window), used: s.opt.RateLimit}
	}
}
