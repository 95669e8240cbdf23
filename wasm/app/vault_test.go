//go:build !js

package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/model"
	"caliopen/wasm/platform"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// Locking the vault in one tab locks it in the app's other tabs: each tab's core forgets the
// key, and their screens hear it.
func TestLockingLocksEveryTab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	hub := platform.NewHub()
	tab := func() *ui {
		uiEnd, coreEnd := platform.Pipe()
		t.Cleanup(func() { uiEnd.Close() })
		go Start(ctx, Options{Port: coreEnd, DB: db, Broadcast: hub.Join()})
		u := &ui{t: t, port: uiEnd, ctx: ctx}
		u.recv() // ready
		return u
	}
	first, second := tab(), tab()
	if e := first.call(1, "vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}, nil); e != nil {
		t.Fatal(e)
	}
	if e := second.call(1, "vault.unlock", api.PassphraseParams{Passphrase: "correct horse battery"}, nil); e != nil {
		t.Fatal(e)
	}
	ids := 1
	status := subscribeTo[api.VaultStatus](second, &ids, "vault.status", api.Empty{})
	status.until("the second tab unlocked", func(s api.VaultStatus) bool { return s.Unlocked })
	if e := first.call(2, "vault.lock", api.Empty{}, nil); e != nil {
		t.Fatal(e)
	}
	status.until("the second tab locked", func(s api.VaultStatus) bool { return s.Exists && !s.Unlocked })
	// Locked, the second tab keeps nothing it could send with: its relay token is gone.
	if e := second.call(ids+1, "relay.set", api.RelayParams{URL: "http://127.0.0.1:1", Token: "crt_x"}, nil); e == nil || e.Code != "locked" {
		t.Fatalf("relay set in a locked tab: %v", e)
	}
}

// The passphrase changes only with the current one, and only to one long enough; afterwards
// only the new one opens the vault.
func TestChangingThePassphrase(t *testing.T) {
	u := startCore(t)
	u.recv() // ready
	const old, next = "correct horse battery", "staple gun and a kite"
	if e := u.call(1, "vault.create", api.PassphraseParams{Passphrase: old}, nil); e != nil {
		t.Fatal(e)
	}
	if e := u.call(2, "vault.changePassphrase", api.ChangePassphraseParams{Old: "not it at all", Passphrase: next}, nil); e == nil || e.Code != "wrong_passphrase" {
		t.Fatalf("wrong current passphrase: %v", e)
	}
	if e := u.call(3, "vault.changePassphrase", api.ChangePassphraseParams{Old: old, Passphrase: "short"}, nil); e == nil || e.Code != "weak_passphrase" {
		t.Fatalf("short new passphrase: %v", e)
	}
	if e := u.call(4, "vault.changePassphrase", api.ChangePassphraseParams{Old: old, Passphrase: next}, nil); e != nil {
		t.Fatal(e)
	}
	if e := u.call(5, "vault.lock", api.Empty{}, nil); e != nil {
		t.Fatal(e)
	}
	if e := u.call(6, "vault.unlock", api.PassphraseParams{Passphrase: old}, nil); e == nil || e.Code != "wrong_passphrase" {
		t.Fatalf("the old passphrase still opens the vault: %v", e)
	}
	if e := u.call(7, "vault.unlock", api.PassphraseParams{Passphrase: next}, nil); e != nil {
		t.Fatal(e)
	}
}

// The space's phrase is shown again only to whoever gives the passphrase again, and a device
// already in a space is not moved to another one by a join.
func TestSyncSecretAgainAndJoiningAnotherSpace(t *testing.T) {
	u := startCore(t)
	u.recv() // ready
	const pass = "correct horse battery"
	if e := u.call(1, "vault.create", api.PassphraseParams{Passphrase: pass}, nil); e != nil {
		t.Fatal(e)
	}
	if e := u.call(2, "sync.secret", api.PassphraseParams{Passphrase: pass}, nil); e == nil || e.Code != "sync_off" {
		t.Fatalf("secret before any space: %v", e)
	}
	var created api.SyncSecret
	if e := u.call(3, "sync.create", api.Empty{}, &created); e != nil {
		t.Fatal(e)
	}
	if e := u.call(4, "sync.secret", api.PassphraseParams{Passphrase: "not the passphrase"}, nil); e == nil || e.Code != "wrong_passphrase" {
		t.Fatalf("secret with a wrong passphrase: %v", e)
	}
	var again api.SyncSecret
	if e := u.call(5, "sync.secret", api.PassphraseParams{Passphrase: pass}, &again); e != nil {
		t.Fatal(e)
	}
	if again != created || len(strings.Fields(again.Phrase)) != 24 {
		t.Fatalf("shown again: %+v, created: %+v", again, created)
	}
	other, err := syncspace.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	if e := u.call(6, "sync.join", api.SyncJoinParams{Secret: other.Phrase()}, nil); e == nil || e.Code != "sync_exists" {
		t.Fatalf("joining another space: %v", e)
	}
	if e := u.call(7, "sync.join", api.SyncJoinParams{Secret: created.PairingCode}, nil); e != nil {
		t.Fatalf("joining the same space again: %v", e)
	}
	if e := u.call(8, "sync.secret", api.PassphraseParams{Passphrase: pass}, &again); e != nil || again != created {
		t.Fatalf("the space changed: %+v %v", again, e)
	}
}

// A reply written in a tab that does not sync (another tab of the app does) is not refused:
// it waits in the shared outbox, and the syncing tab, told at once, sends it, once.
func TestReplyFromATabThatDoesNotSync(t *testing.T) {
	hub := platform.NewHub()
	u := newMailUser(t, relayOptions{tabs: hub})
	id := u.deliver([]byte("From: Tapioca <tapioca@example.net>\r\nTo: alice@example.test\r\nSubject: purr\r\n" +
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <purr@example.net>\r\n\r\nmeow\r\n"))
	parent := u.stored(id, func(model.Message) bool { return true })

	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	go Start(u.ctx, Options{Port: coreEnd, DB: u.db, Broadcast: hub.Join()})
	follower := &mailUser{ui: &ui{t: t, port: uiEnd, ctx: u.ctx}, t: t}
	follower.recv() // ready
	follower.must("core.setRole", api.SetRoleParams{Leader: false}, nil)
	follower.must("vault.unlock", api.PassphraseParams{Passphrase: "correct horse battery"}, nil)
	var queued api.ReplyResult
	follower.must("message.reply", api.ReplyParams{MessageID: parent.ID, Text: "purr back"}, &queued)
	if queued.OutboxID == "" {
		t.Fatalf("queued: %+v", queued)
	}
	sent := u.nextDelivered()
	if !bytes.Contains(sent.Data, []byte("purr back")) || !bytes.Contains(sent.Data, []byte("In-Reply-To: <purr@example.net>")) {
		t.Fatalf("sent:\n%s", sent.Data)
	}
	select {
	case again := <-u.delivered:
		t.Fatalf("sent twice:\n%s", again.Data)
	case <-time.After(time.Second):
	}
}
