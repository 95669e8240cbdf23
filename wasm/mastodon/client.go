package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	gomastodon "github.com/mattn/go-mastodon"
	"github.com/tomnomnom/linkheader"
)

// Client calls one instance's REST API with one access token.
type Client struct {
	// Instance is the instance's base URL ("https://mastodon.social").
	Instance string
	// Timeout bounds each REST call (default 30 s).
	Timeout time.Duration

	token string
	http  *http.Client
	lim   *limitTransport
	api   *gomastodon.Client
}

// NewClient returns a client for the instance. base is the transport to use (nil: the
// default, which is fetch in the browser).
func NewClient(instance, token string, base http.RoundTripper) *Client {
	if base == nil {
		base = http.DefaultTransport
	}
	lim := &limitTransport{base: base, now: time.Now}
	hc := &http.Client{Transport: lim}
	api := gomastodon.NewClient(&gomastodon.Config{Server: strings.TrimRight(instance, "/"), AccessToken: token})
	api.Client = *hc
	return &Client{Instance: strings.TrimRight(instance, "/"), Timeout: 30 * time.Second, token: token, http: hc, lim: lim, api: api}
}

func (c *Client) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.Timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.Timeout)
}

// APIError is an HTTP error answer of the instance.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("mastodon: HTTP %d: %s", e.Status, e.Message)
}

// asAPIError maps go-mastodon's error to ours so callers need one type.
func asAPIError(err error) error {
	var ge *gomastodon.APIError
	if errors.As(err, &ge) {
		return &APIError{Status: ge.StatusCode, Message: ge.Message}
	}
	return err
}

// Permanent reports whether retrying err cannot succeed (the instance refused the request).
func Permanent(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests &&
		ae.Status != http.StatusRequestTimeout
}

// page is one page of a list with its Link header's cursors.
type page struct {
	next, prev url.Values // query of rel="next" (older) and rel="prev" (newer), nil if absent
}

// getJSON GETs path?query into v and returns the Link cursors (go-mastodon keeps only the
// "next" one).
func (c *Client) getJSON(ctx context.Context, path string, query url.Values, v any) (page, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	u := c.Instance + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return page{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return page{}, readAPIError(resp)
	}
	var pg page
	for _, l := range linkheader.Parse(resp.Header.Get("Link")) {
		lu, err := url.Parse(l.URL)
		if err != nil {
			continue
		}
		switch l.Rel {
		case "next":
			pg.next = lu.Query()
		case "prev":
			pg.prev = lu.Query()
		}
	}
	return pg, json.NewDecoder(resp.Body).Decode(v)
}

// readAPIError reads Mastodon's {"error": "..."} (or OAuth's error_description).
func readAPIError(resp *http.Response) error {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&e)
	msg := e.Error
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if msg == "" {
		msg = resp.Status
	}
	return &APIError{Status: resp.StatusCode, Message: msg}
}

// VerifyCredentials returns the token's account.
func (c *Client) VerifyCredentials(ctx context.Context) (*gomastodon.Account, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	a, err := c.api.GetAccountCurrentUser(ctx)
	return a, asAPIError(err)
}

// Instance facts the connector needs from GET /api/v2/instance.
type InstanceInfo struct {
	Domain        string
	StreamingURL  string // https:// or http:// base of the streaming server
	MaxCharacters int    // the status length limit (configuration.statuses.max_characters)
	URLLength     int    // what a link counts for (characters_reserved_per_url)
}

// InstanceInfo reads GET /api/v2/instance (go-mastodon only knows the deprecated v1).
func (c *Client) InstanceInfo(ctx context.Context) (InstanceInfo, error) {
	var v struct {
		Domain        string `json:"domain"`
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
			Statuses struct {
				MaxCharacters int `json:"max_characters"`
				URLLength     int `json:"characters_reserved_per_url"`
			} `json:"statuses"`
		} `json:"configuration"`
	}
	if _, err := c.getJSON(ctx, "/api/v2/instance", nil, &v); err != nil {
		return InstanceInfo{}, err
	}
	stream := v.Configuration.URLs.Streaming
	switch {
	case strings.HasPrefix(stream, "wss://"):
		stream = "https://" + strings.TrimPrefix(stream, "wss://")
	case strings.HasPrefix(stream, "ws://"):
		stream = "http://" + strings.TrimPrefix(stream, "ws://")
	case stream == "":
		stream = c.Instance
	}
	return InstanceInfo{Domain: v.Domain, StreamingURL: strings.TrimRight(stream, "/"),
		MaxCharacters: v.Configuration.Statuses.MaxCharacters, URLLength: v.Configuration.Statuses.URLLength}, nil
}
