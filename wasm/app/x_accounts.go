package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/tunnel"
	"caliopen/wasm/x"
)

// X accounts: X's API sends no CORS headers, so every call goes through the relay tunnel
// with TLS ending here. The user brings their own developer app (a public client id).

// xAppSettings are the developer app and the API an X account uses; kept in the account's
// settings (none is secret: the client id is public, the CA is a certificate).
type xAppSettings struct {
	ClientID    string `json:"clientId"`
	RedirectURI string `json:"redirectUri"`
	// APIBase is X's API (https://api.x.com) or a sandbox's; its authorize page is then
	// APIBase/i/oauth2/authorize.
	APIBase string `json:"apiBase,omitempty"`
	// CAPEM adds certificate authorities for a sandbox's API (never needed for X).
	CAPEM string `json:"caPem,omitempty"`
	// AuthorizeURL is the consent page when it is not the API's own (a sandbox serves it
	// where the browser can open it).
	AuthorizeURL string `json:"authorizeUrl,omitempty"`
}

// Keys of xAppSettings in model.Account.Settings (clientId, redirectUri and userId are
// x.AccountFor's).
const (
	settingXAPIBase = "apiBase"
	settingXCAPEM   = "caPem"
	settingXAuthURL = "authorizeUrl"
)

func xSettingsOf(a model.Account) xAppSettings {
	return xAppSettings{ClientID: a.Settings["clientId"], RedirectURI: a.Settings["redirectUri"],
		APIBase: a.Settings[settingXAPIBase], CAPEM: a.Settings[settingXCAPEM], AuthorizeURL: a.Settings[settingXAuthURL]}
}

// app returns the developer app, reaching X through the tunnel.
func (s xAppSettings) app(d *tunnel.Dialer) (*x.App, error) {
	hc, err := x.NewHTTPClient(d, []byte(s.CAPEM))
	if err != nil {
		return nil, api.Errorf("bad_ca", "The certificate authority is not a PEM certificate: "+err.Error()).With("detail", err.Error())
	}
	app := &x.App{ClientID: s.ClientID, RedirectURI: s.RedirectURI, HTTP: hc}
	if s.APIBase != "" && s.APIBase != x.DefaultAPIBase {
		app.AuthorizeURL = s.APIBase + "/i/oauth2/authorize"
		app.TokenURL = s.APIBase + "/2/oauth2/token"
	}
	if s.AuthorizeURL != "" {
		app.AuthorizeURL = s.AuthorizeURL
	}
	return app, nil
}

func (s xAppSettings) base() string {
	if s.APIBase == "" {
		return x.DefaultAPIBase
	}
	return s.APIBase
}

func (m *accounts) xSignIn(ctx context.Context, p api.XSignInParams) (api.SignInStarted, error) {
	d, err := m.ready()
	if err != nil {
		return api.SignInStarted{}, err
	}
	s := xAppSettings{ClientID: strings.TrimSpace(p.ClientID), CAPEM: p.CAPEM}
	if s.ClientID == "" {
		return api.SignInStarted{}, api.Errorf("missing_client_id", "Enter the client id of your X developer app (OAuth 2.0, public client).")
	}
	if s.RedirectURI, err = checkRedirect(p.RedirectURI); err != nil {
		return api.SignInStarted{}, err
	}
	if base := strings.TrimRight(strings.TrimSpace(p.APIBase), "/"); base != "" {
		u, err := url.Parse(base)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.Path != "" {
			return api.SignInStarted{}, api.Errorf("bad_api_base", "The API address must be an https:// origin, such as https://api.x.com.")
		}
		s.APIBase = base
	}
	if p.AuthorizeURL != "" {
		u, err := url.Parse(p.AuthorizeURL)
		if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) {
			return api.SignInStarted{}, api.Errorf("bad_authorize_url", "The consent page must be an https:// address (http:// only on this computer).")
		}
		s.AuthorizeURL = p.AuthorizeURL
	}
	app, err := s.app(d)
	if err != nil {
		return api.SignInStarted{}, err
	}
	req, err := app.SignIn()
	if err != nil {
		return api.SignInStarted{}, api.Errorf(api.CodeBadRequest, err.Error())
	}
	if err := m.keepPending(ctx, req.State, pending{Network: model.X, X: &pendingX{Request: req, App: s}}); err != nil {
		return api.SignInStarted{}, err
	}
	return api.SignInStarted{AuthorizeURL: req.URL}, nil
}

func (m *accounts) finishX(ctx context.Context, pend *pendingX, callback string) (api.AccountView, error) {
	d, err := m.ready()
	if err != nil {
		return api.AccountView{}, err
	}
	app, err := pend.App.app(d)
	if err != nil {
		return api.AccountView{}, err
	}
	tok, err := app.Exchange(ctx, pend.Request, callback)
	if err != nil {
		return api.AccountView{}, xError(err)
	}
	ts := x.NewTokenSource(app, tok, nil)
	me, err := (&x.Client{HTTP: app.HTTP, Base: pend.App.base(), Tokens: ts}).Me(ctx)
	if err != nil {
		return api.AccountView{}, xError(err)
	}
	a, own, err := x.AccountFor("", me, app, "")
	if err != nil {
		return api.AccountView{}, err
	}
	a.ID = m.accountFor(ctx, a.Identity)
	if pend.App.APIBase != "" {
		a.Settings[settingXAPIBase] = pend.App.APIBase
	}
	if pend.App.CAPEM != "" {
		a.Settings[settingXCAPEM] = pend.App.CAPEM
	}
	if pend.App.AuthorizeURL != "" { // signing in again opens the same consent page
		a.Settings[settingXAuthURL] = pend.App.AuthorizeURL
	}
	secret, err := json.Marshal(ts.Current()) // the pair may have rotated during Me
	if err != nil {
		return api.AccountView{}, err
	}
	return m.save(ctx, a, secret, own)
}

