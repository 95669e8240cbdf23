package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/core"
	"caliopen/wasm/email"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/tunnel"
	"caliopen/wasm/vault"
	"caliopen/wasm/x"
)

// Topic of the accounts list (health and progress).
const topicAccounts = "accounts"

// Names of what the accounts feature keeps.
const (
	settingRelayURL = "relay.url"
	secretRelay     = "relay.token"
)

func accountSecret(id string) string { return "account:" + id }

// connection is one running account connector, whatever its network.
type connection interface {
	// Run connects and syncs until ctx ends (or until only the user can fix what stops it).
	Run(ctx context.Context)
	// Health is the connection state shown in the accounts list.
	Health() api.AccountHealth
	// Progress is how far the sync has come; nil when there is nothing to show.
	Progress() *api.SyncProgress
	// Outbox sends the account's outbox items.
	Outbox() outbox.Handler
}

// starter opens the connection of a stored account (its secrets read from the vault).
type starter func(ctx context.Context, a model.Account, d *tunnel.Dialer) (connection, error)

// accounts runs the user's network accounts: in the leader tab, with the vault unlocked and a
// relay set, one connection per account, and one outbox dispatcher for all of them.
type accounts struct {
	a        *app
	vault    *vault.Vault
	starters map[model.Network]starter

	mu       sync.Mutex
	relayURL string
	token    string
	anchors  []tunnel.Anchor // private CAs trusted for their domains (demo sandbox, self-hosted)
	running  map[string]*running
	// sending runs the outbox while accounts run here; the accounts it sends for are looked
	// up at each item, so that one added or restarted never cuts short a send in flight.
	stopSending context.CancelFunc
	wake        chan struct{}
	// links looks for identity link evidence after connectors stored profiles (debounced).
	links chan struct{}
	// online is the page's word on the network (network.go); true until it says otherwise.
	online atomic.Bool
}

type running struct {
	conn   connection
	cancel context.CancelFunc
	done   chan struct{} // closed once Run returned
}

// stop ends the connection and waits (at most wait) until it no longer writes.
func (r *running) stop(wait time.Duration) {
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(wait):
	}
}

// connection is the running connection, or nil when the account does not run here.
func (r *running) connection() connection {
	if r == nil {
		return nil
	}
	return r.conn
}

func newAccounts(a *app) *accounts {
	m := &accounts{a: a, vault: vault.New(a.o.DB), running: map[string]*running{},
		wake: make(chan struct{}, 1), links: make(chan struct{}, 1)}
	m.starters = map[model.Network]starter{model.Email: m.startEmail, model.Mastodon: m.startMastodon, model.X: m.startX}
	m.online.Store(true)
	go m.findLinks(a.ctx)
	go m.refreshProfiles(a.ctx)
	return m
}

