//go:build !js

package x_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/x"
)

func TestThroughRelay(t *testing.T) {
	f := startFixture(t, xfake.Options{})
	runScenario(t, f.env)
	for conv, text := range map[string]string{"1001-1002": "see you at 8", groupID: "hello group", "1001-1003": "hi carol, new chat"} {
		if n := countText(f.fake.Events(conv), text); n != 1 {
			t.Errorf("%q reached X %d times in %s", text, n, conv)
		}
	}
	f.checkBlind(t)
}

// countText counts the events whose text starts with text.
func countText(events []xfake.Event, text string) int {
	n := 0
	for _, e := range events {
		if strings.HasPrefix(e.Text, text) { // X shortens the links that follow
			n++
		}
	}
	return n
}

// The token is refreshed before it expires, the vault hears of the rotated pair, and a 401
// (token revoked early) refreshes once and retries.
func TestTokenRefresh(t *testing.T) {
	f := startFixture(t, xfake.Options{AccessTTL: 10 * time.Minute})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	first := s.tokens.Current()

	if _, err := s.client.Me(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.changes) != 0 {
		t.Fatal("refreshed a token that had 10 minutes left")
	}
	// Six minutes later the token has less than Early (5 min) left: refreshed before use.
	s.tokens.Now = func() time.Time { return time.Now().Add(6 * time.Minute) }
	if _, err := s.client.Me(ctx); err != nil {
		t.Fatal(err)
	}
	s.tokens.Now = nil
	if len(s.changes) != 1 || s.changes[0].RefreshToken == first.RefreshToken || s.changes[0].AccessToken == first.AccessToken {
		t.Fatalf("refresh before expiry: %d changes", len(s.changes))
	}
	if _, err := s.app.Refresh(ctx, first.RefreshToken); err == nil {
		t.Fatal("the rotated refresh token still works")
	}
	f.fake.ExpireTokens()
	if _, err := s.client.Me(ctx); err != nil {
		t.Fatal("after a 401:", err)
	}
	if len(s.changes) != 2 {
		t.Fatalf("a 401 did not refresh: %d changes", len(s.changes))
	}
	// A refresh token X no longer accepts asks the user to sign in again.
	bad := x.NewTokenSource(s.app, x.Token{AccessToken: "gone", RefreshToken: "revoked"}, nil)
	c := &x.Client{HTTP: s.client.HTTP, Base: f.env.APIBase, Tokens: bad}
	if _, err := c.Me(ctx); !errors.Is(err, x.ErrSignInAgain) {
		t.Fatalf("revoked refresh token: %v", err)
	}
}

// A spent window gives a typed error with the reset time, without blocking; the poller waits
// until then and syncs again.
func TestRateLimit(t *testing.T) {
	f := startFixture(t, xfake.Options{Window: 2 * time.Second})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	f.fake.ExhaustRateLimit(aliceID)
	p := &x.Poller{Syncer: s.syncer()}
	start := time.Now()
	st, _ := p.Step(ctx, 0)
	if st.Status != x.StatusRateLimited || st.Until.Before(start) || st.Until.After(start.Add(4*time.Second)) {
		t.Fatalf("after 429: %+v", st)
	}
	if time.Since(start) > time.Second {
		t.Fatal("the call blocked on the rate limit")
	}
	var rl *x.RateLimitError
	if !errors.As(st.Err, &rl) || rl.Reset != st.Until {
		t.Fatalf("error: %v", st.Err)
	}
	// While the window is known to be spent, no request reaches X.
	before := f.fake.Requests(x.EndpointDMEvents)
	if _, err := s.client.DMEvents(ctx, "", 10); !errors.As(err, &rl) || f.fake.Requests(x.EndpointDMEvents) != before {
		t.Fatalf("called X during a spent window: %v", err)
	}
	time.Sleep(time.Until(st.Until))
	st, _ = p.Step(ctx, 0)
	if st.Status != x.StatusIdle || st.Result.Messages != 6 {
		t.Fatalf("after the reset: %+v", st)
	}
	if st.Until.Sub(st.LastSync) < time.Minute {
		t.Fatalf("polls again after %v (at most once a minute)", st.Until.Sub(st.LastSync))
	}
	// Nothing new: the poller slows down.
	st, next := p.Step(ctx, time.Minute)
	if st.Status != x.StatusIdle || st.Result.Messages != 0 || next != 90*time.Second || st.Until.Sub(st.LastSync) < 90*time.Second {
		t.Fatalf("quiet inbox: next %v, %+v", next, st)
	}
}

