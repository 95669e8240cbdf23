//go:build !js

package connector_test

import (
	"context"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/email"
	"caliopen/wasm/email/connector"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// The app's path: settings from the store, run, queue a reply, dispatch, archive.
func TestConnectorLifecycle(t *testing.T) {
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "alice", "pw")
	sm := emailtest.StartSMTP(t, ca, "alice", "pw")
	// The server delivers what it accepts into alice's own INBOX (she writes to herself).
	sm.OnDelivered = func(m emailtest.Mail) { im.Append(t, "alice", "INBOX", m.Data) }
	base := emailtest.Account(ca, im, sm, "alice", "pw")
	stored := base.Settings.NewModelAccount("a1", "vault:a1")
	s, err := email.SettingsFromModel(stored)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := store.OpenMemory(repo.Schema())
	defer db.Close()
	r := repo.New(db)
	c := connector.New(&email.Account{ID: stored.ID, Settings: s, Password: "pw", Transport: ca.Transport()}, r)
	c.IdleRestart = time.Second
	var states []email.State
	c.OnHealth(func(h email.Health) { states = append(states, h.State) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	emailtest.Eventually(t, 5*time.Second, "connected", func() bool { return c.State().State == email.Connected })

	d := &outbox.Dispatcher{Repo: r, Handlers: map[string]outbox.Handler{stored.ID: c}}
	if _, err := c.Queue(ctx, &smtpsend.Draft{To: []*gomail.Address{{Address: "alice@example.test"}}, Subject: "note to self", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if n, err := d.RunOnce(ctx); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	var id string
	emailtest.Eventually(t, 5*time.Second, "own mail pushed into the inbox", func() bool {
		ms, _, _ := r.FolderMessages(ctx, stored.ID, "INBOX", repo.Page{})
		for _, m := range ms {
			if m.Subject == "note to self" && m.Outgoing {
				id = m.ID
				return true
			}
		}
		return false
	})
	if err := c.SetFlags(ctx, []string{id}, imapsync.FlagChange{Seen: imapsync.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := c.Archive(ctx, []string{id}); err != nil {
		t.Fatal(err)
	}
	emailtest.Eventually(t, 5*time.Second, "archived and the Sent copy synced", func() bool {
		a, _, _ := r.FolderMessages(ctx, stored.ID, "Archive", repo.Page{})
		sent, _, _ := r.FolderMessages(ctx, stored.ID, "Sent", repo.Page{})
		return len(a) == 1 && a[0].Flags.Seen && len(sent) == 1
	})
	cancel()
	<-done
	if states[0] != email.Connecting || states[len(states)-1] != email.Idle {
		t.Fatalf("health states %v", states)
	}
}
