package mastodonfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Channels of a viewer's events (Mastodon's Redis channels): timeline:direct:<id>,
// timeline:<id> and timeline:<id>:notifications.
const (
	chDirect        = "direct"
	chHome          = "home"
	chNotifications = "notifications"
)

type stream struct {
	channels map[string]bool
	events   chan string // ready-to-write SSE frames
	drop     chan struct{}
}

// push queues an event for every open stream of the viewer that carries the channel. Caller
// holds s.mu. A stream too slow to keep up loses the event, as a real server's would be cut.
func (s *Server) push(viewer, channel, event, data string) {
	var b strings.Builder
	b.WriteString("event: " + event + "\n")
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	for st := range s.streams[viewer] {
		if !st.channels[channel] {
			continue
		}
		select {
		case st.events <- b.String():
		default:
		}
	}
}

// DropStreams closes every open stream, as a restart of the streaming server would. Events
// posted until the client reconnects are not replayed on the stream.
func (s *Server) DropStreams() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, set := range s.streams {
		for st := range set {
			close(st.drop)
			delete(set, st)
		}
	}
}

// OpenStreams returns how many streams are connected.
func (s *Server) OpenStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, set := range s.streams {
		n += len(set)
	}
	return n
}

// serveStreaming serves the SSE streams GET /api/v1/streaming/direct, /user and
// /user/notification, and /api/v1/streaming/health. As streaming/index.js: direct and user need
// read or read:statuses, user/notification read or read:notifications, and the user stream
// carries the notifications channel only for a token with read or read:notifications.
func (s *Server) serveStreaming(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v1/streaming/health" {
		w.Write([]byte("OK"))
		return
	}
	var channels map[string]bool
	need := "read:statuses"
	tok := s.bearer(r, true)
	switch r.URL.Path {
	case "/api/v1/streaming/direct":
		channels = map[string]bool{chDirect: true}
	case "/api/v1/streaming/user":
		channels = map[string]bool{chHome: true}
		if tok != nil && hasScope(tok.scopes, "read:notifications") {
			channels[chNotifications] = true
		}
	case "/api/v1/streaming/user/notification":
		channels, need = map[string]bool{chNotifications: true}, "read:notifications"
	}
	if channels == nil || r.Method != http.MethodGet {
		writeError(w, http.StatusNotFound, "Unknown stream type")
		return
	}
	if tok == nil || tok.accountID == "" {
		writeError(w, http.StatusUnauthorized, "Missing access token")
		return
	}
	if !hasScope(tok.scopes, need) {
		writeError(w, http.StatusUnauthorized, "Access token does not have the required scopes")
		return
	}
	st := &stream{channels: channels, events: make(chan string, 64), drop: make(chan struct{})}
	s.mu.Lock()
	if s.streams[tok.accountID] == nil {
		s.streams[tok.accountID] = map[*stream]bool{}
	}
	s.streams[tok.accountID][st] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.streams[tok.accountID], st)
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	write := func(s string) bool {
		if _, err := w.Write([]byte(s)); err != nil {
			return false
		}
		if flusher != nil {
			flusher.Flush()
		}
		return true
	}
	if !write(":)\n") {
		return
	}
	beat := time.NewTicker(s.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-st.drop:
			return
		case <-beat.C:
			if !write(":thump\n") {
				return
			}
		case ev := <-st.events:
			if !write(ev) {
				return
			}
		}
	}
}

// TB is the part of testing.TB that Start uses.
type TB interface {
	Cleanup(func())
}

// Start runs a fake instance on loopback for the test and returns it; it stops with the test.
// domain is the WebFinger domain of its local accounts.
func Start(tb TB, domain string) *Server {
	s := New("", domain)
	hs := httptest.NewServer(s)
	s.BaseURL = hs.URL
	tb.Cleanup(func() {
		s.DropStreams()
		hs.CloseClientConnections()
		hs.Close()
	})
	return s
}
