package app

import (
	"errors"

	"caliopen/wasm/api"
	"caliopen/wasm/email"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/x"
)

// An account's health carries, beside its English Error, a Code the UI translates and the
// Params that Code's sentence names:
//
//	vault-locked, no-relay, other-tab   the account does not run in this tab, and why
//	connection-failed {detail}          the last attempt failed (email, X)
//	password-refused {server, host}     the email server refused the password (stopped)
//	untrusted-certificate {server, host, fingerprint}
//	                                    its certificate is not trusted, or not the one pinned
//	insecure-server {server, host}      it offers no encrypted connection (stopped)
//	unreachable {detail}                the Mastodon instance could not be reached
//	token-refused                       the Mastodon instance refused the token
//	stream-down {detail}                Mastodon's stream failed; REST is polled meanwhile
//	poll-failed {detail}                a Mastodon REST poll failed
//	rate-limited                        the rate limit is spent until RetryAt
//	sign-in-again                       X's tokens are gone
//	x-no-credits, x-no-dm-access,       X refuses the developer app (x.APIError.AccessReason)
//	x-no-dm-scope, x-other-refusal {detail}

// problemUnreachable is the Mastodon problem of an instance that could not be opened.
const problemUnreachable = "unreachable"

// coded sets a health's code and its parameters, given as name, value pairs.
func coded(h api.AccountHealth, code string, params ...string) api.AccountHealth {
	h.Code = code
	for i := 0; i+1 < len(params); i += 2 {
		if h.Params == nil {
			h.Params = map[string]string{}
		}
		h.Params[params[i]] = params[i+1]
	}
	return h
}

func emailHealth(s email.Health) api.AccountHealth {
	h := api.AccountHealth{State: string(s.State), Since: s.Since, LastActivity: s.LastActivity, Error: s.Err, RetryAt: s.RetryAt}
	if s.Err != "" {
		h = coded(h, "connection-failed", "detail", s.Err)
		h = withUserProblem(h, s.Cause)
	}
	return h
}

// healthProblems are the health codes of what only the user can fix (email.UserProblem).
var healthProblems = map[string]string{
	email.ProblemAuth:        "password-refused",
	email.ProblemCertificate: "untrusted-certificate",
	email.ProblemInsecure:    "insecure-server",
}

// withUserProblem gives h the code of err when err asks something of the user (a new password,
// a certificate to check and pin, settings to fix), with what it names: the server, its
// host, the certificate's fingerprint.
func withUserProblem(h api.AccountHealth, err error) api.AccountHealth {
	code, params, ok := email.UserProblem(err)
	if !ok {
		return h
	}
	h.Code, h.Params, h.Error = healthProblems[code], params, err.Error()
	return h
}

func mastodonHealth(s mastodon.Status) api.AccountHealth {
	h := api.AccountHealth{State: string(s.State), Since: s.Since, Error: s.Message, RetryAt: s.RetryAt}
	if s.Problem != "" {
		h = coded(h, s.Problem, "detail", s.Cause)
	}
	return h
}

func xHealth(st x.State) api.AccountHealth {
	h := api.AccountHealth{State: string(st.Status), LastActivity: st.LastSync, Error: st.Message, RetryAt: st.Until}
	var ae *x.APIError
	switch {
	case st.Status == x.StatusIdle || st.Status == x.StatusSyncing:
		h.State, h.RetryAt = "polling", st.Until
	case st.Status == x.StatusRefused && errors.As(st.Err, &ae):
		h = coded(h, "x-"+ae.AccessReason(), "detail", ae.Error())
	case st.Status == x.StatusSignIn:
		h = coded(h, "sign-in-again")
	case st.Status == x.StatusRateLimited:
		h = coded(h, "rate-limited")
	case st.Err != nil:
		h = coded(h, "connection-failed", "detail", st.Err.Error())
	}
	// Waiting for a window, after a refusal or a failure: the user may say "try now".
	h.CanRetry = st.Status == x.StatusRateLimited || st.Status == x.StatusRefused || st.Status == x.StatusError
	return h
}
