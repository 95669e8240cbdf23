package x_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/email/outbox"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/tunnel"
	"caliopen/wasm/x"
)

// testEnv is what a test needs to reach the fake through the relay; the browser run gets it
// in an environment variable.
type testEnv struct {
	RelayURL string `json:"relayUrl"`
	Token    string `json:"token"`
	CAPEM    string `json:"caPem"`
	APIBase  string `json:"apiBase"`
}

const accountID = "x-alice"

// envVar carries the testEnv to the browser run.
const envVar = "CALIOPEN_X_TEST_ENV"

// session is a signed-in connector over the tunnel.
type session struct {
	app     *x.App
	tokens  *x.TokenSource
	client  *x.Client
	repo    *repo.Repo
	changes []x.Token
}

func newHTTPClient(t *testing.T, env testEnv) *http.Client {
	t.Helper()
	hc, err := x.NewHTTPClient(&tunnel.Dialer{RelayURL: env.RelayURL, Token: env.Token}, []byte(env.CAPEM))
	if err != nil {
		t.Fatal(err)
	}
	return hc
}

// signIn runs the whole PKCE sign-in through the tunnel: the fake's authorize endpoint
// stands for the user's consent in X's window and redirects with a code.
func signIn(t *testing.T, ctx context.Context, env testEnv) *session {
	t.Helper()
	hc := newHTTPClient(t, env)
	app := &x.App{ClientID: clientIDForTests, RedirectURI: redirectURIForTests,
		AuthorizeURL: env.APIBase + "/i/oauth2/authorize", TokenURL: env.APIBase + "/2/oauth2/token", HTTP: hc}
	ar, err := app.SignIn()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ar.URL, "code_challenge_method=S256") || !strings.Contains(ar.URL, "offline.access") {
		t.Fatalf("authorize URL lacks PKCE or scopes: %s", ar.URL)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", ar.URL, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal("authorize:", err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, redirectURIForTests) {
		t.Fatalf("authorize answered %d %q", resp.StatusCode, loc)
	}
	if _, err := app.Exchange(ctx, ar, strings.Replace(loc, "state=", "state=x", 1)); err != x.ErrStateMismatch {
		t.Fatalf("a forged state was not refused: %v", err)
	}
	tok, err := app.Exchange(ctx, ar, loc)
	if err != nil {
		t.Fatal("exchange:", err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || time.Until(tok.Expiry) < time.Minute {
		t.Fatalf("tokens: %+v", tok)
	}
	if _, err := app.Exchange(ctx, ar, loc); err == nil {
		t.Fatal("an authorization code worked twice")
	}
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	s := &session{app: app, repo: repo.New(db)}
	conn := x.New(x.Config{
		App: app, Token: tok, OnToken: func(t x.Token) { s.changes = append(s.changes, t) },
		HTTP: hc, APIBase: env.APIBase, Repo: s.repo, AccountID: accountID, SelfID: aliceIDForTests,
	})
	s.tokens, s.client = conn.Tokens, conn.Client
	return s
}

const (
	clientIDForTests    = "caliopen-test-client"
	redirectURIForTests = "https://app.caliopen.test/x/callback"
	aliceIDForTests     = "1001"
	bobIDForTests       = "1002"
	carolIDForTests     = "1003"
	groupIDForTests     = "1585047616894574596"
)

func (s *session) syncer() *x.Syncer {
	return &x.Syncer{Client: s.client, Repo: s.repo, AccountID: accountID, SelfID: aliceIDForTests, PageSize: 2}
}

// runScenario signs in, syncs with pagination, syncs again incrementally and sends to a
// one-to-one and a group conversation through the outbox, all through the relay.
func runScenario(t *testing.T, env testEnv) *session {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	s := signIn(t, ctx, env)

	me, err := s.client.Me(ctx)
	if err != nil || me.ID != aliceIDForTests {
		t.Fatalf("me: %+v %v", me, err)
	}
	acc, own, err := x.AccountFor(accountID, me, s.app, "vault:x-alice")
	if err != nil || acc.Identity != "x:1001" || !own.Own || acc.Label != "@alice_c" || acc.Network != model.X {
		t.Fatalf("account: %+v %+v %v", acc, own, err)
	}

	res, err := s.syncer().Sync(ctx)
	if err != nil {
		t.Fatal("sync:", err)
	}
	if !res.Complete || res.Messages != 6 || res.Pages < 4 {
		t.Fatalf("first sync: %+v (want 6 messages over 4+ pages of 2)", res)
	}
	msgs, _, err := s.repo.AccountMessages(ctx, accountID, repo.Page{Limit: 50})
	if err != nil || len(msgs) != 6 {
		t.Fatalf("stored %d messages: %v", len(msgs), err)
	}
	bobConv := "1001-1002"
	byText := map[string]model.Message{}
	for _, m := range msgs {
		b, err := s.repo.Body(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		byText[b.Text] = m
		if b.Text == "look" && (len(b.Attachments) != 1 || b.Attachments[0].ID != "3_1700" || !m.HasAttachments) {
			t.Errorf("attachment: %+v", b.Attachments)
		}
	}
	if m := byText["hi bob"]; !m.Outgoing || m.ConversationID != bobConv || m.From() != "x:1001" {
		t.Errorf("outgoing message: %+v", m)
	}
	if m := byText["hi alice"]; m.Outgoing || m.From() != "x:1002" || m.Participants[0].Name != "Bob Tapioca" || len(m.Participants) != 2 {
		t.Errorf("incoming message: %+v", m)
	}
	if m := byText["group reply"]; m.ConversationID != groupIDForTests || len(m.Participants) != 3 || m.From() != "x:1002" {
		t.Errorf("group message: %+v", m)
	}
	if _, ok := byText["too old"]; ok {
		t.Error("an event older than 30 days was returned")
	}
	bob, err := s.repo.Identity(ctx, "x:1002")
	if err != nil || bob.Handle != "@Tapioca42" || bob.Profile == nil || !slices.Contains(bob.Profile.URLs, "https://bob.example.org") ||
		!strings.Contains(bob.Profile.Note, "@tapioca@mamot.fr") {
		t.Errorf("bob's identity: %+v %v", bob, err)
	}

	facts, err := s.syncer().RefreshProfiles(ctx, []string{bobIDForTests, carolIDForTests, "999999"})
	if err != nil || len(facts) != 2 || facts[0].Identity.URI != "x:1002" || len(facts[0].FediverseHandles) != 1 ||
		facts[0].FediverseHandles[0] != "@tapioca@mamot.fr" {
		t.Fatalf("profiles: %+v %v", facts, err)
	}

	if u, err := s.client.UserByUsername(ctx, "@tapioca42"); err != nil || u.ID != bobIDForTests {
		t.Fatalf("user by handle: %+v %v", u, err)
	}
	if _, err := s.client.UserByUsername(ctx, "nobody_here"); err == nil {
		t.Fatal("an unknown handle resolved")
	}

	again, err := s.syncer().Sync(ctx)
	if err != nil || again.Messages != 0 || again.Pages != 1 || !again.Complete {
		t.Fatalf("incremental sync: %+v %v", again, err)
	}

	// Send through the durable outbox, one dispatcher for the account.
	if _, err := x.EnqueueText(ctx, s.repo, accountID, x.Outgoing{ConversationID: bobConv, Text: "see you at 8 https://example.org/map"}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.EnqueueText(ctx, s.repo, accountID, x.Outgoing{ConversationID: groupIDForTests, Text: "hello group"}); err != nil {
		t.Fatal(err)
	}
	if _, err := x.EnqueueText(ctx, s.repo, accountID, x.Outgoing{ParticipantID: carolIDForTests, Text: "hi carol, new chat"}); err != nil {
		t.Fatal(err)
	}
	d := s.dispatcher()
	sent, err := d.RunOnce(ctx)
	if err != nil || sent != 3 {
		t.Fatalf("outbox sent %d: %v", sent, err)
	}
	after, err := s.syncer().Sync(ctx)
	if err != nil || !after.Complete || after.Events < 3 || after.Messages != 0 {
		t.Fatalf("sync after sending: %+v %v (the sent copies should already be stored)", after, err)
	}
	conv, _, _ := s.repo.ConversationMessages(ctx, accountID, groupIDForTests, repo.Page{Limit: 10})
	if len(conv) != 3 {
		t.Errorf("group conversation holds %d messages, want 3", len(conv))
	}
	// X returns the link shortened; the stored text has it expanded again.
	page, err := s.client.DMEvents(ctx, "", 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range page.Data {
		if strings.HasPrefix(e.Text, "see you at 8") {
			if !strings.Contains(e.Text, "https://t.co/") || len(e.Entities.URLs) != 1 {
				t.Errorf("X's copy: %+v", e)
			}
			b, _ := s.repo.Body(ctx, model.MessageID(accountID, e.ID))
			if b.Text != "see you at 8 https://example.org/map" {
				t.Errorf("stored text %q", b.Text)
			}
		}
	}
	return s
}

func (s *session) dispatcher() *outbox.Dispatcher {
	return &outbox.Dispatcher{
		Repo:     s.repo,
		Handlers: map[string]outbox.Handler{accountID: &x.OutboxHandler{Client: s.client, SelfID: aliceIDForTests, Repo: s.repo}},
	}
}