// xError turns an X failure into words the user can act on.
func xError(err error) error {
	var oe *x.OAuthError
	var ae *x.APIError
	switch {
	case errors.Is(err, x.ErrStateMismatch):
		return api.Errorf("state_mismatch", "This sign-in answer does not belong to the sign-in started here. Start again.")
	case errors.As(err, &oe):
		return api.Errorf("x_signin_refused", "X refused the sign-in ("+oe.Code+"): "+oe.Description+" Check the client id and that the app's callback address is exactly this app's.").
			With("code", oe.Code).With("description", oe.Description)
	case errors.As(err, &ae) && ae.Refused():
		// x_no_credits, x_no_dm_access, x_no_dm_scope, x_other_refusal
		return api.Errorf("x_"+strings.ReplaceAll(ae.AccessReason(), "-", "_"), ae.AccessState()).With("detail", ae.Error())
	case errors.As(err, &ae):
		return api.Errorf("x_refused", "X refused: "+ae.Error()).With("detail", ae.Error())
	}
	return tunnelError(err, "x_unreachable", "X could not be reached: ")
}

// xConn is a running X account: the poller and the outbox handler.
type xConn struct {
	conn *x.Connector
	wake chan struct{} // the poller's Wake: RetryNow

	mu     sync.Mutex
	state  x.State
	stored int
}

func (m *accounts) startX(ctx context.Context, a model.Account, d *tunnel.Dialer) (connection, error) {
	if d == nil {
		return nil, errors.New("no relay")
	}
	s := xSettingsOf(a)
	app, err := s.app(d)
	if err != nil {
		return nil, err
	}
	raw, err := m.vault.Get(ctx, a.SecretRef)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	var tok x.Token
	if err := json.Unmarshal(raw, &tok); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	c := &xConn{state: x.State{Status: x.StatusSyncing}, wake: make(chan struct{}, 1)}
	c.conn = x.New(x.Config{App: app, Token: tok, HTTP: app.HTTP, APIBase: s.APIBase, Repo: m.a.eng.Repo,
		AccountID: a.ID, SelfID: a.Settings["userId"], Wake: c.wake,
		// X rotates refresh tokens: a pair not written to the vault means signing in again.
		OnToken: func(t x.Token) {
			raw, _ := json.Marshal(t)
			if err := m.vault.Put(m.a.ctx, a.SecretRef, raw); err != nil {
				m.a.o.Log.Error("accounts: the renewed X tokens could not be kept", "account", a.ID, "error", err)
			}
		},
		OnState: func(st x.State) {
			c.mu.Lock()
			c.state = st
			c.stored += st.Result.Messages
			c.mu.Unlock()
			if st.Result.Messages > 0 {
				m.profilesChanged()
			}
			m.changed(m.a.ctx, topicAccounts)
		}})
	c.conn.Tokens.Early = xRefreshEarly()
	if tuning.x != nil {
		tuning.x(c.conn)
	}
	return c, nil
}

func (c *xConn) Run(ctx context.Context) { _ = c.conn.Run(ctx) }

// RetryNow makes the poller try at once (after a refusal the user fixed, or to end a wait).
func (c *xConn) RetryNow() {
	select {
	case c.wake <- struct{}{}:
	default: // a wake is already pending
	}
}

// retrier is a connection that can be told to try again at once.
type retrier interface{ RetryNow() }

// retryAccount is RetryAccount: the account's connection tries again now.
func (m *accounts) retryAccount(ctx context.Context, p api.AccountRef) (api.Empty, error) {
	c := m.connection(p.ID)
	if c == nil {
		return api.Empty{}, api.Errorf("not_connected", "This account is not connected on this device (is the vault unlocked and this tab syncing?).")
	}
	r, ok := c.(retrier)
	if !ok {
		return api.Empty{}, api.Errorf(api.CodeBadRequest, "This account does not wait for anything to try again.")
	}
	r.RetryNow()
	return api.Empty{}, nil
}

func (c *xConn) Outbox() outbox.Handler { return c.conn.Outbox }

// Health says polling while X answers (X has no push for a browser app), rate-limited until
// the window resets, refused when X refuses the developer app (its access tier or credits).
func (c *xConn) Health() api.AccountHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return xHealth(c.state)
}

// FirstSync says the first sync since the start has not completed (and is not stopped).
func (c *xConn) FirstSync() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.LastSync.IsZero() && c.state.Status == x.StatusSyncing
}

func (c *xConn) Progress() *api.SyncProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stored == 0 {
		return nil
	}
	return &api.SyncProgress{Folder: "Direct messages", Done: c.stored}
}

// replyX queues a message to the parent's conversation.
func (m *accounts) replyX(ctx context.Context, acct model.Account, parent model.Message, p api.ReplyParams) (*repo.OutboxItem, error) {
	if parent.ConversationID == "" {
		return nil, api.Errorf(api.CodeBadRequest, "This message has no conversation to answer in.")
	}
	return x.EnqueueText(ctx, m.a.eng.Repo, acct.ID, x.Outgoing{ConversationID: parent.ConversationID, Text: p.Text})
}

// xRefreshEarly is how long before its expiry this device renews an X access token: between
// 5 and 25 minutes, drawn per connection. The user's devices share the tokens through sync,
// and X rotates the refresh token at each renewal: drawn apart, one device renews first and
// the others receive the new pair (and restart with it) before their own turn, instead of
// spending the same refresh token at the same moment, which X refuses for all but one.
func xRefreshEarly() time.Duration {
	return 5*time.Minute + rand.N(20*time.Minute)
}
