package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/email"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/vault"
)

// Managing accounts once added: removing one (here and on the user's other devices),
// changing an email account's password, servers or trusted certificates, signing in to
// Mastodon or X again.
//
// Removing an account deletes what it brought to this device: its messages (and so its
// discussions, or its part of those it shares with other accounts), their bodies and
// attachments, its sync cursors and its outbox; its secret leaves the vault. The server keeps
// the mail: adding the account again syncs it again. The user's own identity (the address)
// stays theirs, and drafts stay (their channel is chosen again when sent).

// stopWait bounds how long a removal waits for the account's connection to stop writing.
const stopWait = 15 * time.Second

// removeAccount is RemoveAccount.
func (m *accounts) removeAccount(ctx context.Context, p api.AccountRef) (api.Empty, error) {
	if m.vault.Locked() {
		return api.Empty{}, api.Errorf("locked", "Unlock the vault first: the account's secrets are kept in it.")
	}
	if _, err := m.a.eng.Repo.Account(ctx, p.ID); errors.Is(err, repo.ErrNotFound) {
		return api.Empty{}, api.Errorf(api.CodeNotFound, "This account is not on this device (any more).")
	} else if err != nil {
		return api.Empty{}, err
	}
	if err := m.forget(ctx, p.ID); err != nil {
		return api.Empty{}, err
	}
	return api.Empty{}, m.finishRemoval(ctx, p.ID)
}

// forget deletes the account and its secret, at once: from here on it is gone (the sync
// carries its removal to the other devices), and what it brought is purged even if the app
// stops before finishRemoval ends (resumePurges).
func (m *accounts) forget(ctx context.Context, id string) error {
	if err := m.a.eng.Repo.ForgetAccount(ctx, id); err != nil {
		return err
	}
	if err := m.vault.Delete(ctx, accountSecret(id)); err != nil && !errors.Is(err, vault.ErrNotFound) {
		m.a.o.Log.Warn("accounts: the secret of a removed account could not be deleted", "account", id, "error", err)
	}
	m.changed(ctx, topicAccounts)
	return nil
}

// finishRemoval stops the account's connection and deletes what it brought to this device.
func (m *accounts) finishRemoval(ctx context.Context, id string) error {
	m.mu.Lock()
	r := m.running[id]
	delete(m.running, id)
	m.runOutboxLocked()
	m.mu.Unlock()
	if r != nil {
		r.stop(stopWait) // nothing of it is written after its purge
	}
	n, err := m.a.eng.Repo.PurgeAccount(ctx, id)
	if err != nil {
		return err
	}
	m.a.o.Log.Info("accounts: removed", "account", id, "messages", n)
	m.changed(ctx, topicAccounts)
	return nil
}

// resumePurges finishes the removals an earlier session did not (the app stopped during one).
func (m *accounts) resumePurges(ctx context.Context) {
	ids, err := m.a.eng.Repo.PendingPurges(ctx)
	if err != nil {
		m.a.o.Log.Warn("accounts: removals to finish could not be read", "error", err)
		return
	}
	for _, id := range ids {
		go func() {
			if err := m.finishRemoval(m.a.ctx, id); err != nil && m.a.ctx.Err() == nil {
				m.a.o.Log.Warn("accounts: a removal could not be finished", "account", id, "error", err)
			}
		}()
	}
}

// updateAccount changes a stored account.
func (m *accounts) updateAccount(ctx context.Context, id string, fn func(*model.Account)) error {
	a, err := m.a.eng.Repo.Account(ctx, id)
	if err != nil {
		return err
	}
	fn(&a)
	return m.a.eng.Repo.PutAccount(ctx, &a)
}

