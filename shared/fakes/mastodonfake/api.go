package mastodonfake

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rivo/uniseg"
)

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	p, m := r.URL.Path, r.Method
	tok := s.bearer(r, false)
	key := "ip:" + r.RemoteAddr
	if tok != nil {
		key = "token:" + tok.value
	}
	if !s.throttle(w, key) {
		return
	}
	switch {
	case m == "POST" && p == "/api/v1/apps":
		s.serveApps(w, r)
		return
	case m == "GET" && p == "/api/v2/instance":
		s.serveInstance(w, r)
		return
	case m == "GET" && p == "/api/v1/accounts/lookup":
		s.serveLookup(w, r)
		return
	}
	if tok == nil {
		writeError(w, http.StatusUnauthorized, "The access token is invalid")
		return
	}
	need := func(scopes ...string) bool {
		if hasScope(tok.scopes, scopes...) {
			return true
		}
		writeError(w, http.StatusForbidden, "This action is outside the authorized scopes")
		return false
	}
	parts := strings.Split(strings.Trim(p, "/"), "/") // api v1 x [id] [y]
	switch {
	case m == "GET" && p == "/api/v1/accounts/verify_credentials":
		if need("profile", "read:accounts") {
			s.mu.Lock()
			a := *s.accounts[tok.accountID]
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, a)
		}
	case m == "GET" && len(parts) == 4 && parts[2] == "accounts":
		s.mu.Lock()
		a := s.accounts[parts[3]]
		s.mu.Unlock()
		if a == nil {
			writeError(w, http.StatusNotFound, "Record not found")
			return
		}
		writeJSON(w, http.StatusOK, *a)
	case m == "GET" && p == "/api/v1/conversations":
		if need("read:statuses") {
			s.serveConversations(w, r, tok.accountID)
		}
	case m == "POST" && len(parts) == 5 && parts[2] == "conversations" && parts[4] == "read":
		if need("write:conversations") {
			s.serveMarkRead(w, tok.accountID, parts[3])
		}
	case m == "POST" && p == "/api/v1/statuses":
		if need("write:statuses") {
			s.serveCreateStatus(w, r, tok.accountID)
		}
	case len(parts) == 4 && parts[2] == "statuses":
		switch m {
		case "DELETE":
			if need("write:statuses") {
				s.serveDeleteStatus(w, tok.accountID, parts[3])
			}
		case "PUT":
			if need("write:statuses") {
				s.serveEditStatus(w, r, tok.accountID, parts[3])
			}
		case "GET":
			if need("read:statuses") {
				s.serveStatus(w, tok.accountID, parts[3])
			}
		default:
			writeError(w, http.StatusNotFound, "Record not found")
		}
	case m == "GET" && len(parts) == 5 && parts[2] == "statuses" && parts[4] == "context":
		if need("read:statuses") {
			s.serveContext(w, tok.accountID, parts[3])
		}
	default:
		writeError(w, http.StatusNotFound, "Record not found")
	}
}

func (s *Server) serveInstance(w http.ResponseWriter, r *http.Request) {
	stream := "ws://" + r.Host
	if r.TLS != nil {
		stream = "wss://" + r.Host
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"domain": s.Domain, "title": "Fake Mastodon", "version": "4.3.0", "source_url": "https://github.com/mastodon/mastodon",
		"description": "A fake instance for tests.", "languages": []string{"en"},
		"configuration": map[string]any{
			"urls":     map[string]any{"streaming": stream, "status": nil},
			"statuses": map[string]any{"max_characters": s.maxCharacters(), "max_media_attachments": 4, "characters_reserved_per_url": 23},
			"accounts": map[string]any{"max_featured_tags": 10, "max_pinned_statuses": 5},
		},
		"registrations": map[string]any{"enabled": false, "approval_required": false, "message": nil},
		"contact":       map[string]any{"email": "admin@" + s.Domain, "account": nil},
		"rules":         []any{},
	})
}

