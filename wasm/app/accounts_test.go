//go:build !js

package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"caliopen/relay/auth"
	"caliopen/relay/tunnel"
	"caliopen/wasm/api"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/platform"
)

// call sends a request and waits for its answer, skipping pushes in between.
func (u *ui) call(id int, method string, params any, result any) *api.Error {
	u.t.Helper()
	raw, _ := json.Marshal(params)
	u.send(fmt.Sprintf(`{"id":%d,"method":%q,"params":%s}`, id, method, raw))
	for {
		m := u.recv()
		if string(m["id"]) != fmt.Sprint(id) {
			continue
		}
		if m["error"] != nil {
			var e api.Error
			json.Unmarshal(m["error"], &e)
			return &e
		}
		if result != nil {
			if err := json.Unmarshal(m["result"], result); err != nil {
				u.t.Fatal(err)
			}
		}
		return nil
	}
}

// The whole path a user takes, natively: create the vault, set the relay, add an email
// account (its self-signed certificate pinned by fingerprint), and watch its mail arrive in
// discussions, through the relay tunnel with TLS ending in the core.
func TestEmailAccountThroughTheRelay(t *testing.T) {
	ca := emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "alice", "pw")
	sm := emailtest.StartSMTP(t, ca, "alice", "pw")
	delivered := make(chan emailtest.Mail, 4)
	sm.OnDelivered = func(m emailtest.Mail) { delivered <- m }
	for i := 1; i <= 2; i++ {
		im.Append(t, "alice", "INBOX", []byte(fmt.Sprintf("From: Tapioca <tapioca@example.net>\r\nTo: alice@example.test\r\n"+
			"Subject: purr %d\r\nDate: Mon, %d Nov 2026 10:00:00 +0000\r\nMessage-ID: <p%d@example.net>\r\n\r\nmeow\r\n", i, i+1, i)))
	}
	tokens, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, _ := tokens.Add("alice")
	cfg := tunnel.DefaultConfig()
	cfg.Ports = append(cfg.Ports, uint16(im.Port), uint16(sm.Port))
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	relay := httptest.NewServer(tunnel.New(cfg, tokens, tunnel.Options{}))
	defer relay.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	uiEnd, coreEnd := platform.Pipe()
	defer uiEnd.Close()
	go Start(ctx, Options{Port: coreEnd})
	u := &ui{t: t, port: uiEnd, ctx: ctx}
	u.recv() // ready
	if e := u.call(1, "core.setRole", api.SetRoleParams{Leader: true}, nil); e != nil {
		t.Fatal(e)
	}
	if e := u.call(2, "relay.set", api.RelayParams{URL: relay.URL, Token: token}, nil); e == nil || e.Code != "locked" {
		t.Fatalf("relay set before the vault: %v", e)
	}
	if e := u.call(3, "vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}, nil); e != nil {
		t.Fatal(e)
	}
	if e := u.call(4, "relay.set", api.RelayParams{URL: relay.URL, Token: token}, nil); e != nil {
		t.Fatal(e)
	}
	sum := sha256.Sum256(ca.Server.Certificate[0])
	server := &api.EmailServer{IMAPHost: "127.0.0.1", IMAPPort: im.Port, IMAPSecurity: "tls",
		SMTPHost: "127.0.0.1", SMTPPort: sm.Port, SMTPSecurity: "tls", Username: "alice"}

	// A wrong password is refused with a readable error; nothing is stored.
	bad := api.AddEmailParams{Address: "alice@example.test", Password: "nope", Server: server}
	server.PinnedSHA256 = hex.EncodeToString(sum[:])
	if e := u.call(5, "accounts.addEmail", bad, nil); e == nil || e.Code != "auth" {
		t.Fatalf("wrong password: %v", e)
	}
	// Without the pin, the self-signed certificate is not trusted, and its fingerprint is shown.
	unpinned := *server
	unpinned.PinnedSHA256 = ""
	if e := u.call(6, "accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: "pw", Server: &unpinned}, nil); e == nil || e.Code != "untrusted_certificate" ||
		!strings.Contains(e.Message, e.Params["fingerprint"]) || len(e.Params["fingerprint"]) < 32 {
		t.Fatalf("unpinned: %v", e)
	}
	var view api.AccountView
	if e := u.call(7, "accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: "pw", Name: "Alice", Server: server}, &view); e != nil {
		t.Fatal(e)
	}
	if view.Network != "email" || view.Address != "alice@example.test" {
		t.Fatalf("account: %+v", view)
	}
	// The mail arrives in discussions.
	var sub api.SubscribeResult
	if e := u.call(8, "subscribe", api.SubscribeParams{Query: "discussions.page", Args: json.RawMessage(`{}`)}, &sub); e != nil {
		t.Fatal(e)
	}
	deadline := time.Now().Add(20 * time.Second)
	var key string
	for {
		m := u.recv()
		if string(m["sub"]) == fmt.Sprint(sub.Sub) {
			var page api.DiscussionsPage
			json.Unmarshal(m["data"], &page)
			if len(page.Items) == 1 && page.Items[0].Count == 2 && page.Items[0].People[0].Name == "Tapioca" {
				key = page.Items[0].Key
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the synced mail never formed its discussion")
		}
	}
	// A reply goes out through the outbox, once, over the relay, threaded on its parent.
	var dsub api.SubscribeResult
	u.call(10, "subscribe", api.SubscribeParams{Query: "discussion.messages", Args: json.RawMessage(fmt.Sprintf(`{"key":%q}`, key))}, &dsub)
	var dview api.DiscussionView
	for dview.Key == "" {
		m := u.recv()
		if string(m["sub"]) == fmt.Sprint(dsub.Sub) {
			json.Unmarshal(m["data"], &dview)
		}
	}
	if len(dview.Messages) != 2 || dview.Messages[0].Privacy.Grade == "" {
		t.Fatalf("discussion view: %+v", dview)
	}
	parent := dview.Messages[1].Message
	var queued api.ReplyResult
	if e := u.call(11, "message.reply", api.ReplyParams{MessageID: parent.ID, Text: "purr back"}, &queued); e != nil {
		t.Fatal(e)
	}
	select {
	case got := <-delivered:
		if len(got.To) != 1 || got.To[0] != "tapioca@example.net" || !strings.Contains(string(got.Data), "In-Reply-To: <p2@example.net>") ||
			!strings.Contains(string(got.Data), "purr back") {
			t.Fatalf("delivered: to %v\n%s", got.To, got.Data)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the reply was never sent")
	}
	select {
	case again := <-delivered:
		t.Fatalf("the reply went out twice: %s", again.Data)
	case <-time.After(300 * time.Millisecond):
	}

	var accts api.AccountsView
	var asub api.SubscribeResult
	u.call(9, "subscribe", api.SubscribeParams{Query: "accounts.list"}, &asub)
	for {
		m := u.recv()
		if string(m["sub"]) == fmt.Sprint(asub.Sub) {
			json.Unmarshal(m["data"], &accts)
			if len(accts.Accounts) == 1 && accts.Accounts[0].Health.State == "connected" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("account health: %+v", accts)
		}
	}
}
