//go:build !js

package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"caliopen/relay/auth"
	relaysync "caliopen/relay/sync"
	"caliopen/relay/tunnel"
	"caliopen/wasm/api"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/pgp"
	"caliopen/wasm/platform"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/store/storetest"
	"caliopen/wasm/syncspace"
)

// startFullRelay serves the tunnel (to the given local ports) and the sync endpoint, like the
// relay binary, and returns its origin and an access token.
func startFullRelay(t *testing.T, ports ...int) (string, string) {
	t.Helper()
	dir := t.TempDir()
	tokens, err := auth.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	token, _ := tokens.Add("alice")
	backend, err := relaysync.StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lg, err := relaysync.OpenLog(ctx, backend.JS, relaysync.LogConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv := relaysync.New(relaysync.DefaultConfig(), tokens, lg, slog.New(slog.DiscardHandler))
	cfg := tunnel.DefaultConfig()
	for _, p := range ports {
		cfg.Ports = append(cfg.Ports, uint16(p))
	}
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	mux := http.NewServeMux()
	mux.Handle("/sync", srv)
	mux.Handle("/tunnel", tunnel.New(cfg, tokens, tunnel.Options{}))
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
		backend.Close(ctx)
	})
	return hs.URL, token
}

// bareDevice starts a leader core with a vault and the relay set, and nothing else; it
// returns the device's repository too, to look into.
func bareDevice(t *testing.T, ctx context.Context, relayURL, token string) (*ui, *repo.Repo) {
	t.Helper()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	go Start(ctx, Options{Port: coreEnd, DB: db})
	u := &ui{t: t, port: uiEnd, ctx: ctx}
	u.recv() // ready
	for i, step := range []struct {
		method string
		params any
	}{
		{"core.setRole", api.SetRoleParams{Leader: true}},
		{"vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}},
		{"relay.set", api.RelayParams{URL: relayURL, Token: token}},
	} {
		if e := u.call(100+i, step.method, step.params, nil); e != nil {
			t.Fatalf("%s: %v", step.method, e)
		}
	}
	return u, repo.New(db)
}

// watch subscribes to a live query and returns once cond holds on its data.
func watch[T any](u *ui, id int, query string, args string, cond func(T) bool) T {
	u.t.Helper()
	var sub api.SubscribeResult
	if args == "" {
		args = "{}"
	}
	if e := u.call(id, "subscribe", api.SubscribeParams{Query: query, Args: json.RawMessage(args)}, &sub); e != nil {
		u.t.Fatal(e)
	}
	for {
		m := u.recv()
		if string(m["sub"]) != fmt.Sprint(sub.Sub) {
			continue
		}
		var v T
		if err := json.Unmarshal(m["data"], &v); err != nil {
			u.t.Fatal(err)
		}
		if cond(v) {
			u.send(fmt.Sprintf(`{"id":%d,"method":"unsubscribe","params":{"sub":%d}}`, id+1, sub.Sub))
			return v
		}
	}
}

// mailDevices is a mailbox and two devices of its owner: A with the account, B not yet.
type mailDevices struct {
	ctx          context.Context
	im           *emailtest.IMAP
	sm           *emailtest.SMTP
	a, b         *ui
	aRepo, bRepo *repo.Repo
	acct         api.AccountView
}

// newMailDevices starts an IMAP and an SMTP server holding one mail from Tapioca, a relay
// with the tunnel and sync, and two devices; A adds the account.
func newMailDevices(t *testing.T, ctx context.Context, password string) *mailDevices {
	t.Helper()
	ca := emailtest.NewCA(t)
	d := &mailDevices{ctx: ctx, im: emailtest.StartIMAP(t, ca, "alice", password), sm: emailtest.StartSMTP(t, ca, "alice", password)}
	d.im.Append(t, "alice", "INBOX", []byte("From: Tapioca <tapioca@example.net>\r\nTo: alice@example.test\r\n"+
		"Subject: purr\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <p1@example.net>\r\n\r\nmeow\r\n"))
	relayURL, token := startFullRelay(t, d.im.Port, d.sm.Port)
	d.a, d.aRepo = bareDevice(t, ctx, relayURL, token)
	d.b, d.bRepo = bareDevice(t, ctx, relayURL, token)
	sum := sha256.Sum256(ca.Server.Certificate[0])
	server := &api.EmailServer{IMAPHost: "127.0.0.1", IMAPPort: d.im.Port, IMAPSecurity: "tls",
		SMTPHost: "127.0.0.1", SMTPPort: d.sm.Port, SMTPSecurity: "tls", Username: "alice", IMAPPin: hex.EncodeToString(sum[:]), SMTPPin: hex.EncodeToString(sum[:])}
	if e := d.a.call(1, "accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: password, Name: "Alice", Server: server}, &d.acct); e != nil {
		t.Fatal(e)
	}
	return d
}

// pair makes a sync space on A and joins B to it with the given form of its secret.
func (d *mailDevices) pair(t *testing.T, byPhrase bool) { pair(t, d.a, d.b, byPhrase) }

// pair makes a sync space on device a and joins b to it (by phrase or pairing code).
func pair(t *testing.T, a, b *ui, byPhrase bool) {
	t.Helper()
	var secret api.SyncSecret
	if e := a.call(3, "sync.create", api.Empty{}, &secret); e != nil {
		t.Fatal(e)
	}
	s := secret.PairingCode
	if byPhrase {
		s = secret.Phrase
	}
	if e := b.call(4, "sync.join", api.SyncJoinParams{Secret: s}, nil); e != nil {
		t.Fatal(e)
	}
}

// An account and a key added on device A run on device B once B joined the space (their
// secrets carried sealed), and a reply queued on A, carried into B's outbox so that both
// dispatchers hold it, goes out once: the device whose claim the relay ordered first sends
// it, the other hands it off. The SMTP server counts what it received.
func TestTwoDevicesShareAccountsKeysAndSendOnce(t *testing.T) {
	const password = "pw-Tr0ub4dor&3-sync"
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d := newMailDevices(t, ctx, password)
	a, b, aRepo, bRepo, sm, acct := d.a, d.b, d.aRepo, d.bRepo, d.sm, d.acct
	var key api.KeyView
	if e := a.call(2, "keys.generate", api.GenerateKeyParams{Address: "alice@example.test", Name: "Alice"}, &key); e != nil {
		t.Fatal(e)
	}
	d.pair(t, false)

	// B runs A's account, with the password it never typed, and holds A's key, unlocked.
	watch(b, 10, "accounts.list", "", func(v api.AccountsView) bool {
		return len(v.Accounts) == 1 && v.Accounts[0].ID == acct.ID && v.Accounts[0].Health.State == "connected"
	})
	watch(b, 20, "keys.list", "", func(v api.KeysView) bool {
		return len(v.Own) == 1 && v.Own[0].Fingerprint == key.Fingerprint && !v.Own[0].Locked
	})

	// Neither device stores the password or the secret key in the clear: not in the vault,
	// not in the sync queue, not in the batches received (sealed again at rest).
	var armored api.ArmoredKey
	if e := a.call(25, "keys.exportSecret", api.ExportSecretParams{Fingerprint: key.Fingerprint, Passphrase: "export passphrase"}, &armored); e != nil {
		t.Fatal(e)
	}
	sk, err := pgp.ImportSecret([]byte(armored.Armored), []byte("export passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	skBytes, err := sk.Bytes() // the unprotected key, as a device would carry it
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]*repo.Repo{"A": aRepo, "B": bRepo} {
		recs := storetest.RawRecords(t, r.DB(), repo.Schema().StoreNames())
		if n := storetest.NoSecretIn(t, recs, []byte(password), skBytes, []byte("PRIVATE KEY")); n < 10 {
			t.Fatalf("device %s: only %d records", name, n)
		}
	}

	// Both devices have the mail; A replies; B's outbox receives the same item.
	page := watch(a, 30, "discussions.page", "", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	watch(b, 40, "discussions.page", "", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	view := watch(a, 50, "discussion.messages", fmt.Sprintf(`{"key":%q}`, page.Items[0].Key), func(v api.DiscussionView) bool { return len(v.Messages) == 1 })
	var queued api.ReplyResult
	if e := a.call(60, "message.reply", api.ReplyParams{MessageID: view.Messages[0].Message.ID, Text: "purr back"}, &queued); e != nil {
		t.Fatal(e)
	}
	// Both outboxes hold the item; one device sent it, the other handed it off.
	states := func() (repo.OutboxState, repo.OutboxState) {
		x, _ := aRepo.OutboxItem(ctx, queued.OutboxID)
		y, _ := bRepo.OutboxItem(ctx, queued.OutboxID)
		return x.State, y.State
	}
	// The device that sent it deletes it from the space: the other's copy goes (it may be
	// seen as handed off first).
	emailtest.Eventually(t, 30*time.Second, "the reply settled on both devices", func() bool {
		x, y := states()
		return (x == repo.Sent && (y == repo.Elsewhere || y == "")) || ((x == repo.Elsewhere || x == "") && y == repo.Sent)
	})
	time.Sleep(time.Second) // time for a second copy, were one to go out
	if n := len(sm.Messages()); n != 1 {
		x, y := states()
		t.Fatalf("the SMTP server received the reply %d times (A %s, B %s)", n, x, y)
	}
}

// A reply cancelled on the device that holds its claim is cancelled on every device (a
// tombstone in the space); the other device cannot cancel it, since it is not the one
// sending; nothing reaches the SMTP server.
func TestOutboxCancelReachesEveryDevice(t *testing.T) {
	tuning.outboxBackoff = 200 * time.Millisecond
	t.Cleanup(func() { tuning.outboxBackoff = 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d := newMailDevices(t, ctx, "pw")
	a, b, aRepo, bRepo, sm := d.a, d.b, d.aRepo, d.bRepo, d.sm
	sm.SetFailFirst(1 << 20) // the server refuses for now: the reply waits in the outbox
	d.pair(t, true)
	watch(b, 10, "accounts.list", "", func(v api.AccountsView) bool {
		return len(v.Accounts) == 1 && v.Accounts[0].Health.State == "connected"
	})
	page := watch(a, 20, "discussions.page", "", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
	view := watch(a, 30, "discussion.messages", fmt.Sprintf(`{"key":%q}`, page.Items[0].Key), func(v api.DiscussionView) bool { return len(v.Messages) == 1 })
	var queued api.ReplyResult
	if e := a.call(40, "message.reply", api.ReplyParams{MessageID: view.Messages[0].Message.ID, Text: "never mind"}, &queued); e != nil {
		t.Fatal(e)
	}
	// One device claims it and keeps trying; the other hands it off.
	var sender, other *ui
	var senderRepo, otherRepo *repo.Repo
	emailtest.Eventually(t, 30*time.Second, "one device is trying to send the reply, the other handed it off", func() bool {
		x, errA := aRepo.OutboxItem(ctx, queued.OutboxID)
		y, errB := bRepo.OutboxItem(ctx, queued.OutboxID)
		if errA != nil || errB != nil {
			return false
		}
		switch {
		case x.State == repo.Elsewhere && y.Attempts > 0:
			sender, senderRepo, other, otherRepo = b, bRepo, a, aRepo
		case y.State == repo.Elsewhere && x.Attempts > 0:
			sender, senderRepo, other, otherRepo = a, aRepo, b, bRepo
		default:
			return false
		}
		return true
	})
	if e := other.call(45, "outbox.cancel", api.OutboxRef{ID: queued.OutboxID}, nil); e == nil || e.Code != "outbox_sent_elsewhere" {
		t.Fatalf("cancel on the device that is not sending: %+v", e)
	}
	// The sender may be in the middle of an attempt: it can cancel once that attempt failed.
	emailtest.Eventually(t, 10*time.Second, "the sending device cancels the reply", func() bool {
		return sender.call(50, "outbox.cancel", api.OutboxRef{ID: queued.OutboxID}, nil) == nil
	})
	emailtest.Eventually(t, 20*time.Second, "the reply left both outboxes", func() bool {
		_, errS := senderRepo.OutboxItem(ctx, queued.OutboxID)
		_, errO := otherRepo.OutboxItem(ctx, queued.OutboxID)
		return errors.Is(errS, repo.ErrNotFound) && errors.Is(errO, repo.ErrNotFound)
	})
	time.Sleep(time.Second)
	if n := len(sm.Messages()); n != 0 {
		t.Fatalf("the SMTP server received %d messages", n)
	}
}

// A change too large to travel stays on its device and says so in the sync status; the
// changes made after it still reach the other device.
func TestTooLargeChangeDoesNotHoldBackTheRest(t *testing.T) {
	relayURL, token := startFullRelay(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, aRepo := bareDevice(t, ctx, relayURL, token)
	b, bRepo := bareDevice(t, ctx, relayURL, token)
	pair(t, a, b, false)
	huge := strings.Repeat("x", syncspace.MaxBatchPlain)
	if err := aRepo.SetSetting(ctx, "notes.huge", huge); err != nil {
		t.Fatal(err)
	}
	if err := aRepo.SetSetting(ctx, "notes.small", "fits"); err != nil {
		t.Fatal(err)
	}
	watch(a, 10, "sync.status", "", func(v api.SyncView) bool {
		return v.Problem == "sync_too_large" && strings.Contains(v.ProblemDetail, "notes.huge")
	})
	emailtest.Eventually(t, 20*time.Second, "the small setting reached B", func() bool {
		var v string
		return bRepo.Setting(ctx, "notes.small", &v) == nil && v == "fits"
	})
	var v string
	if err := bRepo.Setting(ctx, "notes.huge", &v); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("the huge setting on B: %v", err)
	}
}

// Contacts' keys travel key by key: two keys imported on two devices while apart are both
// held by both afterwards, and a key marked verified on one is verified on the other.
func TestContactKeysMergeAcrossDevices(t *testing.T) {
	relayURL, token := startFullRelay(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, _ := bareDevice(t, ctx, relayURL, token)
	b, _ := bareDevice(t, ctx, relayURL, token)
	armored := func(name, address string) (string, string) {
		k, err := pgp.Generate(name, address)
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := k.Public()
		arm, err := pub.Armored()
		if err != nil {
			t.Fatal(err)
		}
		return arm, k.Fingerprint()
	}
	bobKey, bobFpr := armored("Bob", "bob@example.com")
	carolKey, carolFpr := armored("Carol", "carol@example.org")
	if e := a.call(1, "keys.import", api.ImportKeyParams{Armored: bobKey}, nil); e != nil {
		t.Fatal(e)
	}
	if e := b.call(2, "keys.import", api.ImportKeyParams{Armored: carolKey}, nil); e != nil {
		t.Fatal(e)
	}
	pair(t, a, b, false)
	both := func(v api.KeysView) bool {
		seen := map[string]bool{}
		for _, c := range v.Contacts {
			seen[c.Fingerprint] = true
		}
		return len(v.Contacts) == 2 && seen[bobFpr] && seen[carolFpr]
	}
	watch(a, 10, "keys.list", "", both)
	watch(b, 20, "keys.list", "", both)
	if e := b.call(30, "keys.setVerified", api.SetVerifiedParams{Address: "bob@example.com", Fingerprint: bobFpr, Verified: true}, nil); e != nil {
		t.Fatal(e)
	}
	watch(a, 40, "keys.list", "", func(v api.KeysView) bool {
		for _, c := range v.Contacts {
			if c.Fingerprint == bobFpr {
				return c.Verified
			}
		}
		return false
	})
}