func (m *accounts) register(c *core.Core) {
	core.Live(c, api.VaultQuery, func(ctx context.Context, _ api.Empty) (api.VaultStatus, error) {
		exists, err := m.vault.Exists(ctx)
		var relay string
		_ = m.a.eng.Repo.Setting(ctx, settingRelayURL, &relay)
		return api.VaultStatus{Exists: exists, Unlocked: !m.vault.Locked(), RelayURL: relay}, err
	}, "vault")
	core.Handle(c, api.CreateVault, func(ctx context.Context, p api.PassphraseParams) (api.Empty, error) {
		if err := newPassphraseOK(p.Passphrase); err != nil {
			return api.Empty{}, err
		}
		if err := m.vault.Create(ctx, []byte(p.Passphrase), vault.DefaultParams); err != nil {
			return api.Empty{}, err
		}
		// The relay and keys are ready before the UI hears the vault is open: what it does
		// next (finishing a sign-in) needs them.
		err := m.unlocked(ctx)
		m.changed(ctx, "vault")
		return api.Empty{}, err
	})
	core.Handle(c, api.UnlockVault, func(ctx context.Context, p api.PassphraseParams) (api.Empty, error) {
		if err := m.vault.Unlock(ctx, []byte(p.Passphrase)); err != nil {
			return api.Empty{}, passphraseError(err)
		}
		// The relay and keys are ready before the UI hears the vault is open: what it does
		// next (finishing a sign-in) needs them.
		err := m.unlocked(ctx)
		m.changed(ctx, "vault")
		return api.Empty{}, err
	})
	core.Handle(c, api.LockVault, func(ctx context.Context, _ api.Empty) (api.Empty, error) {
		m.lock(ctx)
		m.changed(ctx, "vault")
		// The app's other tabs lock too: a user who locks means every open window.
		if m.a.o.Broadcast != nil {
			_ = m.a.o.Broadcast.Publish(topicVaultLocked)
		}
		return api.Empty{}, nil
	})
	core.Handle(c, api.ChangePassphrase, func(ctx context.Context, p api.ChangePassphraseParams) (api.Empty, error) {
		if err := newPassphraseOK(p.Passphrase); err != nil {
			return api.Empty{}, err
		}
		return api.Empty{}, passphraseError(m.vault.ChangePassphrase(ctx, []byte(p.Old), []byte(p.Passphrase), nil))
	})
	core.Handle(c, api.SetRelay, m.setRelay)
	core.Handle(c, api.AddEmailAccount, m.addEmail)
	core.Handle(c, api.MastodonSignIn, m.mastodonSignIn)
	core.Handle(c, api.MastodonToken, m.mastodonToken)
	core.Handle(c, api.XSignIn, m.xSignIn)
	core.Handle(c, api.FinishSignIn, m.finishSignIn)
	core.Live(c, api.AccountsQuery, m.list, topicAccounts)
	core.Handle(c, api.Reply, m.reply)
	core.Handle(c, api.ReplyChannels, m.a.replyChannels)
	core.Handle(c, api.Avatar, m.a.avatar)
	core.Handle(c, api.RetryAccount, m.retryAccount)
	core.Handle(c, api.StartDemo, m.startDemo)
	core.Handle(c, api.RemoveAccount, m.removeAccount)
	core.Handle(c, api.UpdateEmailAccount, m.updateEmail)
	core.Handle(c, api.SignInAgain, m.signInAgain)
}

// newPassphraseOK refuses a passphrase too short to protect the vault.
func newPassphraseOK(p string) error {
	if len(p) < 8 {
		return api.Errorf("weak_passphrase", "Choose a passphrase of at least 8 characters.")
	}
	return nil
}

// passphraseError says in the API's words that a passphrase does not open the vault.
func passphraseError(err error) error {
	if errors.Is(err, vault.ErrWrongPassphrase) {
		return api.Errorf("wrong_passphrase", "This passphrase does not open the vault.")
	}
	return err
}

// topicVaultLocked tells the app's other tabs that the user locked the vault in one of them;
// topicOutboxQueued that a message was put in the outbox (the tab that syncs sends it).
const (
	topicVaultLocked  = "vault.locked"
	topicOutboxQueued = "outbox.queued"
)

// lock forgets the vault's key and the secrets opened with it; connections stop.
func (m *accounts) lock(ctx context.Context) {
	m.vault.Lock()
	m.a.keys.lock()
	m.mu.Lock()
	m.token = ""
	m.mu.Unlock()
	m.reconcile(ctx)
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
	anchors := m.loadAnchors(ctx)
	m.mu.Lock()
	m.relayURL, m.token, m.anchors = url, string(token), anchors
	m.mu.Unlock()
	m.forgetStaleSignIns(ctx)
	m.a.keys.unlock(ctx)
	m.reconcile(ctx)
	m.resumePurges(ctx)
	return nil
}

