// Package xfake is a fake of the X API v2 endpoints Caliopen uses for direct messages: the
// OAuth 2.0 authorization (PKCE) and token endpoints, dm_events lookup with expansions and
// pagination, the one-to-one and group send endpoints and user lookup. It follows the
// documented shapes field by field (see the project's protocol notes): rate-limit headers and
// 429 when a window is spent, error bodies in X's problem and OAuth shapes, the 30-day window,
// a 403 for a developer app without DM access. Like the real API it sends no CORS headers.
//
// Approximations, where X's documentation is silent: the body of the 402 for an account
// without credits, the opaque pagination tokens, the t.co link form, the consent page (the
// authorize endpoint approves at once for Options.SignedIn and redirects). Not modelled:
// media upload, DELETE of events, the 1,440-per-day send cap, app-level limits. Creating a
// group (POST /2/dm_conversations) records, before its first message, a ParticipantsJoin
// event naming everyone: X's documentation names the event type but not what creation emits.
//
// It also serves the users' profile pictures under /profile_images/, standing in for X's
// image host (pbs.twimg.com), which needs no token.
//
// It is shared: tests of the connector use it, and so can a demo sandbox. It builds natively.
package xfake

import (
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"caliopen/shared/fakes/fakeimage"
)

// User is an X account as the fake serves it.
type User struct {
	ID              string
	Name            string
	Username        string // without "@"
	Description     string
	URL             string // the expanded profile link; served as a t.co url plus entities
	ProfileImageURL string
}

// Media is an attachment seeded on an event.
type Media struct {
	Key     string // media_key, "3_1234"
	Type    string // photo, video, animated_gif
	URL     string
	Width   int
	Height  int
	AltText string
}

// Event is one DM event.
type Event struct {
	ID             string
	Type           string // MessageCreate, ParticipantsJoin, ParticipantsLeave
	Text           string
	ConversationID string
	SenderID       string
	ParticipantIDs []string // Join/Leave events
	CreatedAt      time.Time
	MediaKeys      []string

	links []link // t.co links that replaced the URLs of Text
}

// link is one URL X shortened in a DM text.
type link struct {
	start, end    int // in runes, as X counts
	short, expand string
}

// Options configure a fake.
type Options struct {
	ClientID    string        // the developer app's client id (public client)
	RedirectURI string        // the registered redirect URI (exact match)
	SignedIn    string        // the user id that the authorize endpoint approves for
	AccessTTL   time.Duration // default 2 h, as X
	RateLimit   int           // requests per 15 min per user and endpoint; default 15
	Window      time.Duration // rate-limit window; default 15 min
	Now         func() time.Time
}

// Server is the fake's state and its http.Handler.
type Server struct {
	opt Options

	mu       sync.Mutex
	users    map[string]*User
	groups   map[string][]string // group conversation id → participants
	events   []*Event
	media    map[string]*Media
	nextID   uint64
	codes    map[string]*authCode
	access   map[string]*grant
	refresh  map[string]*grant
	limits   map[string]*window
	noDM     string // when set, DM endpoints answer 403 with this reason
	dropNext int    // send responses to drop after accepting
	requests map[string]int

	routes  sync.Once
	handler http.Handler
}

// New returns a fake with no data.
func New(opt Options) *Server {
	if opt.AccessTTL == 0 {
		opt.AccessTTL = 2 * time.Hour
	}
	if opt.RateLimit == 0 {
		opt.RateLimit = 15
	}
	if opt.Window == 0 {
		opt.Window = 15 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Server{
		opt: opt, users: map[string]*User{}, groups: map[string][]string{}, media: map[string]*Media{},
		nextID: 1860000000000000000, codes: map[string]*authCode{}, access: map[string]*grant{},
		refresh: map[string]*grant{}, limits: map[string]*window{}, requests: map[string]int{},
	}
}

func (s *Server) now() time.Time { return s.opt.Now() }

// AddUser seeds a user.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = &u
}

// AddGroup seeds a group conversation.
func (s *Server) AddGroup(id string, participants ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = participants
}

// AddMedia seeds an attachment that events can name.
func (s *Server) AddMedia(m Media) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[m.Key] = &m
}

