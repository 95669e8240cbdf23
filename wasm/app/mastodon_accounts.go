package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/tunnel"
)

// Mastodon accounts: the instance's client API allows cross-origin calls, so the core calls
// it directly (fetch in the browser); no relay is involved.

// mastodonSignIn returns the sign-in of an instance input; plain http only for an instance
// on this computer (the demo sandbox, tests).
func mastodonSignIn(instance, redirect string) *mastodon.SignIn {
	s := &mastodon.SignIn{AppName: "Caliopen", Website: "https://caliopen.org", RedirectURI: redirect}
	if u, err := url.Parse(strings.TrimSpace(instance)); err == nil && u.Scheme == "http" && isLoopback(u.Hostname()) {
		s.AllowHTTP = true
	}
	return s
}

func (m *accounts) mastodonSignIn(ctx context.Context, p api.MastodonSignInParams) (api.SignInStarted, error) {
	if strings.TrimSpace(p.Instance) == "" {
		return api.SignInStarted{}, api.Errorf("missing_instance", "Enter your instance (mastodon.social) or your address (@you@mastodon.social).")
	}
	if m.vault.Locked() {
		return api.SignInStarted{}, api.Errorf("locked", "Unlock the vault first: the sign-in is kept in it.")
	}
	redirect, err := checkRedirect(p.RedirectURI)
	if err != nil {
		return api.SignInStarted{}, err
	}
	pend, err := mastodonSignIn(p.Instance, redirect).Start(ctx, p.Instance)
	if err != nil {
		return api.SignInStarted{}, mastodonError(err, "instance_unreachable", "The instance could not be reached: ")
	}
	if err := m.keepPending(ctx, pend.State, pending{Network: model.Mastodon, Mastodon: pend}); err != nil {
		return api.SignInStarted{}, err
	}
	return api.SignInStarted{AuthorizeURL: pend.AuthorizeURL}, nil
}

func (m *accounts) finishMastodon(ctx context.Context, pend *mastodon.Pending, callback string) (api.AccountView, error) {
	creds, err := mastodonSignIn(pend.Instance, pend.RedirectURI).Finish(ctx, pend, callback)
	if err != nil {
		return api.AccountView{}, mastodonError(err, "signin_incomplete", "The sign-in could not be completed: ")
	}
	return m.saveMastodon(ctx, creds)
}

func (m *accounts) mastodonToken(ctx context.Context, p api.MastodonTokenParams) (api.AccountView, error) {
	if strings.TrimSpace(p.Instance) == "" || strings.TrimSpace(p.Token) == "" {
		return api.AccountView{}, api.Errorf("missing_token", "Enter your instance and the access token made in its Development settings.")
	}
	if m.vault.Locked() {
		return api.AccountView{}, api.Errorf("locked", "Unlock the vault first: the token is kept in it.")
	}
	creds, err := mastodonSignIn(p.Instance, "").WithToken(ctx, p.Instance, p.Token)
	if err != nil {
		return api.AccountView{}, mastodonError(err, "token_unchecked", "The token could not be checked: ")
	}
	return m.saveMastodon(ctx, creds)
}

func (m *accounts) saveMastodon(ctx context.Context, creds *mastodon.Credentials) (api.AccountView, error) {
	secret, err := json.Marshal(creds)
	if err != nil {
		return api.AccountView{}, err
	}
	a := model.Account{ID: m.accountFor(ctx, creds.Account.URI), Network: model.Mastodon, Identity: creds.Account.URI,
		Label: creds.Account.Handle, Settings: map[string]string{"instance": creds.Instance}}
	return m.save(ctx, a, secret, creds.Account)
}

// mastodonError turns a sign-in failure into words the user can act on.
func mastodonError(err error, code, unreachable string) error {
	var ae *mastodon.APIError
	switch {
	case errors.Is(err, mastodon.ErrStateMismatch):
		return api.Errorf("state_mismatch", "This sign-in answer does not belong to the sign-in started here. Start again.")
	case errors.As(err, &ae) && ae.Status == 401:
		return api.Errorf("instance_refused_token", "The instance refused the token: "+ae.Message).With("detail", ae.Message)
	case mastodon.Permanent(err):
		return api.Errorf("instance_refused", "The instance refused: "+err.Error()).With("detail", err.Error())
	}
	return api.Errorf(code, unreachable+err.Error()).With("detail", err.Error())
}

// mastodonConn is a running Mastodon account: REST sync, the direct stream, backfill.
type mastodonConn struct {
	m      *accounts
	creds  mastodon.Credentials
	acct   model.Account
	dialer *tunnel.Dialer // for media hosts that refuse a cross-origin fetch

	mu     sync.Mutex
	conn   *mastodon.Connector
	status mastodon.Status
	stored int  // messages written since the connection started
	synced bool // the conversations were read once (the stream or the polls took over)
}

func (m *accounts) startMastodon(ctx context.Context, a model.Account, d *tunnel.Dialer) (connection, error) {
	raw, err := m.vault.Get(ctx, a.SecretRef)
	if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	c := &mastodonConn{m: m, acct: a, status: mastodon.Status{State: mastodon.Connecting, Since: time.Now()}, dialer: d}
	if err := json.Unmarshal(raw, &c.creds); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return c, nil
}

func (c *mastodonConn) set(s mastodon.Status) {
	c.mu.Lock()
	c.status = s
	c.synced = c.synced || s.State == mastodon.Live || s.State == mastodon.Polling
	c.mu.Unlock()
	c.m.changed(c.m.a.ctx, topicAccounts)
}

