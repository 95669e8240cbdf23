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

// transport reaches servers through the tunnel, TLS ending here: a host with pinned
// certificates (a self-hosted server's, see email.Settings.PinsFor) is trusted with exactly
// those, the others with the embedded roots and the dialer's anchors.
func transport(d *tunnel.Dialer, pinsFor func(host string) []string) email.Transport {
	return email.Transport{
		Dial: d.DialContext,
		TLSConfig: func(host string) *tls.Config {
			cfg, err := d.TLSFor(host, pinsFor(host)...)
			if err != nil { // a malformed pin: refuse every certificate rather than trust any
				return &tls.Config{ServerName: host, VerifyConnection: func(tls.ConnectionState) error { return err }, InsecureSkipVerify: true}
			}
			return cfg
		},
	}
}

// pinnedHosts gives the pins the user chose for a host.
func pinnedHosts(pins []api.CertPin) func(host string) []string {
	return func(host string) []string {
		var out []string
		for _, p := range pins {
			if strings.EqualFold(strings.TrimSpace(p.Host), host) {
				out = append(out, strings.TrimSpace(p.SHA256))
			}
		}
		return out
	}
}

// applyPins trusts the certificates the user was shown, each for the server on the host it
// was shown for.
func applyPins(s *email.Settings, pins []api.CertPin) {
	for _, p := range pins {
		fp := strings.TrimSpace(p.SHA256)
		for proto, sv := range map[string]*email.Server{email.ProtoIMAP: &s.IMAP, email.ProtoSMTP: &s.SMTP} {
			if strings.EqualFold(sv.Host, strings.TrimSpace(p.Host)) && (p.Server == "" || p.Server == proto) {
				sv.Pin = fp
			}
		}
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
	var settings email.Settings
	if p.Server != nil {
		settings = serverSettings(email.Settings{Address: addr, Name: p.Name}, *p.Server)
	} else {
		// Discovery probes servers too: with the certificates the user trusts.
		disc := autoconfig.Discoverer{HTTP: httpClient(d), ISPDB: autoconfig.ThunderbirdISPDB, Transport: transport(d, pinnedHosts(p.Pins))}
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
	applyPins(&settings, p.Pins)
	if err := settings.Validate(); err != nil {
		return api.AccountView{}, api.Errorf("bad_settings", err.Error()).With("detail", err.Error())
	}
	// The same address again replaces its account (new password, new settings), whose
	// messages stay: a second account would sync every message twice.
	id := m.accountFor(ctx, model.NewIdentityURI(model.Email, addr))
	if err := checkServers(ctx, &email.Account{ID: id, Settings: settings, Password: p.Password, Transport: transport(d, settings.PinsFor)}); err != nil {
		return api.AccountView{}, err
	}
	stored := settings.NewModelAccount(id, accountSecret(id))
	return m.save(ctx, stored, []byte(p.Password), model.Identity{URI: model.NewIdentityURI(model.Email, addr), DisplayName: p.Name})
}

// serverSettings are base with the servers of the manual form.
func serverSettings(base email.Settings, f api.EmailServer) email.Settings {
	s := base
	s.Username = strings.TrimSpace(f.Username)
	if s.Username == "" {
		s.Username = s.Address
	}
	s.IMAP = email.Server{Host: strings.TrimSpace(f.IMAPHost), Port: f.IMAPPort, Security: email.Security(f.IMAPSecurity), Pin: strings.TrimSpace(f.IMAPPin)}
	s.SMTP = email.Server{Host: strings.TrimSpace(f.SMTPHost), Port: f.SMTPPort, Security: email.Security(f.SMTPSecurity), Pin: strings.TrimSpace(f.SMTPPin)}
	return s
}

// serverForm is the manual form of settings (what the edit form shows).
func serverForm(s email.Settings) api.EmailServer {
	return api.EmailServer{Username: s.Username,
		IMAPHost: s.IMAP.Host, IMAPPort: s.IMAP.Port, IMAPSecurity: string(s.IMAP.Security), IMAPPin: s.IMAP.Pin,
		SMTPHost: s.SMTP.Host, SMTPPort: s.SMTP.Port, SMTPSecurity: string(s.SMTP.Security), SMTPPin: s.SMTP.Pin}
}

// checkServers signs in to both servers over an encrypted connection: what is kept works
// for reading and for sending (a wrong SMTP setting is found now, not at the first send).
func checkServers(ctx context.Context, acct *email.Account) error {
	c, err := acct.DialIMAP(ctx, nil)
	if err != nil {
		return connectError(err)
	}
	_ = c.Logout().Wait()
	c.Close()
	sc, err := acct.DialSMTP(ctx)
	if err != nil {
		return connectError(err)
	}
	_ = sc.Quit()
	return nil
}

// connectError turns a failed connection into words the user can act on, naming the server
// (imap or smtp) and its host.
func connectError(err error) error {
	if code, params, ok := email.UserProblem(err); ok {
		var e *api.Error
		switch code {
		case email.ProblemCertificate:
			e = api.Errorf(code, "The certificate of "+params["host"]+" is not trusted. If you run this server, check that its fingerprint is "+params["fingerprint"]+" and pin it.")
		case email.ProblemInsecure:
			e = api.Errorf(code, "This server does not offer an encrypted connection; your password was not sent.")
		default:
			e = api.Errorf(code, "The server refused this address or password (some providers need an app password).")
		}
		for k, v := range params {
			e = e.With(k, v)
		}
		return e
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
	synced   bool  // a sync round ended since the start
	sendErr  error // the last send failed for a reason only the user can fix (cleared by a send)
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
	acct := &email.Account{ID: a.ID, Settings: settings, Password: string(password), Transport: transport(d, settings.PinsFor),
		Reader: m.a.keys.reader(settings)}
	c := &emailConn{conn: connector.New(acct, m.a.eng.Repo)}
	c.conn.OnProgress(func(p imapsync.Progress) {
		c.mu.Lock()
		c.progress = &api.SyncProgress{Folder: p.Folder, Done: p.Done, Total: p.Total}
		c.mu.Unlock()
		m.changed(m.a.ctx, topicAccounts)
	})
	c.conn.OnHealth(func(email.Health) { m.changed(m.a.ctx, topicAccounts) })
	c.conn.Synced = func([]imapsync.Folder) {
		c.mu.Lock()
		first := !c.synced
		c.synced = true
		c.mu.Unlock()
		if first {
			m.changed(m.a.ctx, topicAccounts)
		}
	}
	c.conn.Email.Learned = func(f email.SentFiling) { m.keepSentFiling(a.ID, f) }
	if tuning.sentWait != nil {
		c.conn.Email.SentWait = tuning.sentWait
	}
	return c, nil
}

// keepSentFiling keeps who files the account's sent mail, found out at its first send: the
// account's other devices learn it too (it travels with the account).
func (m *accounts) keepSentFiling(id string, f email.SentFiling) {
	ctx := m.a.ctx
	err := m.updateAccount(ctx, id, func(a *model.Account) {
		if a.Settings == nil {
			a.Settings = map[string]string{}
		}
		a.Settings["sentFiling"] = string(f)
	})
	if err != nil {
		m.a.o.Log.Warn("accounts: who files sent mail could not be kept", "account", id, "error", err)
	}
}

func (c *emailConn) Run(ctx context.Context) { _ = c.conn.Run(ctx) }

func (c *emailConn) Outbox() outbox.Handler { return c.conn }

// Health is the IMAP connection's health; a send that failed for a reason only the user can
// fix (the SMTP server refused the password, its certificate changed) shows there too.
func (c *emailConn) Health() api.AccountHealth {
	h := emailHealth(c.conn.State())
	c.mu.Lock()
	sendErr := c.sendErr
	c.mu.Unlock()
	if sendErr != nil && h.Code == "" {
		h = withUserProblem(h, sendErr)
	}
	return h
}

// sent records how a send went: a failure only the user can fix shows in the health until a
// send succeeds.
func (c *emailConn) sent(err error) {
	if err != nil && !email.NeedsUser(err) {
		return
	}
	c.mu.Lock()
	c.sendErr = err
	c.mu.Unlock()
}

func (c *emailConn) Progress() *api.SyncProgress {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.progress
}

// FirstSync says no sync round ended yet since the account started here.
func (c *emailConn) FirstSync() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.synced
}

// replyEmail composes an email reply (to the author, or all) into the account's outbox.
func (m *accounts) replyEmail(ctx context.Context, acct model.Account, parent model.Message, p api.ReplyParams) (*repo.OutboxItem, error) {
	draft, settings, err := m.emailReplyDraft(ctx, parent, p)
	if err != nil {
		return nil, err
	}
	return m.a.keys.queueEmail(ctx, acct.ID, settings, draft, p.Encrypt)
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
	files, err := emailAttachments(p.Attachments)
	if err != nil {
		return nil, email.Settings{}, err
	}
	draft := &smtpsend.Draft{Text: p.Text, Parent: &parent, Subject: replySubject(parent.Subject), Attachments: files}
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
