//go:build !js

package app

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/relay/auth"
	"caliopen/relay/tunnel"
	"caliopen/shared/fakes/mastodonfake"
	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/api"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/platform"
	"caliopen/wasm/x"
)

// The app's callback address in these tests (the "browser" reads the redirect and hands it
// to the core, as the UI does after the navigation).
const callback = "http://127.0.0.1:8080/oauth/callback"

// socialWorld is Bob on Mastodon, on X and by email, and Alice's accounts there.
type socialWorld struct {
	masto        *mastodonfake.Server
	mAlice, mBob string
	xf           *xfake.Server
	xBase        string
	xCA          []byte
	im           *emailtest.IMAP
	sm           *emailtest.SMTP
	ca           *emailtest.CA
	relayURL     string
	relayToken   string
}

func newSocialWorld(t *testing.T) *socialWorld {
	w := &socialWorld{}
	w.masto = mastodonfake.Start(t, "fake.example")
	w.masto.Heartbeat = 200 * time.Millisecond
	w.mAlice = w.masto.AddLocal("alice", "Alice")
	w.mBob = w.masto.AddRemote("bob", "remote.example", "Bob")
	verified := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	w.masto.SetProfile(w.mBob, "<p>Cooking.</p>", mastodonfake.Field{Name: "Home",
		Value: `<a href="https://bob.example.org" rel="me nofollow noopener" target="_blank">bob.example.org</a>`, VerifiedAt: &verified})
	w.masto.SignIn(w.mAlice)
	w.masto.Post(mastodonfake.Post{Author: w.mBob, To: []string{w.mAlice}, Text: "hello from mastodon"})

	w.xf = xfake.New(xfake.Options{ClientID: "my-dev-app", RedirectURI: callback, SignedIn: "1001"})
	w.xf.AddUser(xfake.User{ID: "1001", Name: "Alice", Username: "alice_c"})
	w.xf.AddUser(xfake.User{ID: "1002", Name: "Bob", Username: "bob_t", URL: "https://bob.example.org"})
	w.xf.AddEvent(xfake.Event{Text: "hello from X", ConversationID: xfake.OneToOneID("1001", "1002"), SenderID: "1002",
		CreatedAt: time.Now().Add(-time.Hour)})
	srv, caPEM, err := w.xf.StartTLS("api.x.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	xPort := srv.Listener.Addr().(*net.TCPAddr).Port
	w.xBase, w.xCA = fmt.Sprintf("https://127.0.0.1:%d", xPort), caPEM

	w.ca = emailtest.NewCA(t)
	w.im = emailtest.StartIMAP(t, w.ca, "alice", "pw")
	w.sm = emailtest.StartSMTP(t, w.ca, "alice", "pw")
	w.im.Append(t, "alice", "INBOX", []byte("From: Bob <bob@example.org>\r\nTo: alice@example.test\r\n"+
		"Subject: dinner\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <d1@example.org>\r\n\r\nat eight?\r\n"))

	tokens, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w.relayToken, _ = tokens.Add("alice")
	cfg := tunnel.DefaultConfig()
	cfg.Ports = []uint16{uint16(xPort), uint16(w.im.Port), uint16(w.sm.Port)}
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	relay := httptest.NewServer(tunnel.New(cfg, tokens, tunnel.Options{}))
	t.Cleanup(relay.Close)
	w.relayURL = relay.URL
	return w
}

// follow subscribes to a live query and returns its first result that satisfies cond.
func follow[T any](u *ui, ids *int, query string, args any, what string, cond func(T) bool) T {
	u.t.Helper()
	raw, _ := json.Marshal(args)
	var sub api.SubscribeResult
	*ids++
	if e := u.call(*ids, "subscribe", api.SubscribeParams{Query: query, Args: raw}, &sub); e != nil {
		u.t.Fatal(e)
	}
	deadline := time.Now().Add(25 * time.Second)
	var last T
	for time.Now().Before(deadline) {
		m := u.recv()
		if string(m["sub"]) != fmt.Sprint(sub.Sub) {
			continue
		}
		var v T
		if err := json.Unmarshal(m["data"], &v); err != nil {
			u.t.Fatal(err)
		}
		if last = v; cond(v) {
			*ids++
			u.call(*ids, "unsubscribe", api.UnsubscribeParams{Sub: sub.Sub}, nil)
			return v
		}
	}
	u.t.Fatalf("timed out waiting for %s; last: %+v", what, last)
	return last
}

// visit is the browser at a consent page that approves at once: it returns where the page
// sends the browser back.
func visit(t *testing.T, authorize string, caPEM []byte) string {
	t.Helper()
	tr := &http.Transport{}
	if caPEM != nil {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authorize)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, callback+"?") {
		t.Fatalf("consent page answered %d, to %q", resp.StatusCode, loc)
	}
	return loc
}