// setRelay is SetRelay: the relay is asked whether it takes the token before anything is
// kept. An empty token keeps the one in the vault (a new address for the same relay).
func (m *accounts) setRelay(ctx context.Context, p api.RelayParams) (api.Empty, error) {
	url := strings.TrimRight(strings.TrimSpace(p.URL), "/")
	if !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") {
		return api.Empty{}, api.Errorf("bad_relay_url", "The relay address must start with https:// (or http:// on this computer).")
	}
	if m.vault.Locked() {
		return api.Empty{}, api.Errorf("locked", "Unlock the vault first: the relay token is kept in it.")
	}
	token := strings.TrimSpace(p.Token)
	m.mu.Lock()
	if token == "" {
		token = m.token
	}
	anchors := m.anchors
	m.mu.Unlock()
	if token == "" {
		return api.Empty{}, api.Errorf("relay_token_missing", "Enter the access token the relay's operator gave you.")
	}
	d := &tunnel.Dialer{RelayURL: tunnelURL(url), Token: token, Anchors: anchors, Timeout: 20 * time.Second}
	if err := d.CheckToken(ctx); err != nil {
		if errors.Is(err, tunnel.ErrAuth) {
			return api.Empty{}, api.Errorf("relay_auth", "The relay refused the access token.")
		}
		return api.Empty{}, api.Errorf("relay_unreachable", "The relay could not be reached: "+err.Error()).With("detail", err.Error())
	}
	if err := m.vault.Put(ctx, secretRelay, []byte(token)); err != nil {
		return api.Empty{}, err
	}
	if err := m.a.eng.Repo.SetSetting(ctx, settingRelayURL, url); err != nil {
		return api.Empty{}, err
	}
	m.mu.Lock()
	changed := m.relayURL != url || m.token != token
	m.relayURL, m.token = url, token
	running := make([]string, 0, len(m.running))
	for id := range m.running {
		running = append(running, id)
	}
	m.mu.Unlock()
	if changed {
		// The connections run through the relay: they start again through the new one.
		for _, id := range running {
			m.mu.Lock()
			if r := m.running[id]; r != nil {
				r.cancel()
				delete(m.running, id)
			}
			m.mu.Unlock()
		}
	}
	m.reconcile(ctx)
	m.changed(ctx, "vault")
	return api.Empty{}, nil
}

// tunnelURL is the relay's tunnel endpoint (WebSocket) for its address.
func tunnelURL(relayURL string) string {
	ws := "wss://" + strings.TrimPrefix(relayURL, "https://")
	if strings.HasPrefix(relayURL, "http://") {
		ws = "ws://" + strings.TrimPrefix(relayURL, "http://")
	}
	return ws + "/tunnel"
}

// dialer is the relay tunnel, or nil when no relay is set.
func (m *accounts) dialer() *tunnel.Dialer {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.relayURL == "" {
		return nil
	}
	return &tunnel.Dialer{RelayURL: tunnelURL(m.relayURL), Token: m.token, Anchors: m.anchors}
}

// ready checks what adding an account needs: the vault open (its secrets go there) and a
// relay set (the app reaches servers through it).
func (m *accounts) ready() (*tunnel.Dialer, error) {
	if m.vault.Locked() {
		return nil, api.Errorf("locked", "Unlock the vault first: the account's secrets are kept in it.")
	}
	d := m.dialer()
	if d == nil {
		return nil, api.Errorf("no_relay", "Set the relay first: the app reaches servers through it.")
	}
	return d, nil
}

// save stores a signed-in account: its secret sealed in the vault, the account record, and
// its identity as one of the user's own; then starts it.
func (m *accounts) save(ctx context.Context, a model.Account, secret []byte, own model.Identity) (api.AccountView, error) {
	a.SecretRef = accountSecret(a.ID)
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	if err := m.vault.Put(ctx, a.SecretRef, secret); err != nil {
		return api.AccountView{}, err
	}
	if err := m.a.eng.Repo.PutAccount(ctx, &a); err != nil {
		return api.AccountView{}, err
	}
	if err := m.a.eng.SetOwnIdentity(ctx, own); err != nil {
		return api.AccountView{}, err
	}
	m.restart(ctx, a.ID)
	return m.view(a), nil
}

// accountFor returns the id of the stored account with this identity (signing in again
// replaces its secret), or a new id.
func (m *accounts) accountFor(ctx context.Context, id model.IdentityURI) string {
	accts, _ := m.a.eng.Repo.AccountList(ctx)
	for _, a := range accts {
		if a.Identity == id {
			return a.ID
		}
	}
	return newID()
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "a" + hex.EncodeToString(b)
}

