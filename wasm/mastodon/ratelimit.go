package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimitError says the instance's rate limit is spent until RetryAt. Nothing waits inside
// a request: the caller (the sync scheduler, the outbox) decides when to come back.
type RateLimitError struct {
	RetryAt time.Time
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("mastodon: rate limit reached, retry at %s", e.RetryAt.UTC().Format(time.RFC3339))
}

// ResumeAt makes the error an outbox.Deferral: nothing was posted, try again at RetryAt.
func (e *RateLimitError) ResumeAt() time.Time { return e.RetryAt }

// limitTransport reads X-RateLimit-* on every answer, refuses requests locally while the limit
// is known to be spent, turns 429 into a RateLimitError (so go-mastodon never retries on its
// own, blocking up to an hour), and adds the Idempotency-Key carried by the request's context.
type limitTransport struct {
	base http.RoundTripper
	now  func() time.Time

	mu    sync.Mutex
	until time.Time
}

func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	until := t.until
	t.mu.Unlock()
	if t.now().Before(until) {
		return nil, &RateLimitError{RetryAt: until}
	}
	if key, ok := req.Context().Value(idempotencyKey{}).(string); ok && key != "" && req.Method == http.MethodPost {
		req = req.Clone(req.Context())
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	reset := parseReset(resp.Header.Get("X-RateLimit-Reset"))
	if resp.StatusCode == http.StatusTooManyRequests {
		resp.Body.Close()
		if reset.IsZero() || !reset.After(t.now()) {
			reset = t.now().Add(time.Minute) // no usable hint: a minute, not a busy loop
		}
		t.block(reset)
		return nil, &RateLimitError{RetryAt: reset}
	}
	if rem, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining")); err == nil && rem <= 0 && !reset.IsZero() {
		t.block(reset)
	}
	return resp, nil
}

func (t *limitTransport) block(until time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if until.After(t.until) {
		t.until = until
	}
}

// parseReset reads X-RateLimit-Reset: an ISO 8601 timestamp with fractional seconds.
func parseReset(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}
	}
	return t
}

type idempotencyKey struct{}

// withIdempotencyKey makes the POSTs made with ctx carry the Idempotency-Key header.
func withIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, key)
}