// A send whose answer is lost after X accepted it is found on retry, not posted twice.
func TestRetriedSendPostsOnce(t *testing.T) {
	f := startFixture(t, xfake.Options{})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	d := s.dispatcher()
	d.Backoff.Min = time.Millisecond
	d.Backoff.Max = time.Millisecond
	it := sendLosingFirstAnswer(t, f, s, d, x.Outgoing{ConversationID: groupID, Text: "only once please https://example.org/once"})
	if n := countText(f.fake.Events(groupID), "only once please"); n != 1 || f.fake.Requests("POST send") != 1 {
		t.Fatalf("posted %d times (%d requests)", n, f.fake.Requests("POST send"))
	}
	items, _, _ := s.repo.OutboxList(ctx, repo.Sent, repo.Page{})
	if len(items) != 1 || items[0].ID != it.ID || items[0].RemoteID == "" {
		t.Fatalf("outbox: %+v", items)
	}
	// A second item with the same text is a new message, not mistaken for the first.
	if _, err := x.EnqueueText(ctx, s.repo, accountID, x.Outgoing{ConversationID: groupID, Text: "only once please"}); err != nil {
		t.Fatal(err)
	}
	f.fake.DropSendResponses(1)
	d.RunOnce(ctx)
	time.Sleep(5 * time.Millisecond)
	if sent, err := d.RunOnce(ctx); sent != 1 || err != nil {
		t.Fatalf("second item: sent %d: %v", sent, err)
	}
	if n := countText(f.fake.Events(groupID), "only once please"); n != 2 {
		t.Fatalf("two items, %d messages", n)
	}
}

// sendLosingFirstAnswer queues out, loses X's answer to the first attempt, and has the retry
// succeed; it returns the item.
func sendLosingFirstAnswer(t *testing.T, f *fixture, s *session, d *outbox.Dispatcher, out x.Outgoing) *repo.OutboxItem {
	t.Helper()
	ctx := context.Background()
	f.fake.DropSendResponses(1)
	it, err := x.EnqueueText(ctx, s.repo, accountID, out)
	if err != nil {
		t.Fatal(err)
	}
	if sent, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatal("a lost answer counted as sent")
	}
	time.Sleep(5 * time.Millisecond)
	if sent, err := d.RunOnce(ctx); sent != 1 || err != nil {
		t.Fatalf("retry sent %d: %v", sent, err)
	}
	return it
}

// A new group conversation: created with its first message, and, when X's answer to the
// creation is lost, found among the user's events on retry rather than created twice.
func TestNewGroupIsCreatedOnce(t *testing.T) {
	f := startFixture(t, xfake.Options{})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	d := s.dispatcher()
	d.Backoff.Min, d.Backoff.Max = time.Millisecond, time.Millisecond
	it := sendLosingFirstAnswer(t, f, s, d, x.Outgoing{ParticipantIDs: []string{bobID, carolID}, Text: "a new group for us"})
	var convs []string
	for _, e := range f.fake.Events("") {
		if e.Text == "a new group for us" {
			convs = append(convs, e.ConversationID)
		}
	}
	if len(convs) != 1 || f.fake.Requests("POST send") != 1 {
		t.Fatalf("created in %v (%d requests)", convs, f.fake.Requests("POST send"))
	}
	if got := f.fake.Participants(convs[0]); !slices.Equal(got, []string{aliceID, bobID, carolID}) {
		t.Fatalf("members %v", got)
	}
	if done, _ := s.repo.OutboxItem(ctx, it.ID); done.State != repo.Sent || done.RemoteID == "" {
		t.Fatalf("item %+v", done)
	}
	if _, err := x.EnqueueText(ctx, s.repo, accountID, x.Outgoing{ParticipantIDs: []string{bobID}, Text: "just Bob"}); err == nil {
		t.Fatal("a group of one was queued")
	}
}

