//go:build !js

package app

import (
	"context"
	"crypto/sha256"
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
	"caliopen/wasm/email"
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
// account whose self-hosted servers have their own certificates (each pinned by its
// fingerprint, for its host, as the errors showed them), and watch its mail arrive in
// discussions, through the relay tunnel with TLS ending in the core.
func TestEmailAccountThroughTheRelay(t *testing.T) {
	tuning.sentWait = []time.Duration{}
	t.Cleanup(func() { tuning.sentWait = nil })
	ca, smtpCA := emailtest.NewCA(t), emailtest.NewCA(t)
	im := emailtest.StartIMAP(t, ca, "alice", "pw")
	sm := emailtest.StartSMTP(t, smtpCA, "alice", "pw")
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
	// The relay is asked whether it takes the token before it is kept.
	if e := u.call(4, "relay.set", api.RelayParams{URL: relay.URL, Token: "crt_wrong"}, nil); e == nil || e.Code != "relay_auth" {
		t.Fatalf("relay with a wrong token: %v", e)
	}
	if e := u.call(4, "relay.set", api.RelayParams{URL: relay.URL, Token: token}, nil); e != nil {
		t.Fatal(e)
	}
	fingerprint := func(c *emailtest.CA) string {
		sum := sha256.Sum256(c.Server.Certificate[0])
		return email.FormatFingerprint(sum[:])
	}
	server := &api.EmailServer{IMAPHost: "127.0.0.1", IMAPPort: im.Port, IMAPSecurity: "tls",
		SMTPHost: "127.0.0.1", SMTPPort: sm.Port, SMTPSecurity: "tls", Username: "alice"}
	add := func(id int, password string, pins ...api.CertPin) *api.Error {
		return u.call(id, "accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: password, Name: "Alice", Server: server, Pins: pins}, nil)
	}
	// The IMAP server's self-signed certificate is not trusted: its fingerprint is shown,
	// for its server and host.
	e := add(5, "pw")
	if e == nil || e.Code != "untrusted_certificate" || e.Params["server"] != "imap" || e.Params["host"] != "127.0.0.1" ||
		e.Params["fingerprint"] != fingerprint(ca) || !strings.Contains(e.Message, e.Params["fingerprint"]) {
		t.Fatalf("unpinned: %v", e)
	}
	imapPin := api.CertPin{Server: e.Params["server"], Host: e.Params["host"], SHA256: e.Params["fingerprint"]}
	// Pinned, the IMAP server is trusted; the SMTP server is checked too, now rather than at
	// the first send, and its own certificate is not the IMAP server's.
	e = add(6, "pw", imapPin)
	if e == nil || e.Code != "untrusted_certificate" || e.Params["server"] != "smtp" || e.Params["fingerprint"] != fingerprint(smtpCA) {
		t.Fatalf("SMTP unpinned: %v", e)
	}
	smtpPin := api.CertPin{Server: e.Params["server"], Host: e.Params["host"], SHA256: e.Params["fingerprint"]}
	// A wrong password is refused with a readable error; nothing is stored.
	if e := add(7, "nope", imapPin, smtpPin); e == nil || e.Code != "auth" || e.Params["server"] != "imap" {
		t.Fatalf("wrong password: %v", e)
	}
	var view api.AccountView
	if e := u.call(9, "accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: "pw", Name: "Alice", Server: server,
		Pins: []api.CertPin{imapPin, smtpPin}}, &view); e != nil {
		t.Fatal(e)
	}
	if view.Email == nil || view.Email.Server.IMAPPin != fingerprint(ca) || view.Email.Server.SMTPPin != fingerprint(smtpCA) {
		t.Fatalf("pins kept per server: %+v", view.Email)
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
