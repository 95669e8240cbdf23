package x

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// App is the user's own X developer app: a public client (no secret) identified by its
// client id, with the redirect URI registered for Caliopen (matched exactly by X).
type App struct {
	ClientID    string
	RedirectURI string
	// AuthorizeURL and TokenURL default to X's; tests point them at a fake.
	AuthorizeURL string
	TokenURL     string
	// HTTP carries the token requests (through the tunnel: X sends no CORS headers).
	HTTP *http.Client
}

func (a *App) authorizeURL() string {
	if a.AuthorizeURL != "" {
		return a.AuthorizeURL
	}
	return DefaultAuthorizeURL
}

func (a *App) tokenURL() string {
	if a.TokenURL != "" {
		return a.TokenURL
	}
	return DefaultAPIBase + "/2/oauth2/token"
}

// Token is what the vault keeps for an X account.
type Token struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	Expiry       time.Time `json:"expiry"`
	Scope        string    `json:"scope,omitempty"`
}

// AuthRequest is one sign-in attempt: open URL in a window, keep State and Verifier until the
// redirect comes back, then call Exchange. It is single-use.
type AuthRequest struct {
	URL      string `json:"url"`
	State    string `json:"state"`
	Verifier string `json:"verifier"`
}

// SignIn starts a sign-in: a fresh PKCE verifier (S256) and state, and the authorize URL.
func (a *App) SignIn() (AuthRequest, error) {
	if a.ClientID == "" || a.RedirectURI == "" {
		return AuthRequest{}, errors.New("x: the developer app's client id and redirect URI are required")
	}
	verifier, state := randomString(48), randomString(24)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {a.ClientID},
		"redirect_uri":          {a.RedirectURI},
		"scope":                 {strings.Join(Scopes, " ")},
		"state":                 {state},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	return AuthRequest{URL: a.authorizeURL() + "?" + q.Encode(), State: state, Verifier: verifier}, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrStateMismatch means the redirect does not answer this sign-in (or was forged).
var ErrStateMismatch = errors.New("x: the sign-in answer does not match the request (state differs)")

// Exchange completes a sign-in from the redirect URL X sent the browser to: it checks state,
// reports a refusal, and exchanges the code (valid 30 s) for tokens.
func (a *App) Exchange(ctx context.Context, req AuthRequest, redirected string) (Token, error) {
	u, err := url.Parse(redirected)
	if err != nil {
		return Token{}, fmt.Errorf("x: reading the sign-in answer: %w", err)
	}
	q := u.Query()
	if q.Get("state") != req.State || req.State == "" {
		return Token{}, ErrStateMismatch
	}
	if e := q.Get("error"); e != "" {
		return Token{}, &OAuthError{Code: e, Description: q.Get("error_description")}
	}
	code := q.Get("code")
	if code == "" {
		return Token{}, errors.New("x: the sign-in answer has no code")
	}
	return a.token(ctx, url.Values{
		"code": {code}, "grant_type": {"authorization_code"}, "client_id": {a.ClientID},
		"redirect_uri": {a.RedirectURI}, "code_verifier": {req.Verifier},
	})
}

// Refresh trades a refresh token for new tokens. X rotates refresh tokens: the old one stops
// working, so the result must reach the vault.
func (a *App) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	return a.token(ctx, url.Values{"refresh_token": {refreshToken}, "grant_type": {"refresh_token"}, "client_id": {a.ClientID}})
}

func (a *App) token(ctx context.Context, form url.Values) (Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.tokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := a.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return Token{}, fmt.Errorf("x: token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Token{}, fmt.Errorf("x: token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var oe OAuthError
		if json.Unmarshal(body, &oe) == nil && oe.Code != "" {
			oe.Status = resp.StatusCode
			return Token{}, &oe
		}
		return Token{}, parseAPIError(resp, body)
	}
	var t struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		ExpiresIn    int64  `json:"expires_in"`
		Scope        string `json:"scope"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return Token{}, fmt.Errorf("x: token response is not understood: %.200s", body)
	}
	return Token{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Scope: t.Scope,
		Expiry: start.Add(time.Duration(t.ExpiresIn) * time.Second),
	}, nil
}

// OAuthError is an error from the authorize redirect or the token endpoint
// ({"error","error_description"}).
type OAuthError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *OAuthError) Error() string {
	return "x: sign-in refused: " + e.Code + ": " + e.Description
}