// updateEmail is UpdateEmailAccount: the new settings are checked on both servers before
// anything is kept, then the account starts again with them.
func (m *accounts) updateEmail(ctx context.Context, p api.UpdateEmailParams) (api.AccountView, error) {
	d, err := m.ready()
	if err != nil {
		return api.AccountView{}, err
	}
	a, err := m.a.eng.Repo.Account(ctx, p.ID)
	if errors.Is(err, repo.ErrNotFound) {
		return api.AccountView{}, api.Errorf(api.CodeNotFound, "This account is not on this device (any more).")
	} else if err != nil {
		return api.AccountView{}, err
	}
	if a.Network != model.Email {
		return api.AccountView{}, api.Errorf(api.CodeBadRequest, "Only an email account has a password and servers to change; sign in again to the others.")
	}
	old, _ := email.SettingsFromModel(a) // kept as stored, even if no longer valid: the form fixes it
	settings := old
	if p.Server != nil {
		settings = serverSettings(old, *p.Server)
		// A pin is for the host it was made for; who files sent mail, for the server that
		// said it.
		for _, sv := range []struct{ next, prev *email.Server }{{&settings.IMAP, &old.IMAP}, {&settings.SMTP, &old.SMTP}} {
			if !strings.EqualFold(sv.next.Host, sv.prev.Host) && sv.next.Pin == sv.prev.Pin {
				sv.next.Pin = ""
			}
		}
		if settings.SMTP.Host != old.SMTP.Host || settings.SMTP.Port != old.SMTP.Port || settings.Username != old.Username {
			settings.SentFiling = email.SentFilingUnknown
		}
	}
	if p.Name != nil {
		settings.Name = strings.TrimSpace(*p.Name)
	}
	applyPins(&settings, p.Pins)
	if err := settings.Validate(); err != nil {
		return api.AccountView{}, api.Errorf("bad_settings", err.Error()).With("detail", err.Error())
	}
	password := p.Password
	if password == "" {
		secret, err := m.vault.Get(ctx, accountSecret(a.ID))
		if err != nil {
			return api.AccountView{}, api.Errorf("password_needed", "Enter the account's password: this device does not hold it.")
		}
		password = string(secret)
	}
	if err := checkServers(ctx, &email.Account{ID: a.ID, Settings: settings, Password: password, Transport: transport(d, settings.PinsFor)}); err != nil {
		return api.AccountView{}, err
	}
	stored := settings.NewModelAccount(a.ID, accountSecret(a.ID))
	stored.CreatedAt = a.CreatedAt
	if err := m.vault.Put(ctx, stored.SecretRef, []byte(password)); err != nil {
		return api.AccountView{}, err
	}
	if err := m.a.eng.Repo.PutAccount(ctx, &stored); err != nil {
		return api.AccountView{}, err
	}
	if settings.Name != old.Name {
		if err := m.a.eng.SetOwnIdentity(ctx, model.Identity{URI: stored.Identity, DisplayName: settings.Name}); err != nil {
			return api.AccountView{}, err
		}
	}
	m.retryFailedSends(ctx, a.ID)
	m.restart(ctx, a.ID)
	return m.view(stored), nil
}

// retryFailedSends queues again the account's messages that failed for what the user just
// fixed (a refused password, an untrusted certificate, an insecure setting).
func (m *accounts) retryFailedSends(ctx context.Context, id string) {
	p := repo.Page{Limit: 200}
	for {
		items, next, err := m.a.eng.Repo.OutboxList(ctx, repo.Failed, p)
		if err != nil {
			return
		}
		for _, it := range items {
			switch it.LastErrorCode {
			case email.ProblemAuth, email.ProblemCertificate, email.ProblemInsecure:
				if it.AccountID == id {
					_ = m.a.eng.Repo.Requeue(ctx, it.ID)
				}
			}
		}
		if next == "" {
			return
		}
		p.After = next
	}
}

// signInAgain is SignInAgain: a sign-in with what the account was added with.
func (m *accounts) signInAgain(ctx context.Context, p api.SignInAgainParams) (api.SignInStarted, error) {
	a, err := m.a.eng.Repo.Account(ctx, p.ID)
	if errors.Is(err, repo.ErrNotFound) {
		return api.SignInStarted{}, api.Errorf(api.CodeNotFound, "This account is not on this device (any more).")
	} else if err != nil {
		return api.SignInStarted{}, err
	}
	switch a.Network {
	case model.Mastodon:
		return m.mastodonSignIn(ctx, api.MastodonSignInParams{Instance: a.Settings["instance"], RedirectURI: p.RedirectURI})
	case model.X:
		s := xSettingsOf(a)
		return m.xSignIn(ctx, api.XSignInParams{ClientID: s.ClientID, RedirectURI: p.RedirectURI, APIBase: s.APIBase, CAPEM: s.CAPEM, AuthorizeURL: s.AuthorizeURL})
	}
	return api.SignInStarted{}, api.Errorf(api.CodeBadRequest, "An email account changes its password in its settings.")
}

// noteSend shows in an email account's health a send that failed for what only the user can
// fix, until a send succeeds.
func (m *accounts) noteSend(ev outbox.Event) {
	c, ok := m.connection(ev.Item.AccountID).(*emailConn)
	if !ok {
		return
	}
	switch {
	case ev.Sent:
		c.sent(nil)
	case ev.Err != nil:
		c.sent(ev.Err)
	}
}
