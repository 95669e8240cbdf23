//go:build !js

package app

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"caliopen/wasm/api"
	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/vault"
)

// Removing an account on device A removes it on device B too (a tombstone in the sync
// space): on both, the account, its secret, its messages and discussions and its outbox are
// gone, and it does not come back; the server keeps the mail.
func TestRemovingAnAccountRemovesItOnEveryDevice(t *testing.T) {
	tuning.outboxBackoff = 200 * time.Millisecond
	t.Cleanup(func() { tuning.outboxBackoff = 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d := newMailDevices(t, ctx, "pw")
	a, b, aRepo, bRepo, acct := d.a, d.b, d.aRepo, d.bRepo, d.acct
	d.sm.SetFailFirst(1 << 20) // a reply waits in the outbox
	d.pair(t, false)
	watch(b, 10, "accounts.list", "", func(v api.AccountsView) bool {
		return len(v.Accounts) == 1 && v.Accounts[0].Health.State == "connected"
	})
	page := watch(a, 20, "discussions.page", "", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	watch(b, 30, "discussions.page", "", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	view := watch(a, 40, "discussion.messages", fmt.Sprintf(`{"key":%q}`, page.Items[0].Key), func(v api.DiscussionView) bool { return len(v.Messages) == 1 })
	var queued api.ReplyResult
	if e := a.call(50, "message.reply", api.ReplyParams{MessageID: view.Messages[0].Message.ID, Text: "on second thought"}, &queued); e != nil {
		t.Fatal(e)
	}
	emailtest.Eventually(t, 20*time.Second, "the reply in both outboxes", func() bool {
		_, errA := aRepo.OutboxItem(ctx, queued.OutboxID)
		_, errB := bRepo.OutboxItem(ctx, queued.OutboxID)
		return errA == nil && errB == nil
	})

	if e := a.call(60, "accounts.remove", api.AccountRef{ID: acct.ID}, nil); e != nil {
		t.Fatal(e)
	}
	gone := func(name string, u *ui, r *repo.Repo, id int) {
		t.Helper()
		watch(u, id, "accounts.list", "", func(v api.AccountsView) bool { return len(v.Accounts) == 0 })
		watch(u, id+2, "discussions.page", "", func(p api.DiscussionsPage) bool { return p.Total == 0 && len(p.Items) == 0 })
		emailtest.Eventually(t, 20*time.Second, name+": the account's messages and outbox purged", func() bool {
			n, _ := r.CountMessages(ctx, acct.ID)
			_, err := r.OutboxItem(ctx, queued.OutboxID)
			pending, _ := r.PendingPurges(ctx)
			return n == 0 && errors.Is(err, repo.ErrNotFound) && len(pending) == 0
		})
		if _, err := r.Account(ctx, acct.ID); !errors.Is(err, repo.ErrNotFound) {
			t.Fatalf("%s: the account is still stored: %v", name, err)
		}
		err := r.DB().View(ctx, []string{vault.Store}, func(tx store.Tx) error {
			_, err := tx.Get(vault.Store, store.Tuple("secret", accountSecret(acct.ID)))
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: the account's password is still in the vault: %v", name, err)
		}
	}
	gone("A", a, aRepo, 70)
	gone("B", b, bRepo, 80)
	// Neither device carries it back: several sync rounds later it is still gone.
	time.Sleep(2 * time.Second)
	for name, r := range map[string]*repo.Repo{"A": aRepo, "B": bRepo} {
		if accts, _ := r.AccountList(ctx); len(accts) != 0 {
			t.Fatalf("%s: the account came back: %+v", name, accts)
		}
	}
	if n := len(d.sm.Messages()); n != 0 {
		t.Fatalf("the reply of a removed account went out %d times", n)
	}
	if e := a.call(90, "accounts.remove", api.AccountRef{ID: acct.ID}, nil); e == nil || e.Code != api.CodeNotFound {
		t.Fatalf("removing it again: %v", e)
	}
}

// An account stopped for what only the user can fix says what it is, and the fix from its
// row starts it again: the password changed at the provider (the reply written meanwhile
// fails for it and goes out once the new password is given), then the server's certificate
// changed (the new fingerprint shown, pinned for the IMAP server only). The server files
// sent mail itself, like Gmail: the first send finds it out and no second copy is filed.
func TestAnAccountStoppedForTheUserIsFixedFromItsRow(t *testing.T) {
	tuning.sentWait = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
	t.Cleanup(func() { tuning.sentWait = nil })
	w := startMailUser(t, func(im *emailtest.IMAP) {
		im.Append(t, "alice", "INBOX", mailFrom("Tapioca <tapioca@example.net>", "purr", "p1@example.net", 2))
	})
	u, ids := w.u, &w.ids
	w.sm.OnDelivered = func(m emailtest.Mail) { w.im.Append(t, "alice", "Sent", m.Data) }
	account := func(what string, cond func(api.AccountView) bool) api.AccountView {
		t.Helper()
		return follow(u, ids, "accounts.list", api.Empty{}, what, func(v api.AccountsView) bool {
			return len(v.Accounts) == 1 && cond(v.Accounts[0])
		}).Accounts[0]
	}
	id := account("connected", func(a api.AccountView) bool { return a.Health.State == "connected" }).ID
	page := follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "the mail", func(p api.DiscussionsPage) bool { return p.Total == 1 })
	view := follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "its message", func(v api.DiscussionView) bool { return len(v.Messages) == 1 })

	// The password changes at the provider: the account stops (no retry loop) and says why.
	w.im.SetPassword("alice", "new-pw")
	w.sm.SetPassword("new-pw")
	stopped := account("stopped for its password", func(a api.AccountView) bool {
		return a.Health.Code == "password-refused" && a.Health.Params["server"] == "imap" && a.Health.State == "error" && a.Health.RetryAt.IsZero()
	})
	if stopped.Health.Params["host"] != "127.0.0.1" {
		t.Fatalf("health %+v", stopped.Health)
	}
	// A reply written meanwhile fails for the same reason, with a code the UI translates.
	var queued api.ReplyResult
	w.must("message.reply", api.ReplyParams{MessageID: view.Messages[0].Message.ID, Text: "purr back"}, &queued)
	follow(u, ids, "outbox.list", api.Empty{}, "the reply failed for the password", func(v api.OutboxView) bool {
		return slices.ContainsFunc(v.Items, func(e api.OutboxEntry) bool {
			return e.ID == queued.OutboxID && e.State == repo.Failed && e.LastErrorCode == "auth" && e.LastErrorParams["server"] == "smtp"
		})
	})
	// A wrong new password is refused and changes nothing.
	*ids++
	if e := u.call(*ids, "accounts.updateEmail", api.UpdateEmailParams{ID: id, Password: "still wrong"}, nil); e == nil || e.Code != "auth" {
		t.Fatalf("a wrong new password: %v", e)
	}
	// The right one: connected again, the reply sent, once, with one copy in Sent (the
	// server's: the account learned that its server files sent mail).
	w.must("accounts.updateEmail", api.UpdateEmailParams{ID: id, Password: "new-pw"}, nil)
	account("connected again", func(a api.AccountView) bool { return a.Health.State == "connected" && a.Health.Code == "" })
	w.eventually("the reply sent", func() bool { return len(w.sm.Messages()) == 1 })
	sent := account("the server's filing of sent mail learned", func(a api.AccountView) bool {
		return a.Email != nil && a.Email.SentFiling == string(email.ServerFilesSent)
	})
	if sent.Email.Server.IMAPHost != "127.0.0.1" || sent.Email.Server.IMAPPin == "" {
		t.Fatalf("settings shown: %+v", sent.Email)
	}
	time.Sleep(500 * time.Millisecond) // time for a second copy, were one filed
	if st, err := w.im.Users["alice"].Status("Sent", &imap.StatusOptions{NumMessages: true}); err != nil || *st.NumMessages != 1 || len(w.sm.Messages()) != 1 {
		t.Fatalf("Sent holds %v copies of %d messages sent (%v)", st, len(w.sm.Messages()), err)
	}

	// The IMAP server's certificate changes: stopped, with the new certificate's fingerprint.
	renewed := emailtest.NewCA(t)
	w.im.SetCertificate(renewed.Server)
	sum := sha256.Sum256(renewed.Server.Certificate[0])
	fp := email.FormatFingerprint(sum[:])
	changed := account("stopped for its certificate", func(a api.AccountView) bool {
		return a.Health.Code == "untrusted-certificate" && a.Health.State == "error" && a.Health.RetryAt.IsZero()
	})
	if changed.Health.Params["fingerprint"] != fp || changed.Health.Params["server"] != "imap" || changed.Health.Params["host"] != "127.0.0.1" {
		t.Fatalf("certificate health %+v, want fingerprint %s", changed.Health, fp)
	}
	// Pinned from the row: for the IMAP server only (SMTP keeps its own pin).
	var fixed api.AccountView
	w.must("accounts.updateEmail", api.UpdateEmailParams{ID: id, Pins: []api.CertPin{{Server: "imap", Host: "127.0.0.1", SHA256: fp}}}, &fixed)
	if fixed.Email.Server.IMAPPin != fp || fixed.Email.Server.SMTPPin == fp || fixed.Email.Server.SMTPPin == "" {
		t.Fatalf("pins after the fix: %+v", fixed.Email.Server)
	}
	account("connected with the new certificate", func(a api.AccountView) bool { return a.Health.State == "connected" && a.Health.Code == "" })
	time.Sleep(300 * time.Millisecond) // room for a second copy of the mail
	page = follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "the mail, once, and the reply", func(p api.DiscussionsPage) bool {
		return p.Total == 1 && p.Items[0].Count == 2
	})

	// The relay's address kept with its token (an empty token keeps the one in the vault).
	relay := follow(u, ids, "vault.status", api.Empty{}, "the relay", func(s api.VaultStatus) bool { return s.RelayURL != "" }).RelayURL
	w.must("relay.set", api.RelayParams{URL: relay + "/"}, nil)
	follow(u, ids, "vault.status", api.Empty{}, "the relay kept", func(s api.VaultStatus) bool { return s.RelayURL == relay })
	account("still connected through the relay", func(a api.AccountView) bool { return a.Health.State == "connected" })
}

// Adding an account while a reply is being sent does not cut the send short: it goes out
// once and is recorded sent (the outbox's dispatcher is not restarted, only told of the new
// account).
func TestAddingAnAccountDoesNotStopASendInFlight(t *testing.T) {
	tuning.sentWait = []time.Duration{}
	t.Cleanup(func() { tuning.sentWait = nil })
	w := startMailUser(t, func(im *emailtest.IMAP) {
		im.Append(t, "alice", "INBOX", mailFrom("Bob <bob@example.org>", "dinner", "d1@example.org", 2))
	})
	u, ids := w.u, &w.ids
	page := follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "the mail", func(p api.DiscussionsPage) bool { return p.Total == 1 })
	view := follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "its message", func(v api.DiscussionView) bool { return len(v.Messages) == 1 })
	inFlight, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	w.sm.BeforeAccept = func() {
		once.Do(func() { close(inFlight) })
		<-release
	}
	var queued api.ReplyResult
	w.must("message.reply", api.ReplyParams{MessageID: view.Messages[0].Message.ID, Text: "eight is fine"}, &queued)
	select {
	case <-inFlight:
	case <-time.After(10 * time.Second):
		t.Fatal("the reply never reached the server")
	}
	// Another address on the same servers, added while the server holds the reply.
	w.must("accounts.addEmail", api.AddEmailParams{Address: "alice.other@example.test", Password: "pw", Server: &w.server}, nil)
	follow(u, ids, "accounts.list", api.Empty{}, "two accounts", func(v api.AccountsView) bool { return len(v.Accounts) == 2 })
	close(release)
	w.eventually("the reply recorded sent", func() bool {
		it, _ := w.repo.OutboxItem(u.ctx, queued.OutboxID)
		return it.State == repo.Sent
	})
	if n := len(w.sm.Messages()); n != 1 {
		t.Fatalf("the reply went out %d times", n)
	}
}

