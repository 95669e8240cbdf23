package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"caliopen/shared/sandbox/desc"
	"caliopen/wasm/api"
	"caliopen/wasm/model"
	"caliopen/wasm/tunnel"
)

// settingAnchors holds the private CAs the user trusts for some domains (tunnel.Anchor).
const settingAnchors = "trust.anchors"

// startDemo adds the demo sandbox's email account the way a user adds theirs, after
// trusting the sandbox CA for the sandbox's domains only.
func (m *accounts) startDemo(ctx context.Context, _ api.Empty) (api.DemoPlan, error) {
	if m.vault.Locked() {
		return api.DemoPlan{}, api.Errorf("locked", "Unlock the vault first.")
	}
	m.mu.Lock()
	relayURL, token := m.relayURL, m.token
	m.mu.Unlock()
	if relayURL == "" {
		return api.DemoPlan{}, api.Errorf("no_relay", "Set the relay first: the demo accounts live next to it.")
	}
	sd, err := fetchSandbox(ctx, relayURL, token)
	if err != nil {
		return api.DemoPlan{}, err
	}
	if err := m.trust(ctx, tunnel.Anchor{CAPEM: sd.TrustedCA, Domains: sd.TrustedDomains}); err != nil {
		return api.DemoPlan{}, err
	}
	view, err := m.addEmail(ctx, api.AddEmailParams{Address: sd.Email.Address, Name: sd.Email.Name, Password: sd.Email.Password})
	if err != nil {
		return api.DemoPlan{}, err
	}
	x := api.DemoX{APIBase: sd.X.APIBase, AuthorizeURL: sd.X.AuthorizeURL, TokenURL: sd.X.TokenURL, ClientID: sd.X.ClientID,
		RedirectURI: sd.X.RedirectURI, Handle: sd.X.Handle, CAPEM: sd.TrustedCA}
	return api.DemoPlan{Email: view, Mastodon: api.DemoMastodon{Instance: sd.Mastodon.Instance, Handle: sd.Mastodon.Handle},
		X: x, Key: sd.Key, KeyPassphrase: sd.KeyPassphrase}, nil
}

func fetchSandbox(ctx context.Context, relayURL, token string) (*desc.Description, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, relayURL+"/sandbox", nil)
	if err != nil {
		return nil, api.Errorf("relay_url_invalid", "The relay address is not valid: "+err.Error()).With("detail", err.Error())
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, api.Errorf("relay_unreachable", "The relay could not be reached: "+err.Error()).With("detail", err.Error())
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusUnauthorized:
		return nil, api.Errorf("relay_auth", "The relay refused the access token.")
	case http.StatusNotFound:
		return nil, api.Errorf("no_sandbox", "This relay runs without the demo sandbox (start it with `make run`).")
	default:
		return nil, api.Errorf("relay_status", fmt.Sprintf("The relay answered %s.", resp.Status)).With("status", resp.Status)
	}
	var d desc.Description
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return nil, api.Errorf("sandbox_damaged", "The relay's sandbox description is damaged: "+err.Error()).With("detail", err.Error())
	}
	if d.TrustedCA == "" || len(d.TrustedDomains) == 0 || d.Email.Address == "" {
		return nil, api.Errorf("sandbox_incomplete", "The relay's sandbox description is incomplete.")
	}
	return &d, nil
}

// trust adds a private CA for its domains (replacing one for the same domains).
func (m *accounts) trust(ctx context.Context, a tunnel.Anchor) error {
	anchors := m.loadAnchors(ctx)
	anchors = slices.DeleteFunc(anchors, func(b tunnel.Anchor) bool { return slices.Equal(b.Domains, a.Domains) })
	anchors = append(anchors, a)
	if err := m.a.eng.Repo.SetSetting(ctx, settingAnchors, anchors); err != nil {
		return err
	}
	m.mu.Lock()
	m.anchors = anchors
	m.mu.Unlock()
	return nil
}

func (m *accounts) loadAnchors(ctx context.Context) []tunnel.Anchor {
	var anchors []tunnel.Anchor
	_ = m.a.eng.Repo.Setting(ctx, settingAnchors, &anchors)
	return anchors
}

// anchorsChanged reads the trusted CAs again after another device changed them, and
// reconnects the accounts that reach their servers through the relay: a connection started
// before the CAs arrived (accounts and settings come from the other device in one stream,
// but not necessarily in one step) would otherwise keep failing on a certificate it could
// now verify.
func (m *accounts) anchorsChanged(ctx context.Context) {
	anchors := m.loadAnchors(ctx)
	accts, _ := m.a.eng.Repo.AccountList(ctx)
	m.mu.Lock()
	m.anchors = anchors
	for _, a := range accts {
		if r := m.running[a.ID]; r != nil && a.Network != model.Mastodon {
			r.cancel()
			delete(m.running, a.ID)
		}
	}
	m.mu.Unlock()
	go m.reconcile(m.a.ctx) // not from the sync goroutine, which reconcile may wait for
}