// restart stops the account's connection (if it runs) and reconciles, which starts it again
// with its new secret.
func (m *accounts) restart(ctx context.Context, id string) {
	m.mu.Lock()
	if r := m.running[id]; r != nil {
		r.cancel()
		delete(m.running, id)
	}
	m.mu.Unlock()
	m.reconcile(ctx)
}

// reconcile starts the connections that can run (leader tab, vault open, relay set) and
// stops the others.
func (m *accounts) reconcile(ctx context.Context) {
	defer m.changed(ctx, topicAccounts)
	defer m.a.sync.reconcile(ctx) // sync runs on the same conditions (and the same relay)
	d := m.dialer()
	canRun := m.a.leader.Load() && !m.vault.Locked()
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
		start := m.starters[a.Network]
		// Mastodon is called directly (it allows cross-origin calls); the rest needs the relay.
		if start == nil || !canRun || (d == nil && a.Network != model.Mastodon) {
			continue
		}
		want[a.ID] = true
		if m.running[a.ID] != nil {
			continue
		}
		conn, err := start(ctx, a, d)
		if err != nil {
			m.a.o.Log.Error("accounts: cannot start", "account", a.ID, "error", err)
			continue
		}
		runCtx, cancel := context.WithCancel(m.a.ctx)
		r := &running{conn: conn, cancel: cancel, done: make(chan struct{})}
		m.running[a.ID] = r
		go func() {
			defer close(r.done)
			conn.Run(runCtx)
		}()
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
		m.runOutboxLocked()
	}
}

// runOutboxLocked runs one outbox dispatcher while accounts run here (durable: items queued
// while offline or in another session go out once a connection runs), and stops it when none
// does (the vault locked, another tab leads). Accounts added, removed or restarted meanwhile
// change what it sends through, not the dispatcher: a send in flight goes on. Caller holds
// m.mu.
func (m *accounts) runOutboxLocked() {
	if len(m.running) == 0 {
		if m.stopSending != nil {
			m.stopSending()
			m.stopSending = nil
		}
		return
	}
	m.wakeOutbox() // an account that just started may have items waiting
	if m.stopSending != nil {
		return
	}
	ctx, cancel := context.WithCancel(m.a.ctx)
	m.stopSending = cancel
	d := &outbox.Dispatcher{Repo: m.a.eng.Repo, Handler: m.outboxHandler, Wake: m.wake, Gate: m.outboxGate, Describe: outboxFailure,
		Notify: func(ev outbox.Event) {
			m.changed(ctx, topicAccounts)
			m.noteSend(ev)
			go m.answered(ev)
		}}
	if tuning.outboxBackoff > 0 {
		d.Backoff.Min, d.Backoff.Max = tuning.outboxBackoff, tuning.outboxBackoff
	}
	go func() {
		if err := d.Run(ctx); err != nil && ctx.Err() == nil {
			m.a.o.Log.Error("outbox stopped", "error", err)
		}
	}()
}

// outboxHandler sends an account's items: its running connection's, if it runs here.
func (m *accounts) outboxHandler(accountID string) outbox.Handler {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.running[accountID]; r != nil {
		return r.conn.Outbox()
	}
	return nil
}

// tuning shortens the connectors' and the outbox's timings in tests; zero values keep the
// defaults.
var tuning struct {
	outboxBackoff   time.Duration
	sentWait        []time.Duration // how long a send looks for the server's own Sent copy
	mastodon        func(*mastodon.Config)
	mastodonTimeout time.Duration // each REST call
	x               func(*x.Connector)
}

// queued wakes the outbox for an item just queued.
func (m *accounts) queued(ctx context.Context, it *repo.OutboxItem) api.ReplyResult {
	m.wakeOutbox()
	// The tab that syncs sends: when it is another one, it hears of the item now.
	if m.a.o.Broadcast != nil {
		_ = m.a.o.Broadcast.Publish(topicOutboxQueued)
	}
	m.changed(ctx, topicAccounts)
	return api.ReplyResult{OutboxID: it.ID}
}