// Mastodon and X accounts sign in again from their row, with the instance or developer app
// they were added with: the same account, with its messages. Removing the Mastodon account
// takes its messages out of the discussion it shared with X.
func TestSigningInAgainAndRemovingASocialAccount(t *testing.T) {
	w := newSocialWorld(t)
	s := startSocialUser(t, w)
	u, ids, must := s.u, &s.ids, s.must
	for _, a := range []api.AccountView{s.mview, s.xview} {
		var started api.SignInStarted
		must("accounts.signInAgain", api.SignInAgainParams{ID: a.ID, RedirectURI: callback}, &started)
		var ca []byte
		if a.Network == model.X {
			ca = w.xCA
		}
		var again api.AccountView
		must("accounts.finishSignIn", api.FinishSignInParams{CallbackURL: visit(t, started.AuthorizeURL, ca)}, &again)
		if again.ID != a.ID {
			t.Fatalf("%s: signing in again made account %s (was %s)", a.Network, again.ID, a.ID)
		}
	}
	accts := follow(u, ids, "accounts.list", api.Empty{}, "the three accounts running", func(v api.AccountsView) bool {
		n := 0
		for _, a := range v.Accounts {
			if a.Health.State == "live" || a.Health.State == "polling" || a.Health.State == "connected" {
				n++
			}
		}
		return len(v.Accounts) == 3 && n == 3
	})
	var emailID string
	for _, a := range accts.Accounts {
		if a.Network == model.Email {
			emailID = a.ID
		}
	}
	*ids++
	if e := u.call(*ids, "accounts.signInAgain", api.SignInAgainParams{ID: emailID, RedirectURI: callback}, nil); e == nil || e.Code != api.CodeBadRequest {
		t.Fatalf("an email account signing in again: %v", e)
	}

	follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "Bob on Mastodon and X", func(p api.DiscussionsPage) bool {
		return slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return hasNetworks(d, model.Mastodon, model.X) })
	})
	must("accounts.remove", api.AccountRef{ID: s.mview.ID}, nil)
	follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "Bob on X only", func(p api.DiscussionsPage) bool {
		return slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return hasNetworks(d, model.X) }) &&
			!slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return slices.Contains(d.Networks, model.Mastodon) })
	})
	follow(u, ids, "accounts.list", api.Empty{}, "two accounts left", func(v api.AccountsView) bool {
		return len(v.Accounts) == 2 && !slices.ContainsFunc(v.Accounts, func(a api.AccountView) bool { return a.Network == model.Mastodon })
	})
}
