package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	gomastodon "github.com/mattn/go-mastodon"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// State is the connector's connection state, for the UI.
type State string

const (
	Connecting State = "connecting" // opening the stream
	Live       State = "live"       // the direct stream is open: changes arrive at once
	Polling    State = "polling"    // the stream is down: REST is polled until it is back
	Error      State = "error"      // the last attempt failed; see Message and RetryAt
)

// Problems a Status names, stable for translations of its Message.
const (
	ProblemTokenRefused = "token-refused" // the instance refused the token: sign in again
	ProblemStreamDown   = "stream-down"   // the stream failed (Cause says why); REST is polled
	ProblemPollFailed   = "poll-failed"   // a REST poll failed (Cause says why)
	ProblemRateLimited  = "rate-limited"  // the instance's rate limit is spent until RetryAt
)

// Status is the visible connection state.
type Status struct {
	State   State     `json:"state"`
	Message string    `json:"message,omitempty"`
	Problem string    `json:"problem,omitempty"` // one of the Problem constants, or empty
	Cause   string    `json:"cause,omitempty"`   // the underlying error, when there is one
	Since   time.Time `json:"since"`
	RetryAt time.Time `json:"retryAt,omitzero"`
}

// problemMessage is the English Message of a problem.
func problemMessage(problem string, cause error) string {
	switch problem {
	case ProblemTokenRefused:
		return "the instance refused the token: sign in again"
	case ProblemStreamDown:
		return fmt.Sprintf("stream down: %v", cause)
	case ProblemPollFailed:
		return fmt.Sprintf("polling: %v", cause)
	case ProblemRateLimited:
		return cause.Error()
	}
	return ""
}

// Status returns the current connection state.
func (c *Connector) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Run follows the account until ctx ends: it opens the direct and user streams (SSE), catches
// up over REST each time they open (and reconciles edits and deletions made meanwhile, see
// Reconcile), and while they are down polls REST every PollInterval and reconnects with
// exponential backoff. notify (may be nil) sees every state change. It returns ctx's error, or
// an error the user must fix (a revoked token).
func (c *Connector) Run(ctx context.Context, notify func(Status)) error {
	set := func(st State, problem string, cause error, retry time.Time) {
		s := Status{State: st, Message: problemMessage(problem, cause), Problem: problem, Since: time.Now().UTC(), RetryAt: retry}
		if cause != nil {
			s.Cause = cause.Error()
		}
		c.mu.Lock()
		c.state = s
		c.mu.Unlock()
		if notify != nil {
			notify(s)
		}
	}
	minB, maxB := durationOr(c.cfg.MinBackoff, time.Second), durationOr(c.cfg.MaxBackoff, 5*time.Minute)
	poll := durationOr(c.cfg.PollInterval, 20*time.Second)
	delay := minB
	for {
		set(Connecting, "", nil, time.Time{})
		err := c.stream(ctx, func() {
			delay = minB
			set(Live, "", nil, time.Time{})
		})
		c.missedEvents() // whatever the stream would have said while down is for Reconcile
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ae *APIError
		if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden) {
			set(Error, ProblemTokenRefused, nil, time.Time{})
			return err
		}
		// Up to a fifth more, at random, so that the clients of a restarted streaming server do
		// not all come back at the same instant.
		retry := time.Now().Add(delay + rand.N(delay/5+1))
		var rl *RateLimitError
		if errors.As(err, &rl) && rl.RetryAt.After(retry) {
			retry = rl.RetryAt
		}
		set(Polling, ProblemStreamDown, err, retry)
		if err := c.pollUntil(ctx, retry, poll, set); err != nil {
			return err
		}
		delay = min(delay*2, maxB)
	}
}

// pollUntil syncs over REST every interval until the reconnect time.
func (c *Connector) pollUntil(ctx context.Context, until time.Time, interval time.Duration, set func(State, string, error, time.Time)) error {
	next := time.Now().Add(interval)
	for {
		wake := until
		if next.Before(wake) {
			wake = next
		}
		t := time.NewTimer(time.Until(wake))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if !time.Now().Before(until) {
			return nil
		}
		_, err := c.Sync(ctx)
		if err == nil {
			err = c.reconcileIfDue(ctx, false)
		}
		if err != nil {
			var rl *RateLimitError
			if errors.As(err, &rl) {
				set(Error, ProblemRateLimited, err, rl.RetryAt)
				next = rl.RetryAt
				continue
			}
			set(Polling, ProblemPollFailed, err, until)
		}
		next = time.Now().Add(interval)
	}
}

