//go:build !js

// The fake listens on loopback, which a browser cannot; its own tests run natively.
package mastodonfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/mastodonfake"
)

func do(t *testing.T, method, url, token string, h map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestCORSAsMastodon(t *testing.T) {
	s := mastodonfake.Start(t, "fake.example")
	resp, _ := do(t, "OPTIONS", s.BaseURL+"/api/v1/statuses", "", map[string]string{"Origin": "https://app.example",
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,idempotency-key"}, "")
	h := resp.Header
	if resp.StatusCode != 200 || h.Get("Access-Control-Allow-Origin") != "*" ||
		h.Get("Access-Control-Allow-Methods") != "POST, PUT, DELETE, GET, PATCH, OPTIONS" ||
		h.Get("Access-Control-Allow-Headers") != "authorization,idempotency-key" || h.Get("Access-Control-Max-Age") != "7200" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, h)
	}
	resp, _ = do(t, "GET", s.BaseURL+"/api/v2/instance", "", map[string]string{"Origin": "https://app.example"}, "")
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		resp.Header.Get("Access-Control-Expose-Headers") != "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id" ||
		resp.Header.Get("X-RateLimit-Limit") != "300" {
		t.Fatalf("simple request: %v", resp.Header)
	}
	resp, _ = do(t, "OPTIONS", s.BaseURL+"/api/v1/streaming/direct", "", map[string]string{"Origin": "https://app.example",
		"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}, "")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("streaming preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestConversationsJSONAndLinks(t *testing.T) {
	s := mastodonfake.Start(t, "fake.example")
	alice := s.AddLocal("alice", "Alice")
	tok := s.Token(alice)
	for range 3 {
		bob := s.AddRemote("bob", "remote.example", "Bob")
		s.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: "hi"})
	}
	resp, body := do(t, "GET", s.BaseURL+"/api/v1/conversations?limit=2", tok, nil, "")
	var raw []map[string]any
	if err := json.Unmarshal([]byte(body), &raw); err != nil || len(raw) != 2 {
		t.Fatalf("%v %s", err, body)
	}
	for _, k := range []string{"id", "unread", "accounts", "last_status"} {
		if _, ok := raw[0][k]; !ok {
			t.Fatalf("conversation lacks %q", k)
		}
	}
	st := raw[0]["last_status"].(map[string]any)
	for _, k := range []string{"id", "uri", "created_at", "edited_at", "account", "content", "visibility", "spoiler_text",
		"media_attachments", "mentions", "in_reply_to_id", "in_reply_to_account_id"} {
		if _, ok := st[k]; !ok {
			t.Fatalf("status lacks %q", k)
		}
	}
	link := resp.Header.Get("Link")
	if !strings.Contains(link, `max_id=`) || !strings.Contains(link, `rel="next"`) || !strings.Contains(link, `rel="prev"`) {
		t.Fatalf("Link %q", link)
	}
	// The cursor is the last status id, not the conversation id.
	last := raw[1]["last_status"].(map[string]any)["id"].(string)
	if !strings.Contains(link, "max_id="+last) {
		t.Fatalf("next link %q does not page on last_status_id %s", link, last)
	}
}

func TestIdempotencyKeyAndRateLimit(t *testing.T) {
	s := mastodonfake.Start(t, "fake.example")
	alice := s.AddLocal("alice", "Alice")
	s.AddRemote("bob", "remote.example", "Bob")
	tok := s.Token(alice)
	key := map[string]string{"Idempotency-Key": "k1"}
	_, a := do(t, "POST", s.BaseURL+"/api/v1/statuses", tok, key, "status=%40bob%40remote.example+hi&visibility=direct")
	_, b := do(t, "POST", s.BaseURL+"/api/v1/statuses", tok, key, "status=%40bob%40remote.example+hi&visibility=direct")
	if a != b || len(s.StatusesBy(alice)) != 1 {
		t.Fatalf("same key posted twice: %s / %s", a, b)
	}
	s.SetRateLimit(1, time.Minute)
	do(t, "GET", s.BaseURL+"/api/v1/accounts/verify_credentials", tok, nil, "")
	resp, _ := do(t, "GET", s.BaseURL+"/api/v1/accounts/verify_credentials", tok, nil, "")
	if resp.StatusCode != 429 || resp.Header.Get("X-RateLimit-Remaining") != "0" || resp.Header.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("exhausted: %d %v", resp.StatusCode, resp.Header)
	}
}

// events opens a stream and returns the names of the events it carries, as they come.
func events(t *testing.T, s *mastodonfake.Server, token, stream string) <-chan string {
	t.Helper()
	req, _ := http.NewRequest("GET", s.BaseURL+"/api/v1/streaming/"+stream, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s stream: %v %v", stream, resp, err)
	}
	out := make(chan string, 64)
	go func() {
		defer resp.Body.Close()
		buf := make([]byte, 64<<10)
		var rest string
		for {
			n, err := resp.Body.Read(buf)
			rest += string(buf[:n])
			for {
				line, more, ok := strings.Cut(rest, "\n")
				if !ok {
					break
				}
				rest = more
				if name, ok := strings.CutPrefix(line, "event: "); ok {
					out <- name
				}
			}
			if err != nil {
				close(out)
				return
			}
		}
	}()
	return out
}

// next returns the next event of a stream, or "" when none comes within a short while.
func next(c <-chan string) string {
	select {
	case e := <-c:
		return e
	case <-time.After(200 * time.Millisecond):
		return ""
	}
}

// The streams carry what Mastodon 4.x sends for a direct status: a new one is a conversation
// on direct and a mention notification on user; an edit is status.update on user (with
// read:notifications) and nothing on direct; a deletion is delete on user, and a conversation
// on direct only when the conversation keeps other statuses.
func TestStreamsCarryWhatMastodonSends(t *testing.T) {
	s := mastodonfake.Start(t, "fake.example")
	s.Heartbeat = time.Hour
	alice := s.AddLocal("alice", "Alice")
	bob := s.AddRemote("bob", "remote.example", "Bob")
	tok := s.Token(alice)
	direct, user := events(t, s, tok, "direct"), events(t, s, tok, "user")
	limited := events(t, s, s.Token(alice, "read:statuses"), "user")
	for s.OpenStreams() != 3 {
		time.Sleep(10 * time.Millisecond)
	}
	first := s.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: "one"})
	second := s.Post(mastodonfake.Post{Author: bob, To: []string{alice}, Text: "two", InReplyTo: first.ID})
	for _, c := range []struct {
		got, want string
	}{{next(direct), "conversation"}, {next(direct), "conversation"}, {next(user), "notification"}, {next(user), "notification"}, {next(limited), ""}} {
		if c.got != c.want {
			t.Fatalf("new statuses: %q, want %q", c.got, c.want)
		}
	}
	s.Edit(first.ID, "one, edited")
	if d, u, l := next(direct), next(user), next(limited); d != "" || u != "status.update" || l != "" {
		t.Fatalf("an edit: direct %q, user %q, user without read:notifications %q", d, u, l)
	}
	s.Delete(second.ID)
	if d, u, l := next(direct), next(user), next(limited); d != "conversation" || u != "delete" || l != "delete" {
		t.Fatalf("a deletion: direct %q, user %q, limited %q", d, u, l)
	}
	s.Delete(first.ID) // the last status: the conversation goes, silently on direct
	if d, u := next(direct), next(user); d != "" || u != "delete" {
		t.Fatalf("the last deletion: direct %q, user %q", d, u)
	}
}
