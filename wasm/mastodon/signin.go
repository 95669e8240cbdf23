package mastodon

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

// Scopes are the least a DM client needs (notes/protocols.md §1.2): list conversations, threads
// and the direct and user streams (read:statuses), edits of direct messages live
// (read:notifications: Mastodon streams the edit of a status that mentions the user on
// timeline:<id>:notifications, which the user stream carries only for a token with that scope,
// see live.go), reply (write:statuses), mark read (write:conversations), and its own account
// (profile on 4.3+, read:accounts before).
const (
	Scopes       = "profile read:statuses read:notifications write:statuses write:conversations"
	LegacyScopes = "read:accounts read:statuses read:notifications write:statuses write:conversations"
)

// SignIn registers the app on an instance and runs the OAuth authorization code flow.
type SignIn struct {
	AppName string // shown on the consent page
	Website string
	// RedirectURI is where the instance sends the browser back (the app's origin and callback).
	RedirectURI string
	// Transport is the HTTP transport (nil: default, fetch in the browser).
	Transport http.RoundTripper
	// AllowHTTP lets an instance be reached over plain http (loopback tests only).
	AllowHTTP bool
}

// Pending is a started sign-in: the app keeps it (it survives the navigation to the instance)
// until the browser comes back to RedirectURI. It holds the client secret and PKCE verifier:
// keep it in the vault or in memory, not in plain storage.
type Pending struct {
	Instance     string `json:"instance"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	RedirectURI  string `json:"redirectUri"`
	Scopes       string `json:"scopes"`
	State        string `json:"state"`
	Verifier     string `json:"verifier,omitempty"` // empty when the instance has no PKCE
	AuthorizeURL string `json:"authorizeUrl"`
}

// Credentials are what a finished sign-in gives the vault and the account list.
type Credentials struct {
	Instance     string `json:"instance"`
	AccessToken  string `json:"accessToken"`
	Scopes       string `json:"scopes"`
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
	// Account is the signed-in account: its URI (mastodon:user@host) is the account identity.
	Account model.Identity `json:"account"`
}

// ErrStateMismatch means the redirect does not belong to the sign-in in progress (a forged or
// stale callback): the code is not exchanged.
var ErrStateMismatch = errors.New("mastodon: sign-in state does not match")

func (s *SignIn) client() *http.Client {
	t := s.Transport
	if t == nil {
		t = http.DefaultTransport
	}
	return &http.Client{Transport: t, Timeout: 30 * time.Second}
}

// Start finds the instance of input (an instance host or URL, or an account "@user@host"
// found through WebFinger), registers the app there and returns the authorization URL to open.
// PKCE (S256) is used when the instance advertises it (Mastodon 4.3+).
func (s *SignIn) Start(ctx context.Context, input string) (*Pending, error) {
	instance, err := s.Resolve(ctx, input)
	if err != nil {
		return nil, err
	}
	pkce, err := s.supportsPKCE(ctx, instance)
	if err != nil {
		return nil, err
	}
	scopes := LegacyScopes
	if pkce {
		scopes = Scopes
	}
	app, err := s.register(ctx, instance, scopes)
	if err != nil {
		return nil, err
	}
	p := &Pending{Instance: instance, ClientID: app.ClientID, ClientSecret: app.ClientSecret,
		RedirectURI: s.RedirectURI, Scopes: scopes, State: randomToken(24)}
	q := url.Values{"response_type": {"code"}, "client_id": {p.ClientID}, "redirect_uri": {p.RedirectURI},
		"scope": {scopes}, "state": {p.State}}
	if pkce {
		p.Verifier = randomToken(48)
		sum := sha256.Sum256([]byte(p.Verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	p.AuthorizeURL = instance + "/oauth/authorize?" + q.Encode()
	return p, nil
}

// Finish completes a sign-in from the URL the browser came back to: it checks state, exchanges
// the code (with the PKCE verifier) and verifies the token.
func (s *SignIn) Finish(ctx context.Context, p *Pending, callbackURL string) (*Credentials, error) {
	u, err := url.Parse(callbackURL)
	if err != nil {
		return nil, fmt.Errorf("mastodon: bad callback URL: %w", err)
	}
	q := u.Query()
	if q.Get("state") != p.State {
		return nil, ErrStateMismatch
	}
	if e := q.Get("error"); e != "" {
		return nil, fmt.Errorf("mastodon: the instance refused the sign-in: %s %s", e, q.Get("error_description"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "client_id": {p.ClientID},
		"client_secret": {p.ClientSecret}, "redirect_uri": {p.RedirectURI}}
	if p.Verifier != "" {
		form.Set("code_verifier", p.Verifier)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
	}
	if err := s.postForm(ctx, p.Instance+"/oauth/token", form, &tok); err != nil {
		return nil, err
	}
	c, err := s.verify(ctx, p.Instance, tok.AccessToken)
	if err != nil {
		return nil, err
	}
	c.Scopes, c.ClientID, c.ClientSecret = tok.Scope, p.ClientID, p.ClientSecret
	return c, nil
}

// WithToken signs in with an access token the user pasted (made in the instance's
// Development settings), after checking it.
func (s *SignIn) WithToken(ctx context.Context, input, token string) (*Credentials, error) {
	instance, err := s.Resolve(ctx, input)
	if err != nil {
		return nil, err
	}
	return s.verify(ctx, instance, strings.TrimSpace(token))
}

func (s *SignIn) verify(ctx context.Context, instance, token string) (*Credentials, error) {
	c := NewClient(instance, token, s.Transport)
	info, err := c.InstanceInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("mastodon: reading the instance: %w", err)
	}
	acct, err := c.VerifyCredentials(ctx)
	if err != nil {
		return nil, fmt.Errorf("mastodon: checking the token: %w", err)
	}
	id, err := IdentityOf(acct, info.Domain)
	if err != nil {
		return nil, err
	}
	id.Own = true
	return &Credentials{Instance: instance, AccessToken: token, Account: id}, nil
}

// Resolve turns the user's input into an instance base URL. "@user@host" and "user@host" are
// looked up with WebFinger on host: the instance is the host of the account's actor, which
// may differ from the handle's domain.
func (s *SignIn) Resolve(ctx context.Context, input string) (string, error) {
	in := strings.TrimSpace(input)
	if strings.HasPrefix(in, "https://") || (s.AllowHTTP && strings.HasPrefix(in, "http://")) {
		u, err := url.Parse(in)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("mastodon: %q is not an instance address", input)
		}
		return u.Scheme + "://" + u.Host, nil
	}
	scheme := "https://"
	if s.AllowHTTP {
		scheme = "http://"
	}
	in = strings.TrimPrefix(in, "@")
	if !strings.Contains(in, "@") {
		if in == "" || strings.ContainsAny(in, "/ ") {
			return "", fmt.Errorf("mastodon: %q is not an instance address", input)
		}
		return scheme + strings.ToLower(in), nil
	}
	acct, err := identity.Mastodon(in, "")
	if err != nil {
		return "", err
	}
	var jrd struct {
		Links []struct {
			Rel  string `json:"rel"`
			Type string `json:"type"`
			Href string `json:"href"`
		} `json:"links"`
	}
	wf := scheme + acct.Host + "/.well-known/webfinger?resource=" + url.QueryEscape("acct:"+acct.User+"@"+acct.Host)
	if err := s.getJSON(ctx, wf, &jrd); err != nil {
		return "", fmt.Errorf("mastodon: finding %s: %w", acct.Handle, err)
	}
	for _, l := range jrd.Links {
		if l.Rel == "self" && (l.Type == "application/activity+json" || strings.HasPrefix(l.Type, "application/ld+json")) {
			u, err := url.Parse(l.Href)
			if err == nil && u.Host != "" && (u.Scheme == "https" || s.AllowHTTP) {
				return u.Scheme + "://" + u.Host, nil
			}
		}
	}
	return "", fmt.Errorf("mastodon: %s has no ActivityPub actor", acct.Handle)
}

// supportsPKCE reads the authorization-server metadata (4.3+); a 404 means an older server.
func (s *SignIn) supportsPKCE(ctx context.Context, instance string) (bool, error) {
	var meta struct {
		Methods []string `json:"code_challenge_methods_supported"`
	}
	err := s.getJSON(ctx, instance+"/.well-known/oauth-authorization-server", &meta)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, m := range meta.Methods {
		if m == "S256" {
			return true, nil
		}
	}
	return false, nil
}

type application struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// register is POST /api/v1/apps (go-mastodon's RegisterApp builds an authorize URL without
// state or PKCE, so it is not used).
func (s *SignIn) register(ctx context.Context, instance, scopes string) (*application, error) {
	name := s.AppName
	if name == "" {
		name = "Caliopen"
	}
	form := url.Values{"client_name": {name}, "redirect_uris": {s.RedirectURI}, "scopes": {scopes}}
	if s.Website != "" {
		form.Set("website", s.Website)
	}
	var app application
	if err := s.postForm(ctx, instance+"/api/v1/apps", form, &app); err != nil {
		return nil, fmt.Errorf("mastodon: registering the app: %w", err)
	}
	return &app, nil
}

func (s *SignIn) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return s.do(req, v)
}

func (s *SignIn) postForm(ctx context.Context, u string, form url.Values, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return s.do(req, v)
}

func (s *SignIn) do(req *http.Request, v any) error {
	resp, err := s.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return readAPIError(resp)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func randomToken(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
