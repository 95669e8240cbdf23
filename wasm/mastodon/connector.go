package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Config is what a connector needs for one signed-in account.
type Config struct {
	AccountID string // the local account id
	Instance  string // base URL
	Token     string // from the vault
	// Self is the account's identity (Credentials.Account.URI): its statuses are Outgoing.
	Self model.IdentityURI
	Repo *repo.Repo
	// Transport is the HTTP transport (nil: default, fetch in the browser).
	Transport http.RoundTripper
	// MediaTransport, if set, fetches an attachment the Transport could not: in a browser, a
	// media host that sends no CORS headers (common for an instance's file storage) makes
	// fetch fail, and the file comes through the relay tunnel instead.
	MediaTransport http.RoundTripper
	// Changed, if set, is told the ids of messages written or deleted by sync and live events.
	Changed func(messageIDs []string)
	// PollInterval is how often REST is polled while the stream is down (default 20 s, as
	// Mastodon's own web client did). MinBackoff and MaxBackoff bound the reconnect delay
	// (default 1 s doubling to 5 min). Tests shorten them.
	PollInterval           time.Duration
	MinBackoff, MaxBackoff time.Duration
	// IdleTimeout closes a stream that sent nothing, not even a heartbeat, for this long
	// (default 90 s; Mastodon sends ":thump" every 15 s).
	IdleTimeout time.Duration
	// ReconcileEvery is how often the threads of recent conversations are read again for
	// edits and deletions even when no event was missed (default 30 min); after the streams
	// were down it happens at reconnection, at most once per ReconcileEvery/30.
	ReconcileEvery time.Duration
}

// Connector syncs, follows and sends for one Mastodon account.
type Connector struct {
	cfg    Config
	client *Client
	info   InstanceInfo
	m      mapper

	mu    sync.Mutex
	state Status
	// syncMu serialises the read-modify-write of the sync cursor (Sync, Backfill and stream
	// events may come from the app and the live loop at once).
	syncMu sync.Mutex

	recMu         sync.Mutex
	missed        bool // the streams were down (or never open) since the last reconciliation
	lastReconcile time.Time
}

// Open reads the instance's facts (domain, streaming URL) and returns a ready connector.
func Open(ctx context.Context, cfg Config) (*Connector, error) {
	if cfg.AccountID == "" || cfg.Repo == nil || cfg.Self == "" {
		return nil, fmt.Errorf("mastodon: connector needs an account id, a repository and the account's identity")
	}
	c := NewClient(cfg.Instance, cfg.Token, cfg.Transport)
	info, err := c.InstanceInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("mastodon: reading the instance: %w", err)
	}
	return &Connector{cfg: cfg, client: c, info: info,
		m:     mapper{accountID: cfg.AccountID, domain: info.Domain, self: cfg.Self},
		state: Status{State: Connecting}, missed: true}, nil
}

// Client returns the connector's REST client.
func (c *Connector) Client() *Client { return c.client }

// Instance returns the instance's facts.
func (c *Connector) Instance() InstanceInfo { return c.info }

func (c *Connector) changed(ids []string) {
	if c.cfg.Changed != nil && len(ids) > 0 {
		c.cfg.Changed(ids)
	}
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
