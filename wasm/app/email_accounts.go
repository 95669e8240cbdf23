package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/api"
	"caliopen/wasm/email"
	"caliopen/wasm/email/autoconfig"
	"caliopen/wasm/email/connector"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/tunnel"
)

const settingPin = "pin" // in model.Account.Settings: a pinned certificate fingerprint

// transport reaches servers through the tunnel, TLS ending here; pin trusts exactly one
// certificate (a self-hosted server's), else the embedded roots are used.
func transport(d *tunnel.Dialer, pin string) email.Transport {
	return email.Transport{
		Dial: d.DialContext,
		TLSConfig: func(host string) *tls.Config {
			cfg, err := d.TLSFor(host, pin)
			if err != nil { // a malformed pin: refuse every certificate rather than trust any
				return &tls.Config{ServerName: host, VerifyConnection: func(tls.ConnectionState) error { return err }, InsecureSkipVerify: true}
			}
			return cfg
		},
	}
}

// httpClient calls HTTPS services through the tunnel (for servers without CORS).
func httpClient(d *tunnel.Dialer) *http.Client { return d.HTTPClient(20 * time.Second) }

func (m *accounts) addEmail(ctx context.Context, p api.AddEmailParams) (api.AccountView, error) {
	addr := strings.ToLower(strings.TrimSpace(p.Address))
	if !strings.Contains(addr, "@") {
		return api.AccountView{}, api.Errorf("missing_address", "Enter your email address.")
	}
	d, err := m.ready()
	if err != nil {
		return api.AccountView{}, err
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
		return api.AccountView{}, api.Errorf("bad_settings", err.Error()).With("detail", err.Error())
	}
	// The same address again replaces its account (new password, new settings), whose
	// messages stay: a second account would sync every message twice.
	id := m.accountFor(ctx, model.NewIdentityURI(model.Email, addr))
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
	return m.save(ctx, stored, []byte(p.Password), model.Identity{URI: model.NewIdentityURI(model.Email, addr), DisplayName: p.Name})
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
	}
	return tunnelError(err, api.CodeUnavailable, "The server could not be reached: ")
}

// tunnelError says what the relay refused, or that the server could not be reached.
func tunnelError(err error, code, unreachable string) error {
	switch {
	case errors.Is(err, tunnel.ErrAuth):
		return api.Errorf("relay_auth", "The relay refused the access token.")
	case errors.Is(err, tunnel.ErrDenied):
		return api.Errorf("relay_denied", "The relay does not allow connections to this server: "+err.Error()).With("detail", err.Error())
	}
	return api.Errorf(code, unreachable+err.Error()).With("detail", err.Error())
}

// emailConn is a running email account: IMAP sync and IDLE, SMTP for its outbox.
type emailConn struct {
	conn *connector.Connector

	mu       sync.Mutex
	progress *api.SyncProgress
}

func (m *accounts) startEmail(ctx context.Context, a model.Account, d *tunnel.Dialer) (connection, error) {
	settings, err := email.SettingsFromModel(a)
	if err != nil {
		return nil, err
	}
	password, err := m.vault.Get(ctx, accountSecret(a.ID))
	if err != nil {
		return nil, fmt.Errorf("password: %w", err)
	}
	acct := &email.Account{ID: a.ID, Settings: settings, Password: string(password), Transport: transport(d, a.Settings[settingPin]),
		Reader: m.a.keys.reader(settings)}
	c := &emailConn{conn: connector.New(acct, m.a.eng.Repo)}
	c.conn.OnProgress(func(p imapsync.Progress) {
		c.mu.Lock()
		c.progress = &api.SyncProgress{Folder: p.Folder, Done: p.Done, Total: p.Total}
		c.mu.Unlock()
		m.changed(m.a.ctx, topicAccounts)
	})
	c.conn.OnHealth(func(email.Health) { m.changed(m.a.ctx, topicAccounts) })
	return c, nil
}

func (c *emailConn) Run(ctx context.Context) { _ = c.conn.Run(ctx) }

func (c *emailConn) Outbox() outbox.Handler { return c.conn }

func (c *emailConn) Health() api.AccountHealth {
	return emailHealth(c.conn.State())
}

func (c *emailConn) Progress() *api.SyncProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.progress
}

// replyEmail composes an email reply (to the author, or all) into the account's outbox.
func (m *accounts) replyEmail(ctx context.Context, acct model.Account, parent model.Message, p api.ReplyParams) (*repo.OutboxItem, error) {
	draft, settings, err := m.emailReplyDraft(ctx, parent, p)
	if err != nil {
		return nil, err
	}
	// The connector composes with its account's settings (From, Autocrypt, Sent filing).
	m.mu.Lock()
	r := m.running[acct.ID]
	m.mu.Unlock()
	if r == nil {
		return nil, api.Errorf("not_connected", "This account is not connected on this device (is the vault unlocked and this tab syncing?).")
	}
	return m.a.keys.queueEmail(ctx, r.conn.(*emailConn).conn, settings, draft, p.Encrypt)
}

// emailReplyDraft addresses an email reply to parent: to its author (or Reply-To), and to
// the other recipients when p.All.
func (m *accounts) emailReplyDraft(ctx context.Context, parent model.Message, p api.ReplyParams) (*smtpsend.Draft, email.Settings, error) {
	acct, err := m.a.eng.Repo.Account(ctx, parent.AccountID)
	if err != nil {
		return nil, email.Settings{}, api.Errorf(api.CodeNotFound, "The account of this message is gone.")
	}
	settings, err := email.SettingsFromModel(acct)
	if err != nil {
		return nil, email.Settings{}, err
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
		return nil, email.Settings{}, api.Errorf(api.CodeBadRequest, "This message has nobody to reply to.")
	}
	return draft, settings, nil
}

func replySubject(s string) string {
	t := strings.TrimSpace(s)
	if len(t) >= 3 && strings.EqualFold(t[:3], "re:") {
		return t
	}
	return "Re: " + t
}