func (s *Server) serveLookup(w http.ResponseWriter, r *http.Request) {
	acct := strings.TrimPrefix(r.URL.Query().Get("acct"), "@")
	acct = strings.TrimSuffix(acct, "@"+s.Domain)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accounts {
		if strings.EqualFold(a.Acct, acct) {
			writeJSON(w, http.StatusOK, *a)
			return
		}
	}
	writeError(w, http.StatusNotFound, "Record not found")
}

// serveConversations pages the viewer's conversations on last_status_id like Mastodon's
// ConversationsController: newest first, Link next (max_id) only when the page is full, prev
// (min_id) from the first item.
func (s *Server) serveConversations(w http.ResponseWriter, r *http.Request, viewer string) {
	q := r.URL.Query()
	limit := 20
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		limit = min(n, 40)
	}
	s.mu.Lock()
	var all []*conv
	for _, c := range s.convs[viewer] {
		if c.lastID != "" {
			all = append(all, c)
		}
	}
	sort.Slice(all, func(i, j int) bool { return idLess(all[j].lastID, all[i].lastID) })
	maxID, sinceID, minID := q.Get("max_id"), q.Get("since_id"), q.Get("min_id")
	var sel []*conv
	for _, c := range all {
		if (maxID == "" || idLess(c.lastID, maxID)) && (sinceID == "" || idLess(sinceID, c.lastID)) &&
			(minID == "" || idLess(minID, c.lastID)) {
			sel = append(sel, c)
		}
	}
	if minID != "" && len(sel) > limit { // the page just above min_id
		sel = sel[len(sel)-limit:]
	}
	sel = sel[:min(limit, len(sel))]
	out := []Conversation{}
	for _, c := range sel {
		out = append(out, s.conversation(c))
	}
	s.mu.Unlock()
	if len(sel) > 0 {
		var links []string
		base := s.BaseURL + "/api/v1/conversations?limit=" + strconv.Itoa(limit)
		if len(sel) == limit {
			links = append(links, "<"+base+"&max_id="+url.QueryEscape(sel[len(sel)-1].lastID)+`>; rel="next"`)
		}
		links = append(links, "<"+base+"&min_id="+url.QueryEscape(sel[0].lastID)+`>; rel="prev"`)
		w.Header().Set("Link", strings.Join(links, ", "))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) serveMarkRead(w http.ResponseWriter, viewer, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.convs[viewer] {
		if c.id == id {
			c.unread = false
			writeJSON(w, http.StatusOK, s.conversation(c))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Record not found")
}

// visible returns a status the viewer may see (author or mentioned), or nil.
func (s *Server) visible(viewer, id string) *stored {
	st := s.statuses[id]
	if st == nil || st.deleted || !slices.Contains(st.participants(), viewer) {
		return nil
	}
	return st
}

func (s *Server) serveStatus(w http.ResponseWriter, viewer, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.visible(viewer, id); st != nil {
		writeJSON(w, http.StatusOK, st.Status)
		return
	}
	writeError(w, http.StatusNotFound, "Record not found")
}

func (s *Server) serveContext(w http.ResponseWriter, viewer, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.visible(viewer, id)
	if st == nil {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	ctx := Context{Ancestors: []Status{}, Descendants: []Status{}}
	for p := st; p.InReplyToID != nil; {
		if p = s.visible(viewer, *p.InReplyToID); p == nil {
			break
		}
		ctx.Ancestors = append([]Status{p.Status}, ctx.Ancestors...)
	}
	var walk func(parent string)
	walk = func(parent string) {
		var kids []*stored
		for _, c := range s.statuses {
			if c.InReplyToID != nil && *c.InReplyToID == parent && s.visible(viewer, c.ID) != nil {
				kids = append(kids, c)
			}
		}
		sort.Slice(kids, func(i, j int) bool { return idLess(kids[i].ID, kids[j].ID) })
		for _, k := range kids {
			ctx.Descendants = append(ctx.Descendants, k.Status)
			walk(k.ID)
		}
	}
	walk(st.ID)
	writeJSON(w, http.StatusOK, ctx)
}

var mentionRE = regexp.MustCompile(`(?:^|\s)@([A-Za-z0-9_]+(?:@[A-Za-z0-9.-]+)?)`)

// mentionDomainRE matches a mention with its domain, to count it by its username.
var mentionDomainRE = regexp.MustCompile(`(^|\s)@([A-Za-z0-9_]+)@[A-Za-z0-9.-]+`)

// urlRE finds the links StatusLengthValidator counts as 23 characters.
var urlRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// countableLength counts a status as Mastodon's StatusLengthValidator does: the content
// warning and the text together, in grapheme clusters, each link as 23 characters and each
// mention as its username only (@user@host counts as @user).
func countableLength(spoiler, text string) int {
	text = urlRE.ReplaceAllString(text, strings.Repeat("x", 23))
	text = mentionDomainRE.ReplaceAllString(text, "$1@$2")
	return uniseg.GraphemeClusterCount(spoiler + text)
}

func (s *Server) maxCharacters() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.MaxCharacters > 0 {
		return s.MaxCharacters
	}
	return 500
}

// serveCreateStatus is POST /api/v1/statuses. An Idempotency-Key seen in the last hour for the
// same account returns the status it created instead of posting again.
func (s *Server) serveCreateStatus(w http.ResponseWriter, r *http.Request, author string) {
	s.mu.Lock()
	fail := s.failPosts > 0
	if fail {
		s.failPosts--
	}
	s.mu.Unlock()
	if fail {
		writeError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	v := params(r)
	text := v.Get("status")
	if strings.TrimSpace(text) == "" && len(v["media_ids[]"]) == 0 {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Text can't be blank")
		return
	}
	if n := countableLength(v.Get("spoiler_text"), text); n > s.maxCharacters() {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Validation failed: Text character limit of %d exceeded", s.maxCharacters()))
		return
	}
	s.mu.Lock()
	idemKey := ""
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		idemKey = author + "\x00" + k
		if e, ok := s.idem[idemKey]; ok && s.clock().Sub(e.at) < time.Hour {
			st := s.statuses[e.statusID].Status
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, st)
			return
		}
	}
	var to []string
	body := text
	for _, m := range mentionRE.FindAllStringSubmatch(text, -1) {
		acct := strings.TrimSuffix(m[1], "@"+s.Domain)
		for _, a := range s.accounts {
			if strings.EqualFold(a.Acct, acct) && a.ID != author && !slices.Contains(to, a.ID) {
				to = append(to, a.ID)
			}
		}
		body = strings.Replace(body, "@"+m[1], "", 1)
	}
	if vis := v.Get("visibility"); vis != "direct" {
		s.mu.Unlock()
		writeError(w, http.StatusUnprocessableEntity, "This fake only stores direct statuses")
		return
	}
	st := s.post(Post{Author: author, Text: strings.TrimSpace(body), To: to, InReplyTo: v.Get("in_reply_to_id"), SpoilerText: v.Get("spoiler_text"),
		Sensitive: v.Get("sensitive") == "true"})
	if idemKey != "" {
		s.idem[idemKey] = idemEntry{statusID: st.ID, at: s.clock()}
	}
	stall := s.stalls > 0
	wait := s.stallFor
	if stall {
		s.stalls--
	}
	s.mu.Unlock()
	if stall {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
			return
		}
	}
	writeJSON(w, http.StatusOK, st.Status)
}

// serveEditStatus is PUT /api/v1/statuses/:id: the author replaces the text (its mentions
// stay those of the status).
func (s *Server) serveEditStatus(w http.ResponseWriter, r *http.Request, viewer, id string) {
	text := mentionRE.ReplaceAllString(params(r).Get("status"), "")
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.own(w, viewer, id); st != nil {
		writeJSON(w, http.StatusOK, s.edit(st, strings.TrimSpace(text)))
	}
}

func (s *Server) serveDeleteStatus(w http.ResponseWriter, viewer, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.own(w, viewer, id); st != nil {
		s.deleteStatus(st)
		writeJSON(w, http.StatusOK, st.Status)
	}
}

// own returns a status of the viewer's, or answers 404 and returns nil. Caller holds s.mu.
func (s *Server) own(w http.ResponseWriter, viewer, id string) *stored {
	st := s.visible(viewer, id)
	if st == nil || st.authorID != viewer {
		writeError(w, http.StatusNotFound, "Record not found")
		return nil
	}
	return st
}