func (c *mastodonConn) Run(ctx context.Context) {
	cfg := mastodon.Config{AccountID: c.acct.ID, Instance: c.creds.Instance, Token: c.creds.AccessToken,
		Self: c.acct.Identity, Repo: c.m.a.eng.Repo, MediaTransport: mediaTransport(c.dialer), Changed: func(ids []string) {
			c.mu.Lock()
			c.stored += len(ids)
			c.mu.Unlock()
			c.m.profilesChanged()
			c.m.changed(c.m.a.ctx, topicAccounts)
		}}
	if tuning.mastodon != nil {
		tuning.mastodon(&cfg)
	}
	var conn *mastodon.Connector
	for delay := time.Second; ; delay = min(delay*2, 5*time.Minute) {
		var err error
		if conn, err = mastodon.Open(ctx, cfg); err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		c.set(mastodon.Status{State: mastodon.Error, Message: "The instance could not be reached: " + err.Error(),
			Problem: problemUnreachable, Cause: err.Error(), Since: time.Now(), RetryAt: time.Now().Add(delay)})
		if !sleep(ctx, delay) {
			return
		}
	}
	if tuning.mastodonTimeout > 0 {
		conn.Client().Timeout = tuning.mastodonTimeout
	}
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	go c.backfill(ctx, conn)
	if err := conn.Run(ctx, c.set); err != nil && ctx.Err() == nil {
		c.m.a.o.Log.Warn("accounts: Mastodon connection stopped", "account", c.acct.ID, "error", err)
	}
}

// mediaTransport reaches media hosts through the relay tunnel, TLS ending here (nil without a
// relay).
func mediaTransport(d *tunnel.Dialer) http.RoundTripper {
	if d == nil {
		return nil
	}
	cfg, err := tunnel.TLSConfig("", nil, "")
	if err != nil {
		return nil
	}
	return &http.Transport{DialContext: d.DialContext, TLSClientConfig: cfg, MaxIdleConnsPerHost: 2}
}

// backfill fetches older conversations, a page at a time, pausing when the instance's rate
// limit is spent.
func (c *mastodonConn) backfill(ctx context.Context, conn *mastodon.Connector) {
	for {
		more, err := conn.Backfill(ctx)
		var rl *mastodon.RateLimitError
		switch {
		case ctx.Err() != nil:
			return
		case errors.As(err, &rl):
			if !sleep(ctx, time.Until(rl.RetryAt)) {
				return
			}
		case err != nil:
			c.m.a.o.Log.Info("accounts: Mastodon backfill paused", "account", c.acct.ID, "error", err)
			return
		case !more:
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (c *mastodonConn) Health() api.AccountHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return mastodonHealth(c.status)
}

func (c *mastodonConn) Progress() *api.SyncProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stored == 0 {
		return nil
	}
	return &api.SyncProgress{Folder: "Direct messages", Done: c.stored}
}

// FirstSync says the conversations are being read for the first time since the start.
func (c *mastodonConn) FirstSync() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.synced && c.status.State == mastodon.Connecting
}

func (c *mastodonConn) Outbox() outbox.Handler { return mastodonOutbox{c} }

// mastodonOutbox sends through the connector once it is open.
type mastodonOutbox struct{ c *mastodonConn }

var errNotConnected = errors.New("not connected yet")

func (h mastodonOutbox) handler() (*mastodon.Handler, error) {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	if h.c.conn == nil {
		return nil, errNotConnected
	}
	return &mastodon.Handler{Connector: h.c.conn}, nil
}

func (h mastodonOutbox) Send(ctx context.Context, it *repo.OutboxItem) (string, error) {
	s, err := h.handler()
	if err != nil {
		return "", err
	}
	return s.Send(ctx, it)
}

func (h mastodonOutbox) Check(ctx context.Context, it *repo.OutboxItem) (bool, error) {
	s, err := h.handler()
	if err != nil {
		return false, err
	}
	return s.Check(ctx, it)
}

// replyMastodon queues a direct reply in the parent's conversation, mentioning everyone in
// it but the user (a direct status reaches only the accounts it mentions). The reply keeps the
// parent's content warning unless the user changed it.
func (m *accounts) replyMastodon(ctx context.Context, acct model.Account, parent model.Message, p api.ReplyParams) (*repo.OutboxItem, error) {
	r := &mastodon.Reply{ConversationID: parent.ConversationID, InReplyToID: parent.RemoteID, Text: p.Text, SpoilerText: parent.ContentWarning}
	if p.ContentWarning != nil {
		r.SpoilerText = strings.TrimSpace(*p.ContentWarning)
	}
	for _, q := range m.others(ctx, parent) {
		if q.URI != acct.Identity {
			r.To = append(r.To, q.URI.Address())
		}
	}
	if len(r.To) == 0 {
		return nil, api.Errorf(api.CodeBadRequest, "This message has nobody to reply to.")
	}
	return m.enqueueMastodon(ctx, acct, r)
}

// enqueueMastodon queues a direct status, once its length is checked against the instance's
// limit (when the account's connection has read it): refused here with the numbers, it never
// fails in the outbox.
func (m *accounts) enqueueMastodon(ctx context.Context, acct model.Account, r *mastodon.Reply) (*repo.OutboxItem, error) {
	if c, ok := m.connection(acct.ID).(*mastodonConn); ok {
		c.mu.Lock()
		conn := c.conn
		c.mu.Unlock()
		if conn != nil && r.TooLong(conn.Instance()) {
			info := conn.Instance()
			return nil, api.Errorf("too_long", fmt.Sprintf("This message counts %d characters; %s accepts %d at most.", r.Length(info), info.Domain, info.MaxCharacters)).
				With("length", strconv.Itoa(r.Length(info))).With("max", strconv.Itoa(info.MaxCharacters)).With("instance", info.Domain)
		}
	}
	return mastodon.Enqueue(ctx, m.a.eng.Repo, acct.ID, r)
}
