// Package mastodonfake is an in-memory Mastodon server for tests and the demo sandbox. It
// follows the documented client API field by field (notes/protocols.md §1): app registration,
// OAuth with PKCE (S256) and state, WebFinger, verify_credentials, instance v2, account lookup,
// conversations (one per thread and participants) with Link-header pagination on
// last_status_id, statuses with Idempotency-Key and the length limit counted as Mastodon does,
// edits (PUT), deletions, thread context, mark read, the SSE direct, user and user/notification
// streams with heartbeats carrying the events Mastodon 4.x sends on each (seed.go), rate-limit
// headers with 429, and CORS headers exactly as Mastodon's Rack::Cors and streaming server send
// them.
//
// Tests seed it (AddLocal, AddRemote, Follow, Post, Edit, Delete), push stream events by
// posting, drop streams (DropStreams), exhaust rate limits (SetRateLimit), fail or lose
// responses (FailPosts, StallPosts) and move its clock (Advance).
// It builds natively; its one dependency outside the standard library counts grapheme clusters
// as Mastodon counts a status's length.
package mastodonfake

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Server is the fake instance. Its methods are safe for concurrent use.
type Server struct {
	// BaseURL is where the server is reachable (scheme://host[:port]), used in the URLs it
	// returns. Domain is the WebFinger domain of its local accounts.
	BaseURL string
	Domain  string
	// Legacy makes it behave like a server older than 4.3: no authorization-server metadata
	// (404) and PKCE parameters ignored.
	Legacy bool
	// Heartbeat is the interval of ":thump" comments on streams (Mastodon: 15 s).
	Heartbeat time.Duration
	// MaxCharacters is the status length limit (configuration.statuses.max_characters; 0:
	// Mastodon's default, 500). Set it before serving.
	MaxCharacters int

	mu        sync.Mutex
	now       func() time.Time
	nextID    int64
	accounts  map[string]*Account // by id
	statuses  map[string]*stored  // by id
	convs     map[string]map[string]*conv
	tokens    map[string]*token
	apps      map[string]*app // by client_id
	codes     map[string]*grant
	idem      map[string]idemEntry
	streams   map[string]map[*stream]bool // by viewer account id
	follows   map[string]map[string]bool  // follower → followed
	signedIn  string                      // the account /oauth/authorize approves for
	rate      rateLimit
	buckets   map[string]*bucket
	stalls    int
	stallFor  time.Duration
	failPosts int
	offset    time.Duration // added to the clock by Advance
	requests  map[string]int
	lastForms map[string]http.Header
}

type stored struct {
	Status
	authorID   string
	mentionIDs []string
	deleted    bool
}

type conv struct {
	id      string
	key     string   // its participants, the key in Server.convs
	others  []string // account ids, sorted
	unread  bool
	lastID  string
	viewer  string
	history []string // status ids, oldest first
}

type token struct {
	value     string
	accountID string
	scopes    []string
}

type idemEntry struct {
	statusID string
	at       time.Time
}

// New returns an empty server answering as baseURL, with local accounts on domain.
func New(baseURL, domain string) *Server {
	return &Server{
		BaseURL:   baseURL,
		Domain:    domain,
		Heartbeat: 15 * time.Second,
		now:       time.Now,
		nextID:    110000000000000000,
		accounts:  map[string]*Account{},
		statuses:  map[string]*stored{},
		convs:     map[string]map[string]*conv{},
		tokens:    map[string]*token{},
		apps:      map[string]*app{},
		codes:     map[string]*grant{},
		idem:      map[string]idemEntry{},
		streams:   map[string]map[*stream]bool{},
		follows:   map[string]map[string]bool{},
		rate:      rateLimit{limit: 300, window: 5 * time.Minute},
		buckets:   map[string]*bucket{},
		requests:  map[string]int{},
		lastForms: map[string]http.Header{},
	}
}

func (s *Server) newID() string {
	s.nextID++
	return fmt.Sprint(s.nextID)
}

// Requests returns how many requests reached path (e.g. "POST /api/v1/statuses"), rate-limited
// ones included.
func (s *Server) Requests(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[route]
}

// LastHeaders returns the headers of the last request to route.
func (s *Server) LastHeaders(route string) http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastForms[route]
}

// SignIn makes /oauth/authorize approve requests as the account (as if its user were logged
// in and clicked "Authorize").
func (s *Server) SignIn(accountID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signedIn = accountID
}

// Token issues an access token for the account with the given scopes (default "read write").
func (s *Server) Token(accountID string, scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(scopes) == 0 {
		scopes = []string{"read", "write"}
	}
	return s.issueToken(accountID, scopes).value
}

func (s *Server) issueToken(accountID string, scopes []string) *token {
	t := &token{value: randomString(32), accountID: accountID, scopes: scopes}
	s.tokens[t.value] = t
	return t
}

// StallPosts makes the next n status creations succeed on the server but hold their response
// for d (or until the client gives up): the response is lost, the status exists.
func (s *Server) StallPosts(n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalls, s.stallFor = n, d
}

// FailPosts makes the next n status creations fail with 503 before anything is created, as
// an overloaded instance (or its proxy) answers.
func (s *Server) FailPosts(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPosts = n
}

// Advance moves the instance's clock forward (timestamps, rate-limit windows, the hour an
// Idempotency-Key is remembered).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

func (s *Server) clock() time.Time { return s.now().Add(s.offset) }

// StatusesBy returns the live statuses of an account, oldest first.
func (s *Server) StatusesBy(accountID string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, st := range s.statuses {
		if st.authorID == accountID && !st.deleted {
			out = append(out, st.Status)
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// idLess orders Mastodon ids: by length, then lexically (they are numbers in strings).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) timestamp() string {
	return s.clock().UTC().Format("2006-01-02T15:04:05.000Z")
}

// Revoke invalidates an access token (as POST /oauth/revoke or the user's settings would).
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}
