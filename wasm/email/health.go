package email

import (
	"fmt"
	"sync"
	"time"
)

// State is a connection's health state.
type State string

const (
	Idle       State = "idle" // not started or stopped
	Connecting State = "connecting"
	Connected  State = "connected"
	Failing    State = "error"    // the last attempt failed; Err says why
	Retrying   State = "retrying" // waiting until RetryAt to connect again
)

// Health is what the UI shows of a connection: never "connected" without a recent sign of
// life (LastActivity).
type Health struct {
	State        State     `json:"state"`
	Since        time.Time `json:"since,omitzero"`        // when State was entered
	LastActivity time.Time `json:"lastActivity,omitzero"` // last response from the server
	Err          string    `json:"error,omitempty"`       // readable message of the last failure
	Cause        error     `json:"-"`                     // the last failure (UserProblem tells what it asks of the user)
	RetryAt      time.Time `json:"retryAt,omitzero"`
	Attempt      int       `json:"attempt,omitempty"` // consecutive failures
}

func (h Health) String() string {
	switch h.State {
	case Connected:
		return fmt.Sprintf("connected since %s, last activity %s", h.Since.Format(time.TimeOnly), h.LastActivity.Format(time.TimeOnly))
	case Failing:
		return "error: " + h.Err
	case Retrying:
		return fmt.Sprintf("retrying at %s (%s)", h.RetryAt.Format(time.TimeOnly), h.Err)
	}
	return string(h.State)
}

// HealthTracker holds a Health and tells an observer each change. Safe for concurrent use.
type HealthTracker struct {
	mu       sync.Mutex
	h        Health
	Observe  func(Health) // called without the lock held, in order
	Now      func() time.Time
	observMu sync.Mutex
}

func (t *HealthTracker) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// Get returns the current health.
func (t *HealthTracker) Get() Health {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.h
}

func (t *HealthTracker) set(fn func(h *Health, now time.Time)) {
	t.observMu.Lock()
	defer t.observMu.Unlock()
	t.mu.Lock()
	fn(&t.h, t.now())
	h := t.h
	t.mu.Unlock()
	if t.Observe != nil {
		t.Observe(h)
	}
}

// Connecting records a connection attempt.
func (t *HealthTracker) Connecting() {
	t.set(func(h *Health, now time.Time) { h.State, h.Since, h.RetryAt = Connecting, now, time.Time{} })
}

// Connected records a working connection.
func (t *HealthTracker) Connected() {
	t.set(func(h *Health, now time.Time) {
		*h = Health{State: Connected, Since: now, LastActivity: now}
	})
}

// Activity records a sign of life from the server (cheap: no observer call unless connected
// state changes are pending).
func (t *HealthTracker) Activity() {
	t.mu.Lock()
	t.h.LastActivity = t.now()
	t.mu.Unlock()
}

// Alive records a sign of life the UI should hear of (a keep-alive's answer): Activity
// without telling the observer would leave the last activity shown stale.
func (t *HealthTracker) Alive() {
	t.set(func(h *Health, now time.Time) { h.LastActivity = now })
}

// Failed records a failure and, when retryAt is not zero, the next attempt's time.
func (t *HealthTracker) Failed(err error, retryAt time.Time) {
	t.set(func(h *Health, now time.Time) {
		h.Err, h.Cause, h.Attempt, h.Since = err.Error(), err, h.Attempt+1, now
		h.State, h.RetryAt = Failing, retryAt
		if !retryAt.IsZero() {
			h.State = Retrying
		}
	})
}

// Stopped records that the connection was closed on purpose.
func (t *HealthTracker) Stopped() {
	t.set(func(h *Health, now time.Time) { *h = Health{State: Idle, Since: now, LastActivity: h.LastActivity} })
}

// Backoff is an exponential backoff with a cap and jitter-free steps (tests need them exact).
type Backoff struct {
	Min, Max time.Duration
}

// Delay returns the wait before attempt n (1 = after the first failure).
func (b Backoff) Delay(n int) time.Duration {
	min, max := b.Min, b.Max
	if min <= 0 {
		min = 2 * time.Second
	}
	if max <= 0 {
		max = 5 * time.Minute
	}
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}
