package app

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/vault"
	"caliopen/wasm/x"
)

// A sign-in through a network's consent page leaves the app: the browser navigates to the
// instance (or X) and comes back to the app's callback address, which loads the app again
// and restarts its core. What the sign-in must remember meanwhile (the client secret, the
// PKCE verifier, the state) is sealed in the vault under its state, never in plain storage;
// the user unlocks the vault again on return and the UI hands the callback URL to
// accounts.finishSignIn, which finds the sign-in by the state the callback carries.

const (
	pendingPrefix = "signin:"
	// pendingTTL is how long a started sign-in may wait for its callback.
	pendingTTL = time.Hour
)

// pending is a started sign-in, kept sealed in the vault until its callback comes back.
type pending struct {
	Network  model.Network     `json:"network"`
	Started  time.Time         `json:"started"`
	Mastodon *mastodon.Pending `json:"mastodon,omitempty"`
	X        *pendingX         `json:"x,omitempty"`
}

// pendingX is an X sign-in: the PKCE request and the app and API it was made for.
type pendingX struct {
	Request x.AuthRequest `json:"request"`
	App     xAppSettings  `json:"app"`
}

func (m *accounts) keepPending(ctx context.Context, state string, p pending) error {
	p.Started = time.Now()
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return m.vault.Put(ctx, pendingPrefix+state, raw)
}

// takePending returns the sign-in a callback answers and forgets it (a code is single-use).
func (m *accounts) takePending(ctx context.Context, state string) (pending, error) {
	var p pending
	if state == "" {
		return p, api.Errorf("not_signin_answer", "This address is not a sign-in answer (it has no state).")
	}
	raw, err := m.vault.Get(ctx, pendingPrefix+state)
	if errors.Is(err, vault.ErrNotFound) {
		return p, api.Errorf("unknown_signin", "This sign-in answer does not match a sign-in started here (it may have been used already, or be forged). Start again.")
	}
	if err != nil {
		return p, err
	}
	_ = m.vault.Delete(ctx, pendingPrefix+state)
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, err
	}
	if time.Since(p.Started) > pendingTTL {
		return p, api.Errorf("signin_expired", "This sign-in was started too long ago. Start again.")
	}
	return p, nil
}

// forgetStaleSignIns removes sign-ins that never came back.
func (m *accounts) forgetStaleSignIns(ctx context.Context) {
	ids, err := m.vault.IDs(ctx)
	if err != nil {
		return
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, pendingPrefix) {
			continue
		}
		raw, err := m.vault.Get(ctx, id)
		var p pending
		if err != nil || json.Unmarshal(raw, &p) != nil || time.Since(p.Started) > pendingTTL {
			_ = m.vault.Delete(ctx, id)
		}
	}
}

// finishSignIn completes a sign-in from the URL the browser came back to.
func (m *accounts) finishSignIn(ctx context.Context, p api.FinishSignInParams) (api.AccountView, error) {
	if m.vault.Locked() {
		return api.AccountView{}, api.Errorf("locked", "Unlock the vault first: the sign-in in progress is kept in it.")
	}
	u, err := url.Parse(strings.TrimSpace(p.CallbackURL))
	if err != nil {
		return api.AccountView{}, api.Errorf("not_signin_answer", "This is not a sign-in answer: "+err.Error()).With("detail", err.Error())
	}
	pend, err := m.takePending(ctx, u.Query().Get("state"))
	if err != nil {
		return api.AccountView{}, err
	}
	switch {
	case pend.Network == model.Mastodon && pend.Mastodon != nil:
		return m.finishMastodon(ctx, pend.Mastodon, u.String())
	case pend.Network == model.X && pend.X != nil:
		return m.finishX(ctx, pend.X, u.String())
	}
	return api.AccountView{}, api.Errorf("unknown_signin_kind", "This sign-in is of an unknown kind.")
}

// checkRedirect checks the callback address the UI gives: the app's own origin.
func checkRedirect(redirect string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(redirect))
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) || u.Fragment != "" {
		return "", api.Errorf("bad_callback", "The callback address must be an https:// address of this app (http:// only on this computer).")
	}
	return u.String(), nil
}

// isLoopback says whether host names this computer (a local demo or test server).
func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasSuffix(host, ".localhost")
}
