package x

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrSignInAgain means the tokens can no longer be renewed (refresh token refused, revoked or
// absent): the user must sign in again.
var ErrSignInAgain = errors.New("x: the sign-in has expired: sign in to X again")

// TokenSource hands out a valid access token, refreshing it shortly before it expires (X's
// last 2 hours) and reporting every new pair through OnChange so the vault can keep it: X
// rotates refresh tokens, so a lost update means signing in again.
type TokenSource struct {
	App      *App
	OnChange func(Token)
	// Early is how long before expiry a token is refreshed; default 5 minutes.
	Early time.Duration
	Now   func() time.Time

	mu  sync.Mutex
	tok Token
}

// NewTokenSource starts from the tokens kept in the vault.
func NewTokenSource(app *App, tok Token, onChange func(Token)) *TokenSource {
	return &TokenSource{App: app, tok: tok, OnChange: onChange}
}

func (ts *TokenSource) now() time.Time {
	if ts.Now != nil {
		return ts.Now()
	}
	return time.Now()
}

// Current returns the tokens held, without refreshing.
func (ts *TokenSource) Current() Token {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.tok
}

// Token returns an access token valid for at least Early, refreshing first if needed. The
// refresh runs under the lock, so concurrent callers (poller, outbox) never spend the same
// rotated refresh token twice. If X's answer to a refresh is lost, X may already have
// rotated the token: the next refresh is then refused and the user signs in again.
func (ts *TokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	early := ts.Early
	if early == 0 {
		early = 5 * time.Minute
	}
	if ts.tok.AccessToken != "" && ts.now().Add(early).Before(ts.tok.Expiry) {
		return ts.tok.AccessToken, nil
	}
	if err := ts.refreshLocked(ctx); err != nil {
		return "", err
	}
	return ts.tok.AccessToken, nil
}

// Invalidate forces a refresh on the next Token call unless the token changed meanwhile
// (an API call answered 401 with it).
func (ts *TokenSource) Invalidate(access string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok.AccessToken == access {
		ts.tok.Expiry = time.Time{}
	}
}

func (ts *TokenSource) refreshLocked(ctx context.Context) error {
	if ts.tok.RefreshToken == "" {
		return ErrSignInAgain
	}
	t, err := ts.App.Refresh(ctx, ts.tok.RefreshToken)
	var oe *OAuthError
	if errors.As(err, &oe) {
		return errors.Join(ErrSignInAgain, err)
	}
	if err != nil {
		return err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = ts.tok.RefreshToken
	}
	ts.tok = t
	if ts.OnChange != nil {
		ts.OnChange(t)
	}
	return nil
}
