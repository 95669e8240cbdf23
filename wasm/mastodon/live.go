package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
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

// Run follows the account until ctx ends: it opens the direct stream (SSE), catches up over
// REST each time it connects, and while the stream is down polls REST every PollInterval and
// reconnects with exponential backoff. notify (may be nil) sees every state change. It returns
// ctx's error, or an error the user must fix (a revoked token).
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
		if _, err := c.Sync(ctx); err != nil {
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

// stream opens the direct stream, catches up over REST once it is open (so nothing sent while
// it was down is missed), then applies events until it fails.
func (c *Connector) stream(ctx context.Context, live func()) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.info.StreamingURL+"/api/v1/streaming/direct", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.client.token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.client.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return readAPIError(resp)
	}
	// Under js/wasm, net/http watches the context only until the headers arrive: closing the
	// body is what cancels a fetch stream's pending read (on stop and on the idle watchdog).
	defer context.AfterFunc(ctx, func() { resp.Body.Close() })()
	idle := durationOr(c.cfg.IdleTimeout, 90*time.Second)
	watchdog := time.AfterFunc(idle, func() { cancel(errors.New("no heartbeat from the stream")) })
	defer watchdog.Stop()
	if _, err := c.Sync(ctx); err != nil {
		return err
	}
	live()
	err = readSSE(resp.Body, func() { watchdog.Reset(idle) }, func(event, data string) error {
		return c.apply(ctx, event, data)
	})
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		return cause
	}
	return err
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
		id := model.MessageID(c.cfg.AccountID, data)
		if err := c.cfg.Repo.DeleteMessage(ctx, id); err != nil && !errors.Is(err, repo.ErrNotFound) {
			return err
		}
		c.changed([]string{id})
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
