// Package connector is the email network connector the app uses: one value per account that
// ties the sync (imapsync), sending (smtpsend) and the outbox together over one store.
//
//	s, err := email.SettingsFromModel(account)          // or autoconfig.Discover / the manual form
//	c := connector.New(&email.Account{ID: account.ID, Settings: s, Password: pw,
//	        Transport: email.Transport{Dial: tunnelDial, TLSConfig: tlsFor}}, repo)
//	c.OnProgress(func(p imapsync.Progress) {...}); c.OnHealth(func(h email.Health) {...})
//	go c.Run(ctx)                                      // sync, IDLE push, reconnects
//	dispatcher.Handlers[account.ID] = c                // the outbox sends through it
//	item, err := c.Queue(ctx, &smtpsend.Draft{...})    // then wake the dispatcher
//	c.SetFlags(ctx, ids, imapsync.FlagChange{Seen: imapsync.Bool(true)})
//	c.Archive(ctx, ids)
package connector

import (
	"context"

	"caliopen/wasm/email"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/store/repo"

	gomail "github.com/emersion/go-message/mail"
)

// Connector is one email account's connection to its servers.
type Connector struct {
	*imapsync.Syncer
	outbox.Email
}

// New returns the connector of an account storing into r.
func New(acct *email.Account, r *repo.Repo) *Connector {
	return &Connector{Syncer: &imapsync.Syncer{Account: acct, Repo: r}, Email: outbox.Email{Account: acct, Repo: r}}
}

// OnProgress sets the sync progress observer (call before Run).
func (c *Connector) OnProgress(fn func(imapsync.Progress)) { c.Syncer.Progress = fn }

// OnHealth sets the connection health observer (call before Run).
func (c *Connector) OnHealth(fn func(email.Health)) { c.Syncer.Health.Observe = fn }

// State returns the connection's current health.
func (c *Connector) State() email.Health { return c.Syncer.Health.Get() }

// Queue composes a draft from the account's address (when Draft.From is nil) and puts it in
// the durable outbox; a Dispatcher sends it, once.
func (c *Connector) Queue(ctx context.Context, d *smtpsend.Draft) (*repo.OutboxItem, error) {
	if d.From == nil {
		s := c.Syncer.Account.Settings
		d.From = &gomail.Address{Name: s.Name, Address: s.Address}
	}
	env, err := smtpsend.Compose(d)
	if err != nil {
		return nil, err
	}
	return outbox.Enqueue(ctx, c.Syncer.Repo, c.Syncer.Account.ID, env)
}

// Archive moves messages to the Archive folder.
func (c *Connector) Archive(ctx context.Context, ids []string) error {
	return c.MoveToRole(ctx, ids, imapsync.RoleArchive)
}

// Trash moves messages to the Trash folder.
func (c *Connector) Trash(ctx context.Context, ids []string) error {
	return c.MoveToRole(ctx, ids, imapsync.RoleTrash)
}
