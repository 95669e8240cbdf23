package x

import (
	"context"
	"net/http"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Config is what the core gives the connector for one X account.
type Config struct {
	App       *App         // the user's developer app; App.HTTP is used for token requests
	Token     Token        // from the vault
	OnToken   func(Token)  // called with every refreshed pair: write it to the vault
	HTTP      *http.Client // through the tunnel (NewHTTPClient)
	APIBase   string       // default DefaultAPIBase
	Repo      *repo.Repo
	AccountID string
	SelfID    string        // the account's numeric user id (AccountFor)
	OnState   func(State)   // connector state for the UI
	Wake      chan struct{} // optional: sync now (network back, user pulled to refresh)
}

// Connector is one X account wired up: the API client, the poller that syncs it and the
// outbox handler that sends for it.
type Connector struct {
	Client *Client
	Tokens *TokenSource
	Syncer *Syncer
	Poller *Poller
	Outbox *OutboxHandler
}

// New wires a connector; nothing runs until Run (or Poller.Step / Syncer.Sync).
func New(cfg Config) *Connector {
	ts := NewTokenSource(cfg.App, cfg.Token, cfg.OnToken)
	c := &Client{HTTP: cfg.HTTP, Base: cfg.APIBase, Tokens: ts}
	s := &Syncer{Client: c, Repo: cfg.Repo, AccountID: cfg.AccountID, SelfID: cfg.SelfID}
	return &Connector{
		Client: c, Tokens: ts, Syncer: s,
		Poller: &Poller{Syncer: s, OnState: cfg.OnState, Wake: cfg.Wake},
		Outbox: &OutboxHandler{Client: c, SelfID: cfg.SelfID, Repo: cfg.Repo},
	}
}

// Run polls X until ctx ends. Register Outbox with the outbox Dispatcher under AccountID.
func (c *Connector) Run(ctx context.Context) error { return c.Poller.Run(ctx) }

// State is the connector's last reported state.
func (c *Connector) State() State { return c.Poller.State() }

// AccountFor builds the account record after sign-in from the signed-in user (Client.Me).
// The tokens are not in it: they go to the vault under secretRef.
func AccountFor(accountID string, me User, app *App, secretRef string) (model.Account, model.Identity, error) {
	facts, err := ProfileOf(me, timeNow())
	if err != nil {
		return model.Account{}, model.Identity{}, err
	}
	facts.Identity.Own = true
	return model.Account{
		ID: accountID, Network: model.X, Identity: facts.Identity.URI, Label: facts.Identity.Handle,
		SecretRef: secretRef, CreatedAt: timeNow(),
		Settings: map[string]string{"clientId": app.ClientID, "redirectUri": app.RedirectURI, "userId": me.ID},
	}, facts.Identity, nil
}
