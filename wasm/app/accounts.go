package app

import (
	"context"

	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	gomail "github.com/emersion/go-message/mail"
	"net/http"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/core"
	"caliopen/wasm/email"
	"caliopen/wasm/email/autoconfig"
	"caliopen/wasm/email/connector"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/tunnel"
	"caliopen/wasm/vault"
)

// Topic of the accounts list (health and progress).
const topicAccounts = "accounts"

// Names of what the accounts feature keeps.
const (
	settingRelayURL = "relay.url"
	secretRelay     = "relay.token"
	settingPin      = "pin" // in model.Account.Settings: a pinned certificate fingerprint
)

func accountSecret(id string) string { return "account:" + id }

// accounts runs the user's network accounts: in the leader tab, with the vault unlocked and a
// relay set, one connector per account, reaching its servers through the relay tunnel.
type accounts struct {
	a     *app
	vault *vault.Vault

	mu       sync.Mutex
	relayURL string
	token    string
	running  map[string]*running
	// sending runs the outbox for the running accounts; restarted when they change.
	stopSending context.CancelFunc
	wake        chan struct{}
}

type running struct {
	conn     *connector.Connector
	cancel   context.CancelFunc
	progress *api.SyncProgress
}

func newAccounts(a *app) *accounts {
	return &accounts{a: a, vault: vault.New(a.o.DB), running: map[string]*running{}}
}

func (m *accounts) register(c *core.Core) {
	core.Live(c, api.VaultQuery, func(ctx context.Context, _ api.Empty) (api.VaultStatus, error) {
		exists, err := m.vault.Exists(ctx)
		var relay string
		_ = m.a.eng.Repo.Setting(ctx, settingRelayURL, &relay)
		return api.VaultStatus{Exists: exists, Unlocked: !m.vault.Locked(), RelayURL: relay}, err
	}, "vault")
	core.Handle(c, api.CreateVault, func(ctx context.Context, p api.PassphraseParams) (api.Empty, error) {
		if len(p.Passphrase) < 8 {
			return api.Empty{}, api.Errorf("weak_passphrase", "Choose a passphrase of at least 8 characters.")
		}
		if err := m.vault.Create(ctx, []byte(p.Passphrase), vault.DefaultParams); err != nil {
			return api.Empty{}, err
		}
		m.changed(ctx, "vault")
		return api.Empty{}, m.unlocked(ctx)
	})
	core.Handle(c, api.UnlockVault, func(ctx context.Context, p api.PassphraseParams) (api.Empty, error) {
		if err := m.vault.Unlock(ctx, []byte(p.Passphrase)); err != nil {
			if errors.Is(err, vault.ErrWrongPassphrase) {
				return api.Empty{}, api.Errorf("wrong_passphrase", "This passphrase does not open the vault.")
			}
			return api.Empty{}, err
		}
		m.changed(ctx, "vault")
		return api.Empty{}, m.unlocked(ctx)
	})
	core.Handle(c, api.LockVault, func(ctx context.Context, _ api.Empty) (api.Empty, error) {
		m.vault.Lock()
		m.mu.Lock()
		m.token = ""
		m.mu.Unlock()
		m.reconcile(ctx)
		m.changed(ctx, "vault")
		return api.Empty{}, nil
	})
	core.Handle(c, api.SetRelay, m.setRelay)
	core.Handle(c, api.AddEmailAccount, m.addEmail)
	core.Live(c, api.AccountsQuery, m.list, topicAccounts)
	core.Handle(c, api.Reply, m.reply)
}

func (m *accounts) changed(ctx context.Context, topic string) {
	m.a.c.Changed(ctx, topic)
	if m.a.o.Broadcast != nil {
		_ = m.a.o.Broadcast.Publish(topic)
	}
}

// unlocked reads the relay settings once the vault opens, then starts what can start.
func (m *accounts) unlocked(ctx context.Context) error {
	var url string
	_ = m.a.eng.Repo.Setting(ctx, settingRelayURL, &url)
	token, err := m.vault.Get(ctx, secretRelay)
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		return err
	}
	m.mu.Lock()
	m.relayURL, m.token = url, string(token)
	m.mu.Unlock()
	m.reconcile(ctx)
	return nil
}