// A lost answer, then X's rate limit on the retry's look-up: the item waits for the reset
// without the refused attempt counting, and the attempt after it still looks before sending
// (it used to skip the look-up after a 429 and post twice).
func TestLostAnswerThenRateLimitPostsOnce(t *testing.T) {
	f := startFixture(t, xfake.Options{Window: 2 * time.Second})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	d := s.dispatcher()
	d.Backoff.Min, d.Backoff.Max = time.Millisecond, time.Millisecond
	f.fake.DropSendResponses(1)
	it, err := x.EnqueueText(ctx, s.repo, accountID, x.Outgoing{ConversationID: groupID, Text: "just once, really"})
	if err != nil {
		t.Fatal(err)
	}
	if sent, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatal("a lost answer counted as sent")
	}
	f.fake.ExhaustRateLimit(aliceID, "GET /2/dm_conversations/:id/dm_events", "POST send")
	time.Sleep(5 * time.Millisecond)
	start := time.Now()
	if sent, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatal("sent through a spent window")
	}
	got, _ := s.repo.OutboxItem(ctx, it.ID)
	if got.State != repo.Queued || got.Attempts != 1 || !got.Deferred || got.NextAttempt.Before(start) || got.NextAttempt.After(start.Add(4*time.Second)) {
		t.Fatalf("after the 429: %+v (want queued until the reset, the refused attempt not counted)", got)
	}
	time.Sleep(time.Until(got.NextAttempt))
	if sent, err := d.RunOnce(ctx); sent != 1 || err != nil {
		t.Fatalf("after the reset: sent %d, %v", sent, err)
	}
	if n := countText(f.fake.Events(groupID), "just once, really"); n != 1 || f.fake.Requests("POST send") != 1 {
		t.Fatalf("posted %d times (%d sends reached X)", n, f.fake.Requests("POST send"))
	}
	if done, _ := s.repo.OutboxItem(ctx, it.ID); done.State != repo.Sent || done.RemoteID == "" {
		t.Fatalf("item %+v", done)
	}
}

// An app without DM access gives a readable state; the poller tries again by itself later
// (the user may fix the app in X's portal meanwhile), and at once when woken (the account
// row's "retry now").
func TestRefusedAccess(t *testing.T) {
	f := startFixture(t, xfake.Options{})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	for reason, want := range map[string]string{"client-not-enrolled": "lacks DM access", "credits": "no credits"} {
		f.fake.DenyDMAccess(reason)
		start := time.Now()
		st, _ := (&x.Poller{Syncer: s.syncer()}).Step(ctx, 0)
		if st.Status != x.StatusRefused || !strings.Contains(st.Message, want) || st.Until.Sub(start) < 29*time.Minute || !x.NeedsUser(st.Err) {
			t.Errorf("%s: %+v", reason, st)
		}
	}
	f.fake.DenyDMAccess("")
	_, err := s.client.DMEvents(ctx, "", 500)
	var ae *x.APIError
	if !errors.As(err, &ae) || ae.Status != 400 || len(ae.Errors) != 1 || !strings.Contains(err.Error(), "max_results") {
		t.Fatalf("invalid request: %v", err)
	}

	// Resuming: by itself once the wait is over, and at once on Wake.
	for _, woken := range []bool{false, true} {
		f.fake.DenyDMAccess("credits")
		states := make(chan x.State, 100)
		wake := make(chan struct{}, 1)
		p := &x.Poller{Syncer: s.syncer(), Refused: 300 * time.Millisecond, Wake: wake, OnState: func(st x.State) { states <- st }}
		if woken {
			p.Refused = time.Hour
		}
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); p.Run(runCtx) }()
		for st := range states {
			if st.Status == x.StatusRefused {
				break
			}
		}
		f.fake.DenyDMAccess("") // the user added credits
		if woken {
			wake <- struct{}{}
		}
		deadline := time.After(5 * time.Second)
	wait:
		for {
			select {
			case st := <-states:
				if st.Status == x.StatusIdle {
					break wait
				}
			case <-deadline:
				t.Fatalf("woken=%v: the refused account did not resume", woken)
			}
		}
		stop()
		<-done
	}
}

