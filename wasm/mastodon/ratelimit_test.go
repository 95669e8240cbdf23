//go:build !js

package mastodon_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"caliopen/wasm/mastodon"
)

func TestRateLimitWaitsForReset(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.fake.SetRateLimit(2, 700*time.Millisecond)
	// Another device of the same account spends the budget: this client sees a 429.
	other := f.fake.Token(f.alice)
	otherClient := mastodon.NewClient(f.fake.BaseURL, other, nil)
	otherClient.VerifyCredentials(ctx)
	otherClient.VerifyCredentials(ctx)

	c := mastodon.NewClient(f.fake.BaseURL, f.fake.Token(f.alice), nil)
	c.VerifyCredentials(ctx)
	c.VerifyCredentials(ctx) // the budget of this token is spent: Remaining 0
	before := f.fake.Requests("GET /api/v1/accounts/verify_credentials")
	start := time.Now()
	_, err := c.VerifyCredentials(ctx)
	var rl *mastodon.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("want a RateLimitError, got %v", err)
	}
	if time.Since(start) > 500*time.Millisecond {
		t.Fatal("the request blocked instead of returning the retry time")
	}
	if f.fake.Requests("GET /api/v1/accounts/verify_credentials") != before {
		t.Fatal("a request went out although the limit was known to be spent")
	}
	if d := time.Until(rl.RetryAt); d <= 0 || d > time.Second {
		t.Fatalf("retry at %v (in %v)", rl.RetryAt, d)
	}
	time.Sleep(time.Until(rl.RetryAt) + 20*time.Millisecond)
	if _, err := c.VerifyCredentials(ctx); err != nil {
		t.Fatalf("after the reset: %v", err)
	}
}

func TestRateLimit429(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	fresh := f.open(t, f.fake.Token(f.alice))
	// The budget is spent elsewhere (another app of the user): the next request meets a 429
	// without this client having seen Remaining fall.
	f.fake.SetRateLimit(0, 600*time.Millisecond)
	calls := f.fake.Requests("GET /api/v1/conversations")
	_, err := fresh.Sync(ctx)
	var rl *mastodon.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("want a RateLimitError, got %v", err)
	}
	for range 5 { // the scheduler may call again: no request until the reset
		fresh.Sync(ctx)
	}
	if got := f.fake.Requests("GET /api/v1/conversations") - calls; got != 1 {
		t.Fatalf("%d requests for one 429, want 1 (no busy loop)", got)
	}
	f.fake.SetRateLimit(300, time.Minute)
	time.Sleep(time.Until(rl.RetryAt) + 20*time.Millisecond)
	if _, err := fresh.Sync(ctx); err != nil {
		t.Fatalf("after the reset: %v", err)
	}
}
