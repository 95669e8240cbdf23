package xfake

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authCode is an issued authorization code (valid 30 s, as on X).
type authCode struct {
	clientID, redirectURI, challenge, method, userID string
	scopes                                           []string
	expires                                          time.Time
}

// grant is an access or refresh token.
type grant struct {
	userID  string
	scopes  []string
	expires time.Time // access tokens only
	pair    string    // the other token of the pair
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// authorize stands for X's consent page: it approves at once for Options.SignedIn and
// redirects to the registered redirect URI with code and state.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("response_type") != "code":
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	case q.Get("client_id") != s.opt.ClientID:
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	case q.Get("redirect_uri") != s.opt.RedirectURI:
		http.Error(w, "redirect_uri does not match the app's callback", http.StatusBadRequest)
		return
	case q.Get("code_challenge") == "" || (q.Get("code_challenge_method") != "S256" && q.Get("code_challenge_method") != "plain"):
		http.Error(w, "code_challenge and code_challenge_method are required", http.StatusBadRequest)
		return
	case q.Get("state") == "":
		http.Error(w, "state is required", http.StatusBadRequest)
		return
	}
	code := randomToken()
	s.mu.Lock()
	s.codes[code] = &authCode{
		clientID: s.opt.ClientID, redirectURI: s.opt.RedirectURI, userID: s.opt.SignedIn,
		challenge: q.Get("code_challenge"), method: q.Get("code_challenge_method"),
		scopes: strings.Fields(q.Get("scope")), expires: s.now().Add(30 * time.Second),
	}
	s.mu.Unlock()
	to := s.opt.RedirectURI + "?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
	http.Redirect(w, r, to, http.StatusFound)
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

// token is POST /2/oauth2/token: authorization_code (PKCE checked) and refresh_token (rotated).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Malformed form body.")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != s.opt.ClientID {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing valid authorization header")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests["POST /2/oauth2/token "+f.Get("grant_type")]++
	var userID string
	var scopes []string
	switch f.Get("grant_type") {
	case "authorization_code":
		c := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code")) // one use
		if c == nil || s.now().After(c.expires) || c.redirectURI != f.Get("redirect_uri") || !pkceOK(c, f.Get("code_verifier")) {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Value passed for the authorization code was invalid.")
			return
		}
		userID, scopes = c.userID, c.scopes
	case "refresh_token":
		g := s.refresh[f.Get("refresh_token")]
		if g == nil {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Value passed for the token was invalid.")
			return
		}
		delete(s.refresh, f.Get("refresh_token")) // rotation: a refresh token works once
		delete(s.access, g.pair)
		userID, scopes = g.userID, g.scopes
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type.")
		return
	}
	access := randomToken()
	resp := map[string]any{
		"token_type": "bearer", "access_token": access,
		"expires_in": int(s.opt.AccessTTL / time.Second), "scope": strings.Join(scopes, " "),
	}
	g := &grant{userID: userID, scopes: scopes, expires: s.now().Add(s.opt.AccessTTL)}
	if has(scopes, "offline.access") {
		rt := randomToken()
		resp["refresh_token"] = rt
		g.pair = rt
		s.refresh[rt] = &grant{userID: userID, scopes: scopes, pair: access}
	}
	s.access[access] = g
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func pkceOK(c *authCode, verifier string) bool {
	if verifier == "" {
		return false
	}
	if c.method == "plain" {
		return verifier == c.challenge
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:]) == c.challenge
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// withUser authenticates a bearer token, checks its scope and the rate limit of the endpoint,
// and sets the rate-limit headers.
func (s *Server) withUser(endpoint, scope string, h func(w http.ResponseWriter, r *http.Request, userID string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		g := s.access[tok]
		valid := ok && g != nil && s.now().Before(g.expires)
		var userID, noDM string
		if valid {
			userID, noDM = g.userID, s.noDM
		}
		s.mu.Unlock()
		if !valid {
			problemStatus(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized", "about:blank")
			return
		}
		if !has(g.scopes, scope) {
			problem(w, http.StatusForbidden, "Forbidden", "You are not permitted to perform this action. Missing scope: "+scope, "https://api.twitter.com/2/problems/oauth2-insufficient-scope")
			return
		}
		if noDM != "" && strings.Contains(endpoint, "dm") || noDM != "" && endpoint == "POST send" {
			refuseDM(w, noDM, s.opt.ClientID)
			return
		}
		if !s.allow(w, userID+" "+endpoint) {
			problemStatus(w, http.StatusTooManyRequests, "Too Many Requests", "Too Many Requests", "about:blank")
			return
		}
		s.mu.Lock()
		s.requests[endpoint]++
		s.mu.Unlock()
		h(w, r, userID)
	}
}