func hasNetworks(d api.DiscussionItem, want ...model.Network) bool {
	for _, n := range want {
		if !slices.Contains(d.Networks, n) {
			return false
		}
	}
	return len(d.Networks) == len(want)
}

// socialUser is the app signed in to Mastodon, X and email in a socialWorld, every account
// connected, with the test's timings shortened.
type socialUser struct {
	u            *ui
	ids          int
	mview, xview api.AccountView
}

func (s *socialUser) must(method string, params, result any) {
	s.u.t.Helper()
	s.ids++
	if e := s.u.call(s.ids, method, params, result); e != nil {
		s.u.t.Fatalf("%s: %v", method, e)
	}
}

func startSocialUser(t *testing.T, w *socialWorld) *socialUser {
	tuning.outboxBackoff = 100 * time.Millisecond
	tuning.mastodonTimeout = 2 * time.Second
	tuning.mastodon = func(c *mastodon.Config) {
		c.PollInterval, c.MinBackoff, c.MaxBackoff = 200*time.Millisecond, 50*time.Millisecond, 200*time.Millisecond
	}
	tuning.x = func(c *x.Connector) { c.Poller.Min, c.Poller.Max = 300*time.Millisecond, 300*time.Millisecond }
	t.Cleanup(func() {
		tuning.outboxBackoff, tuning.mastodonTimeout, tuning.mastodon, tuning.x = 0, 0, nil, nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	go Start(ctx, Options{Port: coreEnd})
	u := &ui{t: t, port: uiEnd, ctx: ctx}
	u.recv() // ready
	s := &socialUser{u: u}
	must := s.must
	must("core.setRole", api.SetRoleParams{Leader: true}, nil)
	must("vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}, nil)
	must("relay.set", api.RelayParams{URL: w.relayURL, Token: w.relayToken}, nil)

	// Mastodon, through its consent page.
	var started api.SignInStarted
	must("accounts.mastodonSignIn", api.MastodonSignInParams{Instance: w.masto.BaseURL, RedirectURI: callback}, &started)
	back := visit(t, started.AuthorizeURL, nil)
	forged := strings.Replace(back, "state=", "state=x", 1)
	s.ids++
	if e := u.call(s.ids, "accounts.finishSignIn", api.FinishSignInParams{CallbackURL: forged}, nil); e == nil || e.Code != "unknown_signin" {
		t.Fatalf("a forged state: %v", e)
	}
	must("accounts.finishSignIn", api.FinishSignInParams{CallbackURL: back}, &s.mview)
	mview := s.mview
	if mview.Network != model.Mastodon || mview.Address != "alice@fake.example" {
		t.Fatalf("Mastodon account: %+v", mview)
	}
	s.ids++
	if e := u.call(s.ids, "accounts.finishSignIn", api.FinishSignInParams{CallbackURL: back}, nil); e == nil {
		t.Fatal("a sign-in answer was used twice")
	}

	// X, with the user's developer app, through the relay.
	must("accounts.xSignIn", api.XSignInParams{ClientID: "my-dev-app", RedirectURI: callback, APIBase: w.xBase, CAPEM: string(w.xCA)}, &started)
	must("accounts.finishSignIn", api.FinishSignInParams{CallbackURL: visit(t, started.AuthorizeURL, w.xCA)}, &s.xview)
	xview := s.xview
	if xview.Network != model.X || xview.Address != "1001" || xview.Label != "@alice_c" {
		t.Fatalf("X account: %+v", xview)
	}

	// Email.
	sum := sha256.Sum256(w.ca.Server.Certificate[0])
	must("accounts.addEmail", api.AddEmailParams{Address: "alice@example.test", Password: "pw", Server: &api.EmailServer{
		IMAPHost: "127.0.0.1", IMAPPort: w.im.Port, IMAPSecurity: "tls", SMTPHost: "127.0.0.1", SMTPPort: w.sm.Port,
		SMTPSecurity: "tls", Username: "alice", IMAPPin: hex.EncodeToString(sum[:]), SMTPPin: hex.EncodeToString(sum[:])}}, nil)

	follow(u, &s.ids, "accounts.list", api.Empty{}, "every account connected", func(v api.AccountsView) bool {
		states := map[model.Network]string{}
		for _, a := range v.Accounts {
			states[a.Network] = a.Health.State
		}
		return len(v.Accounts) == 3 && states[model.Mastodon] == "live" && states[model.X] == "polling" && states[model.Email] == "connected"
	})
	return s
}

// The user's whole journey with Mastodon and X, natively: both sign-ins through the OAuth
// redirect (X through the relay tunnel with TLS ending in the core), DMs synced into
// discussions, Bob's Mastodon and X identities merged by the identity engine (his Mastodon
// profile link, verified by his instance, is the link his X profile names), his email merged
// by the user's word, a live Mastodon message, and replies on both networks sent once
// through the outbox although the first answer of each is lost.
func TestMastodonAndXAccounts(t *testing.T) {
	w := newSocialWorld(t)
	s := startSocialUser(t, w)
	u, ids, must, mview := s.u, &s.ids, s.must, s.mview

	// Bob's Mastodon and X messages are one discussion: the identity engine merged him.
	follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "Mastodon and X merged", func(p api.DiscussionsPage) bool {
		return len(p.Items) == 2 && slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool {
			return hasNetworks(d, model.Mastodon, model.X) && d.Count == 2
		})
	})
	// The user says his email address is him too: one discussion across the three networks.
	must("contacts.link", api.LinkParams{Identities: []model.IdentityURI{"email:bob@example.org", "mastodon:bob@remote.example"}}, nil)
	page := follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "one discussion", func(p api.DiscussionsPage) bool {
		return len(p.Items) == 1 && hasNetworks(p.Items[0], model.Email, model.Mastodon, model.X)
	})
	key := page.Items[0].Key

	// A Mastodon message arrives live, over the direct stream.
	live := w.masto.Post(mastodonfake.Post{Author: w.mBob, To: []string{w.mAlice}, Text: "are you there?"})
	view := follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: key}, "the live message", func(v api.DiscussionView) bool {
		return slices.ContainsFunc(v.Messages, func(m api.MessageView) bool { return m.Message.RemoteID == live.ID })
	})
	var parentX string
	for _, m := range view.Messages {
		if m.Message.Network == model.X {
			parentX = m.Message.ID
		}
	}

	// Replies: the first answer of each network is lost; the outbox sends each once.
	w.masto.StallPosts(1, 10*time.Second)
	must("message.reply", api.ReplyParams{MessageID: model.MessageID(mview.ID, live.ID), Text: "yes, on Mastodon"}, nil)
	w.xf.DropSendResponses(1)
	must("message.reply", api.ReplyParams{MessageID: parentX, Text: "and on X"}, nil)
	follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: key}, "both replies sent", func(v api.DiscussionView) bool {
		sent := 0
		for _, m := range v.Messages {
			if m.Message.Outgoing && (strings.Contains(m.Message.Snippet, "yes, on Mastodon") || m.Message.Snippet == "and on X") {
				sent++
			}
		}
		return sent == 2
	})
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show
	var replies []mastodonfake.Status
	for _, st := range w.masto.StatusesBy(w.mAlice) {
		if strings.Contains(st.Content, "yes, on Mastodon") {
			replies = append(replies, st)
		}
	}
	if len(replies) != 1 || w.masto.Requests("POST /api/v1/statuses") < 2 {
		t.Fatalf("Mastodon: %d replies after %d posts", len(replies), w.masto.Requests("POST /api/v1/statuses"))
	}
	r := replies[0]
	if r.Visibility != "direct" || r.InReplyToID == nil || *r.InReplyToID != live.ID || len(r.Mentions) != 1 || r.Mentions[0].Acct != "bob@remote.example" {
		t.Fatalf("Mastodon reply: %+v", r)
	}
	if w.masto.LastHeaders("POST /api/v1/statuses").Get("Idempotency-Key") == "" {
		t.Fatal("the reply was posted without an Idempotency-Key")
	}
	n := 0
	for _, e := range w.xf.Events(xfake.OneToOneID("1001", "1002")) {
		if e.Text == "and on X" && e.SenderID == "1001" {
			n++
		}
	}
	if n != 1 || w.xf.Requests("POST send") != 1 {
		t.Fatalf("X: the reply reached X %d times (%d sends)", n, w.xf.Requests("POST send"))
	}
}