// AddEvent seeds an event; an empty ID gets the next one, an empty Type is MessageCreate and a
// zero CreatedAt is now. It returns the event's id.
func (s *Server) AddEvent(e Event) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addLocked(e)
}

func (s *Server) addLocked(e Event) string {
	if e.ID == "" {
		s.nextID++
		e.ID = strconv.FormatUint(s.nextID, 10)
	}
	if e.Type == "" {
		e.Type = "MessageCreate"
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = s.now()
	}
	e.Text, e.links = shorten(e.Text)
	s.events = append(s.events, &e)
	sort.SliceStable(s.events, func(i, j int) bool { return idLess(s.events[j].ID, s.events[i].ID) })
	return e.ID
}

// OneToOneID is X's id of the conversation between two users: "{smaller}-{larger}".
func OneToOneID(a, b string) string {
	if idLess(b, a) {
		a, b = b, a
	}
	return a + "-" + b
}

// idLess compares numeric ids given as decimal strings.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Events returns the events of a conversation ("": of all conversations), newest first.
func (s *Server) Events(conversationID string) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.events {
		if conversationID == "" || e.ConversationID == conversationID {
			out = append(out, *e)
		}
	}
	return out
}

// Participants returns the members of a conversation.
func (s *Server) Participants(conversationID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.participantsLocked(conversationID)
}

// DenyDMAccess makes DM endpoints answer 403 as for an app without DM access or credits
// (reason "client-not-enrolled" or "credits"); "" restores access.
func (s *Server) DenyDMAccess(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noDM = reason
}

// DropSendResponses makes the next n accepted sends lose their response: the message is
// stored, then the connection is closed without an answer.
func (s *Server) DropSendResponses(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropNext = n
}

// Requests returns how many requests an endpoint ("GET /2/dm_events", "POST send", ...) served.
func (s *Server) Requests(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[endpoint]
}

// ExpireTokens makes every access token expired (as if two hours had passed).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.access {
		g.expires = s.now().Add(-time.Second)
	}
}

// ServeHTTP routes a request. No CORS header is ever set, as on api.x.com.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.routes.Do(func() { s.handler = s.mux() })
	s.handler.ServeHTTP(w, r)
}

func (s *Server) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /i/oauth2/authorize", s.authorize)
	m.HandleFunc("POST /2/oauth2/token", s.token)
	m.HandleFunc("GET /2/dm_events", s.withUser("GET /2/dm_events", "dm.read", s.dmEvents))
	m.HandleFunc("GET /2/dm_conversations/with/{participant}/dm_events", s.withUser("GET /2/dm_conversations/with/:id/dm_events", "dm.read", s.dmEvents))
	m.HandleFunc("GET /2/dm_conversations/{conv}/dm_events", s.withUser("GET /2/dm_conversations/:id/dm_events", "dm.read", s.dmEvents))
	m.HandleFunc("POST /2/dm_conversations", s.withUser("POST send", "dm.write", s.createGroup))
	m.HandleFunc("POST /2/dm_conversations/with/{participant}/messages", s.withUser("POST send", "dm.write", s.send))
	m.HandleFunc("POST /2/dm_conversations/{conv}/messages", s.withUser("POST send", "dm.write", s.send))
	m.HandleFunc("GET /2/users/me", s.withUser("GET /2/users/me", "users.read", s.usersMe))
	m.HandleFunc("GET /2/users/by/username/{username}", s.withUser("GET /2/users/by/username/:username", "users.read", s.userByUsername))
	m.HandleFunc("GET /2/users/{id}", s.withUser("GET /2/users/:id", "users.read", s.userByID))
	m.HandleFunc("GET /2/users", s.withUser("GET /2/users", "users.read", s.usersByIDs))
	// Profile pictures, as X's image host (pbs.twimg.com) serves them: public, no token.
	m.HandleFunc("GET /profile_images/{id}/{file}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests["GET /profile_images"]++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "image/png")
		w.Write(fakeimage.Avatar(r.PathValue("id"), 73))
	})
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "Not Found Error", "Sorry, that page does not exist.", "https://api.twitter.com/2/problems/resource-not-found")
	})
	return m
}
