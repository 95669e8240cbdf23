package mastodonfake

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type app struct {
	id, name, website, clientID, secret string
	redirectURIs                        []string
	scopes                              []string
}

type grant struct {
	app                  *app
	accountID            string
	redirectURI          string
	scopes               []string
	challenge, challMeth string
	used                 bool
}

// serveApps is POST /api/v1/apps.
func (s *Server) serveApps(w http.ResponseWriter, r *http.Request) {
	v := params(r)
	name := v.Get("client_name")
	uris := v["redirect_uris[]"]
	if len(uris) == 0 {
		uris = strings.Fields(v.Get("redirect_uris"))
	}
	if name == "" || len(uris) == 0 {
		writeError(w, http.StatusUnprocessableEntity, "Validation failed: Name can't be blank, Redirect URI can't be blank")
		return
	}
	scopes := strings.Fields(v.Get("scopes"))
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	s.mu.Lock()
	a := &app{id: s.newID(), name: name, website: v.Get("website"), clientID: randomString(40),
		secret: randomString(40), redirectURIs: uris, scopes: scopes}
	s.apps[a.clientID] = a
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"id": a.id, "name": a.name, "website": nilIfEmpty(a.website), "scopes": a.scopes,
		"redirect_uri": strings.Join(uris, "\n"), "redirect_uris": uris,
		"client_id": a.clientID, "client_secret": a.secret, "client_secret_expires_at": 0,
		"vapid_key": "BCk-fake-vapid-key",
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) serveWellKnown(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/oauth-authorization-server":
		if s.Legacy {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                s.BaseURL + "/",
			"service_documentation":                 "https://docs.joinmastodon.org/",
			"authorization_endpoint":                s.BaseURL + "/oauth/authorize",
			"token_endpoint":                        s.BaseURL + "/oauth/token",
			"app_registration_endpoint":             s.BaseURL + "/api/v1/apps",
			"revocation_endpoint":                   s.BaseURL + "/oauth/revoke",
			"scopes_supported":                      []string{"read", "write", "push", "profile", "read:accounts", "read:notifications", "read:search", "read:statuses", "write:conversations", "write:media", "write:statuses"},
			"response_types_supported":              []string{"code"},
			"response_modes_supported":              []string{"query", "fragment", "form_post"},
			"code_challenge_methods_supported":      []string{"S256"},
			"grant_types_supported":                 []string{"authorization_code", "client_credentials"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		})
	case "/.well-known/webfinger":
		s.serveWebFinger(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	res := strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:")
	user, domain, _ := strings.Cut(res, "@")
	s.mu.Lock()
	var found *Account
	for _, a := range s.accounts {
		if strings.EqualFold(a.Acct, user) && strings.EqualFold(domain, s.Domain) {
			found = a
		}
	}
	s.mu.Unlock()
	if found == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
	writeJSONRaw(w, map[string]any{
		"subject": "acct:" + found.Username + "@" + s.Domain,
		"aliases": []string{deref(found.URL), found.URI},
		"links": []map[string]string{
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": deref(found.URL)},
			{"rel": "self", "type": "application/activity+json", "href": found.URI},
			{"rel": "http://ostatus.org/schema/1.0/subscribe", "template": s.BaseURL + "/authorize_interaction?uri={uri}"},
		},
	})
}

func writeJSONRaw(w http.ResponseWriter, v any) {
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(mustJSON(v)))
}

// serveAuthorize is the consent page: it approves at once for the signed-in account and
// redirects to the app with code and state, or with error=... as Doorkeeper does.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[q.Get("client_id")]
	if a == nil || !slices.Contains(a.redirectURIs, q.Get("redirect_uri")) {
		http.Error(w, "The client is unknown or the redirect URI is not registered.", http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(q.Get("redirect_uri"))
	reply := back.Query()
	redirect := func() {
		if st := q.Get("state"); st != "" {
			reply.Set("state", st)
		}
		back.RawQuery = reply.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		scopes = []string{"read"}
	}
	for _, sc := range scopes {
		if !hasScope(a.scopes, sc) {
			reply.Set("error", "invalid_scope")
			redirect()
			return
		}
	}
	if q.Get("response_type") != "code" {
		reply.Set("error", "unsupported_response_type")
		redirect()
		return
	}
	g := &grant{app: a, accountID: s.signedIn, redirectURI: q.Get("redirect_uri"), scopes: scopes}
	if !s.Legacy && q.Get("code_challenge") != "" {
		if m := q.Get("code_challenge_method"); m != "S256" {
			reply.Set("error", "invalid_request")
			reply.Set("error_description", "Code challenge method must be S256.")
			redirect()
			return
		}
		g.challenge, g.challMeth = q.Get("code_challenge"), "S256"
	}
	if s.signedIn == "" {
		http.Error(w, "Log in to authorize this application.", http.StatusUnauthorized)
		return
	}
	code := randomString(40)
	s.codes[code] = g
	reply.Set("code", code)
	redirect()
}

// serveToken is POST /oauth/token (authorization_code and client_credentials grants).
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	v := params(r)
	id, secret := v.Get("client_id"), v.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, secret = u, p
	}
	oauthErr := func(code int, e, desc string) {
		writeJSON(w, code, map[string]string{"error": e, "error_description": desc})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[id]
	if a == nil || a.secret != secret {
		oauthErr(http.StatusUnauthorized, "invalid_client", "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return
	}
	var t *token
	switch v.Get("grant_type") {
	case "authorization_code":
		g := s.codes[v.Get("code")]
		if g == nil || g.used || g.app != a || g.redirectURI != v.Get("redirect_uri") {
			oauthErr(http.StatusBadRequest, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
			return
		}
		if g.challenge != "" && s256(v.Get("code_verifier")) != g.challenge {
			oauthErr(http.StatusBadRequest, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
			return
		}
		g.used = true
		t = s.issueToken(g.accountID, g.scopes)
	case "client_credentials":
		t = s.issueToken("", a.scopes)
	default:
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": t.value, "token_type": "Bearer", "scope": strings.Join(t.scopes, " "),
		"created_at": time.Now().Unix(),
	})
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func itoa(n int) string { return strconv.Itoa(n) }
