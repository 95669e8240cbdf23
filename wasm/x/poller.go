package x

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Status is the connector's state as the UI shows it.
type Status string

const (
	StatusIdle        Status = "idle"         // synced; waiting for the next poll
	StatusSyncing     Status = "syncing"      // a sync is running
	StatusRateLimited Status = "rate-limited" // X's limit is spent until Until
	StatusRefused     Status = "refused"      // X refuses the developer app (access level, credits)
	StatusSignIn      Status = "sign-in"      // the tokens are gone: sign in again
	StatusError       Status = "error"        // network or server trouble; retrying with backoff
)

// State is what the connector reports after every step.
type State struct {
	Status   Status
	Message  string    // readable explanation
	Until    time.Time // next attempt
	LastSync time.Time // last complete sync
	Result   SyncResult
	Err      error
}

// Poller keeps an account in sync: X offers no push to a browser app, so it polls
// /2/dm_events. The lookup allows 15 requests per 15 minutes per user, so it polls at most
// once per Min (default 1 minute), slows down while nothing arrives (up to Max, default 5
// minutes), spreads what remains of the window, and waits for the reset after a 429. When X
// refuses the developer app (no credits, no DM access) it tries again every Refused (default
// 30 minutes: the user may fix it in X's portal meanwhile; a refused call is not billed); when
// the sign-in is gone it waits for the user. Wake makes it try at once.
type Poller struct {
	Syncer  *Syncer
	Min     time.Duration
	Max     time.Duration
	Refused time.Duration
	OnState func(State)
	Wake    chan struct{}

	mu    sync.Mutex
	state State
}

// State returns the last state reported.
func (p *Poller) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *Poller) report(s State) {
	p.mu.Lock()
	if s.LastSync.IsZero() {
		s.LastSync = p.state.LastSync
	}
	p.state = s
	p.mu.Unlock()
	if p.OnState != nil {
		p.OnState(s)
	}
}

// Step syncs once and returns the state with the time of the next attempt (zero: wait for
// Wake). interval is the current polling interval, adapted for the next step.
func (p *Poller) Step(ctx context.Context, interval time.Duration) (State, time.Duration) {
	lo, hi := p.Min, p.Max
	if lo <= 0 {
		lo = time.Minute
	}
	if hi < lo {
		hi = max(5*time.Minute, lo)
	}
	interval = min(max(interval, lo), hi)
	now := p.Syncer.now()
	p.report(State{Status: StatusSyncing})
	res, err := p.Syncer.Sync(ctx)
	var ae *APIError
	st := State{Result: res, Err: err}
	switch {
	case err == nil:
		st.Status, st.LastSync = StatusIdle, now
		if res.Messages > 0 {
			interval = lo
		} else {
			interval = min(interval*3/2, hi)
		}
		wait := interval
		// Spread what remains of the window over the time left in it.
		if l, ok := p.Syncer.Client.Limit(EndpointDMEvents); ok && l.Reset.After(now) {
			wait = max(wait, l.Reset.Sub(now)/time.Duration(l.Remaining+1))
		}
		st.Until = now.Add(wait)
	case errors.As(err, &ae) && ae.Refused():
		st.Status, st.Message, st.Until = StatusRefused, ae.AccessState(), now.Add(p.refused())
	case errors.Is(err, ErrSignInAgain):
		st.Status, st.Message = StatusSignIn, ErrSignInAgain.Error()
	default:
		if at, ok := RetryAt(err); ok {
			st.Status, st.Until = StatusRateLimited, at
			st.Message = "X's rate limit is reached; syncing resumes at " + at.Local().Format(time.Kitchen)
		} else if errors.As(err, &ae) && ae.Status == 403 {
			st.Status, st.Message, st.Until = StatusRefused, ae.AccessState(), now.Add(p.refused())
		} else {
			st.Status, st.Message = StatusError, err.Error()
			interval = min(interval*2, hi)
			st.Until = now.Add(interval)
		}
	}
	p.report(st)
	return st, interval
}

func (p *Poller) refused() time.Duration {
	if p.Refused > 0 {
		return p.Refused
	}
	return 30 * time.Minute
}

// Run polls until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	var interval time.Duration
	for {
		var st State
		st, interval = p.Step(ctx, interval)
		var wait <-chan time.Time
		var t *time.Timer
		if !st.Until.IsZero() {
			t = time.NewTimer(max(time.Until(st.Until), 0))
			wait = t.C
		}
		select {
		case <-ctx.Done():
		case <-p.Wake:
		case <-wait:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