func (m *accounts) setRelay(ctx context.Context, p api.RelayParams) (api.Empty, error) {
	url := strings.TrimRight(strings.TrimSpace(p.URL), "/")
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return api.Empty{}, api.Errorf("bad_relay_url", "The relay address must start with https:// (or http:// on this computer).")
	}
	if m.vault.Locked() {
		return api.Empty{}, api.Errorf("locked", "Unlock the vault first: the relay token is kept in it.")
	}
	if err := m.vault.Put(ctx, secretRelay, []byte(p.Token)); err != nil {
		return api.Empty{}, err
	}
	if err := m.a.eng.Repo.SetSetting(ctx, settingRelayURL, url); err != nil {
		return api.Empty{}, err
	}
	m.mu.Lock()
	m.relayURL, m.token = url, p.Token
	m.mu.Unlock()
	m.reconcile(ctx)
	m.changed(ctx, "vault")
	return api.Empty{}, nil
}

// dialer is the relay tunnel, or nil when no relay is set.
func (m *accounts) dialer() *tunnel.Dialer {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.relayURL == "" {
		return nil
	}
	ws := "wss://" + strings.TrimPrefix(m.relayURL, "https://")
	if strings.HasPrefix(m.relayURL, "http://") {
		ws = "ws://" + strings.TrimPrefix(m.relayURL, "http://")
	}
	return &tunnel.Dialer{RelayURL: ws + "/tunnel", Token: m.token}
}

// transport reaches servers through the tunnel, TLS ending here; pin trusts exactly one
// certificate (a self-hosted server's), else the embedded roots are used.
func transport(d *tunnel.Dialer, pin string) email.Transport {
	return email.Transport{
		Dial: d.DialContext,
		TLSConfig: func(host string) *tls.Config {
			cfg, err := tunnel.TLSConfig(host, nil, pin)
			if err != nil { // a malformed pin: refuse every certificate rather than trust any
				return &tls.Config{ServerName: host, VerifyConnection: func(tls.ConnectionState) error { return err }, InsecureSkipVerify: true}
			}
			return cfg
		},
	}
}

// httpClient calls HTTPS services through the tunnel (for servers without CORS).
func httpClient(d *tunnel.Dialer) *http.Client {
	roots, _ := tunnel.TLSConfig("", nil, "")
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, TLSClientConfig: roots}}
}

func (m *accounts) addEmail(ctx context.Context, p api.AddEmailParams) (api.AccountView, error) {
	addr := strings.ToLower(strings.TrimSpace(p.Address))
	if !strings.Contains(addr, "@") {
		return api.AccountView{}, api.Errorf("missing_address", "Enter your email address.")
	}
	if m.vault.Locked() {
		return api.AccountView{}, api.Errorf("locked", "Unlock the vault first: the password is kept in it.")
	}
	d := m.dialer()
	if d == nil {
		return api.AccountView{}, api.Errorf("no_relay", "Set the relay first: the app reaches mail servers through it.")
	}
	pin := ""
	var settings email.Settings
	if p.Server != nil {
		pin = p.Server.PinnedSHA256
		settings = email.Settings{
			Address: addr, Name: p.Name, Username: p.Server.Username,
			IMAP: email.Server{Host: p.Server.IMAPHost, Port: p.Server.IMAPPort, Security: email.Security(p.Server.IMAPSecurity)},
			SMTP: email.Server{Host: p.Server.SMTPHost, Port: p.Server.SMTPPort, Security: email.Security(p.Server.SMTPSecurity)},
		}
		if settings.Username == "" {
			settings.Username = addr
		}
	} else {
		disc := autoconfig.Discoverer{HTTP: httpClient(d), Transport: transport(d, "")}
		res, err := disc.Discover(ctx, addr)
		if errors.Is(err, tunnel.ErrAuth) {
			return api.AccountView{}, api.Errorf("relay_auth", "The relay refused the access token: check it in the Relay step.")
		}
		if err != nil {
			m.a.o.Log.Info("accounts: no server settings found", "domain", addr[strings.LastIndexByte(addr, '@')+1:], "error", err)
			return api.AccountView{}, api.Errorf("not_found", "No server settings were found for "+addr+": enter them by hand.").With("address", addr)
		}
		settings = res.Settings
		settings.Address, settings.Name = addr, p.Name
	}
	if err := settings.Validate(); err != nil {
		return api.AccountView{}, api.Errorf(api.CodeBadRequest, err.Error())
	}
	id := newID()
	acct := &email.Account{ID: id, Settings: settings, Password: p.Password, Transport: transport(d, pin)}
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		return api.AccountView{}, connectError(err)
	}
	_ = c.Logout().Wait()
	c.Close()

	stored := settings.NewModelAccount(id, accountSecret(id))
	if pin != "" {
		stored.Settings[settingPin] = pin
	}
	stored.CreatedAt = time.Now()
	if err := m.vault.Put(ctx, accountSecret(id), []byte(p.Password)); err != nil {
		return api.AccountView{}, err
	}
	if err := m.a.eng.Repo.PutAccount(ctx, &stored); err != nil {
		return api.AccountView{}, err
	}
	if err := m.a.eng.SetOwnIdentity(ctx, model.Identity{URI: model.NewIdentityURI(model.Email, addr), DisplayName: p.Name}); err != nil {
		return api.AccountView{}, err
	}
	m.reconcile(ctx)
	return m.view(stored), nil
}