// The streams the connector follows, one SSE request each, and why (checked against Mastodon's
// sources, 4.x):
//
//   - direct (timeline:direct:<account>): the `conversation` event, pushed when a direct status
//     reaches one of the user's conversations (AccountConversation.add_status, from
//     FanOutOnWriteService#deliver_to_conversation! for the author and NotifyService
//     #push_to_conversation! for each mentioned local account), and again when a status of a
//     conversation is deleted and others remain (AccountConversation.remove_status, called by
//     Status#unlink_from_conversations! before destroy; after_commit :push_to_streaming_api).
//     Edits never travel here: deliver_to_conversation! is skipped `unless update?`.
//   - user (timeline:<account>, plus timeline:<account>:notifications for a token with read or
//     read:notifications, streaming/index.js channelsForUserStream): the `delete` of a status
//     the user wrote or is mentioned in (RemoveStatusService#remove_from_self and
//     #remove_from_mentions publish it on timeline:<account> for every active mention) and
//     `status.update` for edits (FanOutOnWriteService#notify_mentioned_accounts! pushes the
//     edit to timeline:<id>:notifications of each mentioned local account subscribed to the
//     streaming API, "to ensure clients are aware of edits to posts only appearing in mention
//     notifications (e.g. private mentions...)"; the author's own edits and those of accounts
//     the user follows also arrive through the home timeline). Its other events (`update` of
//     the home timeline, `notification`) are not needed and are skipped.
//
// Whatever the streams would have said while they were down is repaired by Reconcile.
var streams = []string{"direct", "user"}

// stream opens the streams, catches up over REST once they are open (so nothing sent while they
// were down is missed), then applies their events until one fails; meanwhile it reconciles
// what the streams could not tell (reconcileWhileLive).
func (c *Connector) stream(ctx context.Context, live func()) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := durationOr(c.cfg.IdleTimeout, 90*time.Second)
	bodies := make([]io.ReadCloser, 0, len(streams))
	defer func() {
		for _, b := range bodies {
			b.Close()
		}
	}()
	for _, name := range streams {
		body, err := c.openStream(ctx, name)
		if err != nil {
			return err
		}
		bodies = append(bodies, body)
		// Under js/wasm, net/http watches the context only until the headers arrive: closing
		// the body is what cancels a fetch stream's pending read (on stop, on the idle
		// watchdog, and when the other stream fails).
		defer context.AfterFunc(ctx, func() { body.Close() })()
	}
	watchdogs := make([]*time.Timer, len(streams))
	for i, name := range streams {
		watchdogs[i] = time.AfterFunc(idle, func() { cancel(fmt.Errorf("no heartbeat from the %s stream", name)) })
		defer watchdogs[i].Stop()
	}
	if _, err := c.Sync(ctx); err != nil {
		return err
	}
	live()
	var background sync.WaitGroup
	defer background.Wait()
	background.Go(func() { c.reconcileWhileLive(ctx) })
	errc := make(chan error, len(streams))
	var applyMu sync.Mutex // one event at a time, whichever stream it came on
	for i, body := range bodies {
		go func() {
			errc <- readSSE(body, func() { watchdogs[i].Reset(idle) }, func(event, data string) error {
				applyMu.Lock()
				defer applyMu.Unlock()
				return c.apply(ctx, event, data)
			})
		}()
	}
	err := <-errc
	if cause := context.Cause(ctx); ctx.Err() != nil && cause != nil {
		err = cause // the watchdog fired, or the connector was stopped
	}
	cancel(err) // closes the other stream
	for range len(bodies) - 1 {
		<-errc
	}
	return err
}

// openStream opens one stream (GET /api/v1/streaming/<name>) with the token in the
// Authorization header, which fetch can send and EventSource cannot.
func (c *Connector) openStream(ctx context.Context, name string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.info.StreamingURL+"/api/v1/streaming/"+name, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.client.token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.client.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp.Body, nil
}

// apply stores one stream event.
func (c *Connector) apply(ctx context.Context, event, data string) error {
	switch event {
	case "conversation":
		var cv gomastodon.Conversation
		if err := json.Unmarshal([]byte(data), &cv); err != nil {
			return nil // a malformed event is skipped, the next sync repairs
		}
		c.syncMu.Lock()
		defer c.syncMu.Unlock()
		cur, err := c.cursor(ctx)
		if err != nil {
			return err
		}
		return c.store(ctx, []*gomastodon.Conversation{&cv}, &cur, false)
	case "delete":
		// The user stream carries the deletions of the whole home timeline: only stored
		// statuses matter.
		id := model.MessageID(c.cfg.AccountID, strings.TrimSpace(data))
		switch err := c.cfg.Repo.DeleteMessage(ctx, id); {
		case errors.Is(err, repo.ErrNotFound):
		case err != nil:
			return err
		default:
			c.changed([]string{id})
		}
	case "status.update":
		var st gomastodon.Status
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			return nil
		}
		return c.applyEdit(ctx, &st)
	}
	return nil
}

// applyEdit replaces a stored status by its edited version, keeping its conversation and
// read state.
func (c *Connector) applyEdit(ctx context.Context, st *gomastodon.Status) error {
	id := model.MessageID(c.cfg.AccountID, string(st.ID))
	old, err := c.cfg.Repo.Message(ctx, id)
	if errors.Is(err, repo.ErrNotFound) {
		return nil // not one of ours yet: the conversation event or next sync brings it
	}
	if err != nil {
		return err
	}
	msg, body, _, err := c.m.message(st, old.ConversationID, old.Flags.Seen)
	if err != nil {
		return nil
	}
	if err := c.cfg.Repo.SaveMessage(ctx, msg, body); err != nil {
		return err
	}
	c.changed([]string{id})
	return nil
}