// reply queues a reply to a stored message in the outbox of its account, on its network.
func (m *accounts) reply(ctx context.Context, p api.ReplyParams) (api.ReplyResult, error) {
	if strings.TrimSpace(p.Text) == "" {
		return api.ReplyResult{}, api.Errorf(api.CodeBadRequest, "Write something to send.")
	}
	parent, err := m.a.eng.Repo.Message(ctx, p.MessageID)
	if err != nil {
		return api.ReplyResult{}, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	if p.AccountID != "" && p.AccountID != parent.AccountID {
		return m.replyElsewhere(ctx, parent, p) // another channel (see replies.go)
	}
	acct, err := m.a.eng.Repo.Account(ctx, parent.AccountID)
	if err != nil {
		return api.ReplyResult{}, api.Errorf(api.CodeNotFound, "The account of this message is gone.")
	}
	if len(p.Attachments) > 0 && parent.Network != model.Email {
		return api.ReplyResult{}, api.Errorf(api.CodeBadRequest, "Attachments can be sent by email only.")
	}
	var it *repo.OutboxItem
	switch parent.Network {
	case model.Email:
		it, err = m.replyEmail(ctx, acct, parent, p)
	case model.Mastodon:
		it, err = m.replyMastodon(ctx, acct, parent, p)
	case model.X:
		it, err = m.replyX(ctx, acct, parent, p)
	default:
		err = api.Errorf(api.CodeUnavailable, "Replies on "+string(parent.Network)+" are not supported.")
	}
	if err != nil {
		return api.ReplyResult{}, err
	}
	return m.queued(ctx, it), nil
}

// others are the participants of a message on its network that are not the user's own.
func (m *accounts) others(ctx context.Context, msg model.Message) []model.Participant {
	own, _ := m.a.eng.Repo.OwnIdentities(ctx)
	isOwn := map[model.IdentityURI]bool{}
	for _, id := range own {
		isOwn[id.URI] = true
	}
	var out []model.Participant
	for _, p := range msg.Participants {
		if p.URI.Network() == msg.Network && !isOwn[p.URI] {
			out = append(out, p)
		}
	}
	return out
}

func (m *accounts) view(a model.Account) api.AccountView {
	v := api.AccountView{ID: a.ID, Network: a.Network, Address: a.Identity.Address(), Label: a.Label}
	m.mu.Lock()
	r := m.running[a.ID]
	relay := m.relayURL != ""
	m.mu.Unlock()
	if a.Network == model.Email {
		if s, err := email.SettingsFromModel(a); err == nil {
			v.Email = &api.EmailSettings{Name: s.Name, Server: serverForm(s), SentFiling: string(s.SentFiling)}
		}
	}
	switch {
	case r != nil:
		v.Health = r.conn.Health()
		v.Progress = r.conn.Progress()
		if f, ok := r.conn.(interface{ FirstSync() bool }); ok {
			v.FirstSync = f.FirstSync()
		}
	case m.vault.Locked():
		v.Health = coded(api.AccountHealth{State: "locked", Error: "The vault is locked: unlock it to connect."}, "vault-locked")
	case !relay:
		v.Health = coded(api.AccountHealth{State: "no-relay", Error: "No relay is set: the app reaches servers through one."}, "no-relay")
	case !m.a.leader.Load():
		v.Health = coded(api.AccountHealth{State: "other-tab", Error: "Another tab of the app keeps this account in sync."}, "other-tab")
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

// profilesChanged asks for a search for link evidence among identities (debounced): a
// connector stored profiles, whose facts may link identities across networks.
func (m *accounts) profilesChanged() {
	select {
	case m.links <- struct{}{}:
	default:
	}
}

// findLinks runs the identity engine's detection after profiles changed, at most every
// few seconds.
func (m *accounts) findLinks(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.links:
		}
		if err := m.a.eng.FindLinks(ctx); err != nil && ctx.Err() == nil {
			m.a.o.Log.Warn("accounts: link detection failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(3 * time.Second):
		}
	}
}