// connectError turns a failed first connection into words the user can act on.
func connectError(err error) error {
	if fp, _, ok := email.CertFingerprint(err); ok {
		return api.Errorf("untrusted_certificate", "The server's certificate is not trusted. If you run this server, check that its fingerprint is "+fp+" and pin it.").With("fingerprint", fp)
	}
	switch {
	case errors.Is(err, email.ErrInsecure):
		return api.Errorf("insecure", "This server does not offer an encrypted connection; your password was not sent.")
	case errors.Is(err, email.ErrAuth):
		return api.Errorf("auth", "The server refused this address or password (some providers need an app password).")
	case errors.Is(err, tunnel.ErrAuth):
		return api.Errorf("relay_auth", "The relay refused the access token.")
	case errors.Is(err, tunnel.ErrDenied):
		return api.Errorf("relay_denied", "The relay does not allow connections to this server: "+err.Error()).With("detail", err.Error())
	}
	return api.Errorf(api.CodeUnavailable, "The server could not be reached: "+err.Error()).With("detail", err.Error())
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "a" + hex.EncodeToString(b)
}

// reconcile starts the connectors that can run (leader tab, vault open, relay set) and stops
// the others.
func (m *accounts) reconcile(ctx context.Context) {
	defer m.changed(ctx, topicAccounts)
	d := m.dialer()
	canRun := m.a.leader.Load() && !m.vault.Locked() && d != nil
	accts, err := m.a.eng.Repo.AccountList(ctx)
	if err != nil {
		m.a.o.Log.Error("accounts: cannot list", "error", err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	want := map[string]bool{}
	changedSet := false
	for _, a := range accts {
		if a.Network != model.Email || !canRun {
			continue
		}
		want[a.ID] = true
		if m.running[a.ID] != nil {
			continue
		}
		if err := m.startLocked(ctx, a, d); err != nil {
			m.a.o.Log.Error("accounts: cannot start", "account", a.ID, "error", err)
			continue
		}
		changedSet = true
	}
	for id, r := range m.running {
		if !want[id] {
			r.cancel()
			delete(m.running, id)
			changedSet = true
		}
	}
	if changedSet {
		m.restartOutboxLocked()
	}
}

// restartOutboxLocked runs one outbox dispatcher for the running accounts (durable: items
// queued while offline or in another session go out once a connector runs). Caller holds m.mu.
func (m *accounts) restartOutboxLocked() {
	if m.stopSending != nil {
		m.stopSending()
		m.stopSending = nil
	}
	if len(m.running) == 0 {
		return
	}
	handlers := map[string]outbox.Handler{}
	for id, r := range m.running {
		handlers[id] = r.conn
	}
	ctx, cancel := context.WithCancel(m.a.ctx)
	m.stopSending = cancel
	if m.wake == nil {
		m.wake = make(chan struct{}, 1)
	}
	d := &outbox.Dispatcher{Repo: m.a.eng.Repo, Handlers: handlers, Wake: m.wake,
		Notify: func(outbox.Event) { m.changed(ctx, topicAccounts) }}
	go func() {
		if err := d.Run(ctx); err != nil && ctx.Err() == nil {
			m.a.o.Log.Error("outbox stopped", "error", err)
		}
	}()
}

// reply queues a reply to a stored message in the outbox of its account.
func (m *accounts) reply(ctx context.Context, p api.ReplyParams) (api.ReplyResult, error) {
	parent, err := m.a.eng.Repo.Message(ctx, p.MessageID)
	if err != nil {
		return api.ReplyResult{}, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	if parent.Network != model.Email {
		return api.ReplyResult{}, api.Errorf(api.CodeUnavailable, "Replies on "+string(parent.Network)+" are not wired into the app yet.")
	}
	acct, err := m.a.eng.Repo.Account(ctx, parent.AccountID)
	if err != nil {
		return api.ReplyResult{}, api.Errorf(api.CodeNotFound, "The account of this message is gone.")
	}
	settings, err := email.SettingsFromModel(acct)
	if err != nil {
		return api.ReplyResult{}, err
	}
	draft := &smtpsend.Draft{Text: p.Text, Parent: &parent, Subject: replySubject(parent.Subject)}
	own := func(u model.IdentityURI) bool { return settings.Own(u.Address()) }
	var replyTo []*gomail.Address
	for _, q := range parent.Participants {
		a := &gomail.Address{Name: q.Name, Address: q.URI.Address()}
		switch {
		case q.URI.Network() != model.Email || own(q.URI):
		case q.Role == model.RoleReplyTo:
			replyTo = append(replyTo, a)
		case q.Role == model.RoleFrom && !parent.Outgoing:
			draft.To = append(draft.To, a)
		case (q.Role == model.RoleTo || q.Role == model.RoleCc) && (p.All || parent.Outgoing):
			if parent.Outgoing && q.Role == model.RoleTo {
				draft.To = append(draft.To, a)
			} else {
				draft.Cc = append(draft.Cc, a)
			}
		}
	}
	if len(replyTo) > 0 && !parent.Outgoing {
		draft.To = replyTo
	}
	if len(draft.To) == 0 {
		return api.ReplyResult{}, api.Errorf(api.CodeBadRequest, "This message has nobody to reply to.")
	}
	// Composing needs no connection: the connector's queue is used when it runs, else the
	// account's settings compose it alike.
	m.mu.Lock()
	r := m.running[acct.ID]
	wake := m.wake
	m.mu.Unlock()
	if r == nil {
		return api.ReplyResult{}, api.Errorf("not_connected", "This account is not connected on this device (is the vault unlocked and this tab syncing?).")
	}
	it, err := r.conn.Queue(ctx, draft)
	if err != nil {
		return api.ReplyResult{}, err
	}
	if wake != nil {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	m.changed(ctx, topicAccounts)
	return api.ReplyResult{OutboxID: it.ID}, nil
}

func replySubject(s string) string {
	t := strings.TrimSpace(s)
	if len(t) >= 3 && strings.EqualFold(t[:3], "re:") {
		return t
	}
	return "Re: " + t
}

func (m *accounts) startLocked(ctx context.Context, a model.Account, d *tunnel.Dialer) error {
	settings, err := email.SettingsFromModel(a)
	if err != nil {
		return err
	}
	password, err := m.vault.Get(ctx, accountSecret(a.ID))
	if err != nil {
		return fmt.Errorf("password: %w", err)
	}
	acct := &email.Account{ID: a.ID, Settings: settings, Password: string(password), Transport: transport(d, a.Settings[settingPin])}
	conn := connector.New(acct, m.a.eng.Repo)
	runCtx, cancel := context.WithCancel(m.a.ctx)
	r := &running{conn: conn, cancel: cancel}
	conn.OnProgress(func(p imapsync.Progress) {
		m.mu.Lock()
		r.progress = &api.SyncProgress{Folder: p.Folder, Done: p.Done, Total: p.Total}
		m.mu.Unlock()
		m.changed(runCtx, topicAccounts)
	})
	conn.OnHealth(func(email.Health) { m.changed(runCtx, topicAccounts) })
	m.running[a.ID] = r
	go func() {
		if err := conn.Run(runCtx); err != nil && runCtx.Err() == nil {
			m.a.o.Log.Warn("accounts: connector stopped", "account", a.ID, "error", err)
		}
	}()
	return nil
}

func (m *accounts) view(a model.Account) api.AccountView {
	v := api.AccountView{ID: a.ID, Network: a.Network, Address: a.Identity.Address()}
	m.mu.Lock()
	r := m.running[a.ID]
	relay := m.relayURL != ""
	m.mu.Unlock()
	switch {
	case r != nil:
		h := r.conn.State()
		v.Health = api.AccountHealth{State: string(h.State), Since: h.Since, LastActivity: h.LastActivity, Error: h.Err, RetryAt: h.RetryAt}
		m.mu.Lock()
		v.Progress = r.progress
		m.mu.Unlock()
	case m.vault.Locked():
		v.Health = api.AccountHealth{State: "locked", Error: "The vault is locked: unlock it to connect."}
	case !relay:
		v.Health = api.AccountHealth{State: "no-relay", Error: "No relay is set: the app reaches servers through one."}
	case !m.a.leader.Load():
		v.Health = api.AccountHealth{State: "other-tab", Error: "Another tab of the app keeps this account in sync."}
	default:
		v.Health = api.AccountHealth{State: "idle"}
	}
	return v
}

func (m *accounts) list(ctx context.Context, _ api.Empty) (api.AccountsView, error) {
	accts, err := m.a.eng.Repo.AccountList(ctx)
	if err != nil {
		return api.AccountsView{}, err
	}
	out := api.AccountsView{Accounts: make([]api.AccountView, 0, len(accts))}
	for _, a := range accts {
		out.Accounts = append(out.Accounts, m.view(a))
	}
	return out, nil
}
