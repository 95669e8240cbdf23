package app

import (
	"errors"
	"testing"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/x"
)

// TestHealthCodes: each failure an account can show carries the code the UI translates, and
// the values its sentence names.
func TestHealthCodes(t *testing.T) {
	at := time.Now().Add(time.Minute)
	for _, c := range []struct {
		name, code, detail string
		got                func() (string, map[string]string)
	}{
		{"email failing", "connection-failed", "dial: refused", func() (string, map[string]string) {
			h := emailHealth(email.Health{State: email.Failing, Err: "dial: refused"})
			return h.Code, h.Params
		}},
		{"email connected", "", "", func() (string, map[string]string) {
			h := emailHealth(email.Health{State: email.Connected})
			return h.Code, h.Params
		}},
		{"mastodon token", mastodon.ProblemTokenRefused, "", func() (string, map[string]string) {
			h := mastodonHealth(mastodon.Status{State: mastodon.Error, Problem: mastodon.ProblemTokenRefused})
			return h.Code, h.Params
		}},
		{"mastodon stream", mastodon.ProblemStreamDown, "EOF", func() (string, map[string]string) {
			h := mastodonHealth(mastodon.Status{State: mastodon.Polling, Problem: mastodon.ProblemStreamDown, Cause: "EOF"})
			return h.Code, h.Params
		}},
		{"x credits", "x-no-credits", "x: 402 no credits", func() (string, map[string]string) {
			h := xHealth(x.State{Status: x.StatusRefused, Err: &x.APIError{Status: 402, Title: "no credits"}})
			return h.Code, h.Params
		}},
		{"x rate limit", "rate-limited", "", func() (string, map[string]string) {
			h := xHealth(x.State{Status: x.StatusRateLimited, Until: at, Err: &x.RateLimitError{Reset: at}})
			return h.Code, h.Params
		}},
		{"x signed out", "sign-in-again", "", func() (string, map[string]string) {
			h := xHealth(x.State{Status: x.StatusSignIn, Err: x.ErrSignInAgain})
			return h.Code, h.Params
		}},
		{"x network", "connection-failed", "boom", func() (string, map[string]string) {
			h := xHealth(x.State{Status: x.StatusError, Err: errors.New("boom")})
			return h.Code, h.Params
		}},
	} {
		code, params := c.got()
		if code != c.code || params["detail"] != c.detail {
			t.Errorf("%s: code %q params %v, want %q detail %q", c.name, code, params, c.code, c.detail)
		}
	}
}

// An X account that waits (a window, a refusal, a failure) offers "try now"; a polling or
// signed-out one does not (nothing to hurry, or only a new sign-in helps). A refused account
// says when it tries again by itself.
func TestXHealthCanRetry(t *testing.T) {
	at := time.Now().Add(30 * time.Minute)
	for status, want := range map[x.Status]bool{x.StatusIdle: false, x.StatusSyncing: false, x.StatusSignIn: false,
		x.StatusRateLimited: true, x.StatusRefused: true, x.StatusError: true} {
		h := xHealth(x.State{Status: status, Until: at, Err: &x.APIError{Status: 402, Title: "no credits"}})
		if h.CanRetry != want {
			t.Errorf("%s: can retry %v", status, h.CanRetry)
		}
		if status == x.StatusRefused && !h.RetryAt.Equal(at) {
			t.Errorf("refused: retry at %v, want %v", h.RetryAt, at)
		}
	}
}