// X bills each event a lookup returns: once synced, a poll with nothing new reads one small
// page, not a page of 100.
func TestQuietPollReadsASmallPage(t *testing.T) {
	f := startFixture(t, xfake.Options{})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	syncer := &x.Syncer{Client: s.client, Repo: s.repo, AccountID: accountID, SelfID: aliceID}
	if res, err := syncer.Sync(ctx); err != nil || !res.Complete || res.Messages != 6 {
		t.Fatalf("first sync: %+v %v", res, err)
	}
	res, err := syncer.Sync(ctx)
	if err != nil || res.Pages != 1 || res.Events != 5 || res.Messages != 0 {
		t.Fatalf("quiet poll: %+v %v (want one page of 5 events)", res, err)
	}
	f.fake.AddEvent(xfake.Event{Text: "news", ConversationID: "1001-1002", SenderID: bobID})
	if res, err := syncer.Sync(ctx); err != nil || res.Pages != 1 || res.Messages != 1 {
		t.Fatalf("poll with one new message: %+v %v", res, err)
	}
}

// A first sync larger than one rate-limit window finishes over several windows, resuming from
// X's pagination token where it stopped (after reading what arrived meanwhile) instead of
// reading the inbox from the top again each window.
func TestFirstSyncResumesAcrossWindows(t *testing.T) {
	f := startFixture(t, xfake.Options{RateLimit: 3, Window: time.Second})
	ctx := context.Background()
	s := signIn(t, ctx, f.env)
	base := time.Now().Add(-time.Hour)
	for i := range 12 {
		f.fake.AddEvent(xfake.Event{Text: fmt.Sprintf("busy %d", i), ConversationID: "1001-1003", SenderID: carolID, CreatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	syncer := s.syncer() // pages of 2: 18 messages and a join take 10 pages, 3 per window
	total, reads, windows := 0, 0, 0
	for window := 0; ; window++ {
		windows++
		if window == 1 {
			f.fake.AddEvent(xfake.Event{Text: "arrived meanwhile", ConversationID: "1001-1002", SenderID: bobID})
		}
		res, err := syncer.Sync(ctx)
		total += res.Messages
		reads += res.Events
		if res.Complete {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		var rl *x.RateLimitError
		if !errors.As(err, &rl) || window > 6 {
			t.Fatalf("window %d: %+v %v", window, res, err)
		}
		time.Sleep(time.Until(rl.Reset))
	}
	if total != 19 {
		t.Fatalf("stored %d messages, want 19", total)
	}
	// Every event once, plus each later window's first page of the head (two known events,
	// which X bills once per UTC day anyway).
	if reads > 20+2*(windows-1) {
		t.Fatalf("read %d events for 20 in %d windows: the sync started over instead of resuming", reads, windows)
	}
	if res, err := syncer.Sync(ctx); err != nil || !res.Complete || res.Messages != 0 {
		t.Fatalf("afterwards: %+v %v", res, err)
	}
}
