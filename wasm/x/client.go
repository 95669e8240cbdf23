package x

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Client calls the X API v2 as one signed-in user.
type Client struct {
	HTTP   *http.Client // through the tunnel (NewHTTPClient)
	Base   string       // default DefaultAPIBase
	Tokens *TokenSource
	Now    func() time.Time

	mu     sync.Mutex
	limits map[string]RateLimit
}

// RateLimit is the last x-rate-limit-* state seen for an endpoint.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) base() string {
	if c.Base != "" {
		return c.Base
	}
	return DefaultAPIBase
}

// Limit returns the last rate-limit state seen for an endpoint ("GET /2/dm_events").
func (c *Client) Limit(endpoint string) (RateLimit, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limits[endpoint]
	return l, ok
}

// call performs one API request. endpoint names the rate-limit bucket. A spent window is
// reported without calling X; a 401 refreshes the token once.
func (c *Client) call(ctx context.Context, endpoint, method, path string, query url.Values, in, out any) error {
	if l, ok := c.Limit(endpoint); ok && l.Remaining <= 0 && c.now().Before(l.Reset) {
		return &RateLimitError{Endpoint: endpoint, Reset: l.Reset}
	}
	var payload []byte
	if in != nil {
		var err error
		if payload, err = json.Marshal(in); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Tokens.Token(ctx)
		if err != nil {
			return err
		}
		u := c.base() + path
		if len(query) > 0 {
			u += "?" + query.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if in != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return fmt.Errorf("x: %s: %w", endpoint, err)
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		resp.Body.Close()
		c.noteLimit(endpoint, resp.Header)
		switch {
		case resp.StatusCode == http.StatusUnauthorized && attempt == 0:
			c.Tokens.Invalidate(tok)
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			return ErrSignInAgain
		case resp.StatusCode == http.StatusTooManyRequests:
			reset := c.now().Add(time.Minute)
			if l, ok := c.Limit(endpoint); ok && l.Reset.After(c.now()) {
				reset = l.Reset
			}
			return &RateLimitError{Endpoint: endpoint, Reset: reset}
		case resp.StatusCode >= 300:
			return parseAPIError(resp, body)
		}
		if rerr != nil {
			return fmt.Errorf("x: %s: reading the answer: %w", endpoint, rerr)
		}
		if out != nil {
			if err := json.Unmarshal(body, out); err != nil {
				return fmt.Errorf("x: %s: answer not understood: %w", endpoint, err)
			}
		}
		return nil
	}
}

func (c *Client) noteLimit(endpoint string, h http.Header) {
	limit, err1 := strconv.Atoi(h.Get("x-rate-limit-limit"))
	remaining, err2 := strconv.Atoi(h.Get("x-rate-limit-remaining"))
	reset, err3 := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limits == nil {
		c.limits = map[string]RateLimit{}
	}
	c.limits[endpoint] = RateLimit{Limit: limit, Remaining: remaining, Reset: time.Unix(reset, 0)}
}
