//go:build !js

// The fake listens on loopback, which a browser cannot; its tests run natively.

package xfake_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/xfake"
)

const redirect = "https://app.example/cb"

// harness is a fake over HTTPS and a client trusting its CA that does not follow redirects.
func harness(t *testing.T, opt xfake.Options) (*xfake.Server, string, *http.Client) {
	opt.ClientID, opt.RedirectURI, opt.SignedIn = "cid", redirect, "10"
	f := xfake.New(opt)
	f.AddUser(xfake.User{ID: "10", Name: "Me", Username: "me"})
	f.AddUser(xfake.User{ID: "20", Name: "You", Username: "you", Description: "see https://you.example", URL: "https://you.example/home"})
	srv, ca, err := f.StartTLS("api.x.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return f, srv.URL, hc
}

func authorize(t *testing.T, base string, hc *http.Client, verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {"cid"}, "redirect_uri": {redirect}, "state": {"s1"},
		"scope":          {"dm.read dm.write users.read tweet.read offline.access"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	resp, err := hc.Get(base + "/i/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("state") != "s1" {
		t.Fatalf("redirect %v", loc)
	}
	return loc.Query().Get("code")
}

func tokenRequest(t *testing.T, base string, hc *http.Client, form url.Values) (int, map[string]any) {
	resp, err := hc.PostForm(base+"/2/oauth2/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func getJSON(t *testing.T, hc *http.Client, u, token string) (*http.Response, map[string]any) {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Origin", "https://app.example")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func TestPKCEAndEvents(t *testing.T) {
	f, base, hc := harness(t, xfake.Options{})
	conv := xfake.OneToOneID("20", "10")
	if conv != "10-20" {
		t.Fatal(conv)
	}
	for i := range 5 {
		f.AddEvent(xfake.Event{Text: "m" + string(rune('0'+i)), ConversationID: conv, SenderID: "20", CreatedAt: time.Now().Add(time.Duration(i-10) * time.Minute)})
	}
	f.AddEvent(xfake.Event{Text: "old", ConversationID: conv, SenderID: "20", CreatedAt: time.Now().Add(-31 * 24 * time.Hour)})
	f.AddEvent(xfake.Event{Text: "not mine", ConversationID: "20-30", SenderID: "20"})

	code := authorize(t, base, hc, "right-verifier-right-verifier-right-verifier")
	form := url.Values{"code": {code}, "grant_type": {"authorization_code"}, "client_id": {"cid"}, "redirect_uri": {redirect}, "code_verifier": {"wrong"}}
	if st, body := tokenRequest(t, base, hc, form); st != 400 || body["error"] != "invalid_request" {
		t.Fatalf("wrong verifier: %d %v", st, body)
	}
	code = authorize(t, base, hc, "right-verifier-right-verifier-right-verifier")
	form.Set("code", code)
	form.Set("code_verifier", "right-verifier-right-verifier-right-verifier")
	st, tok := tokenRequest(t, base, hc, form)
	if st != 200 || tok["refresh_token"] == nil || tok["expires_in"].(float64) != 7200 {
		t.Fatalf("token: %d %v", st, tok)
	}
	access := tok["access_token"].(string)

	u := base + "/2/dm_events?max_results=2&dm_event.fields=created_at,sender_id,dm_conversation_id&expansions=sender_id&user.fields=description,entities"
	var texts []string
	next := ""
	for pages := 0; pages < 5; pages++ {
		resp, body := getJSON(t, hc, u+next, access)
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("the fake sent a CORS header")
		}
		if resp.Header.Get("x-rate-limit-limit") != "15" || resp.Header.Get("x-rate-limit-reset") == "" {
			t.Fatalf("rate-limit headers: %v", resp.Header)
		}
		for _, e := range body["data"].([]any) {
			texts = append(texts, e.(map[string]any)["text"].(string))
		}
		users := body["includes"].(map[string]any)["users"].([]any)
		ent := users[0].(map[string]any)["entities"].(map[string]any)
		if ent["url"] == nil || ent["description"] == nil {
			t.Fatalf("user entities: %v", ent)
		}
		nt, _ := body["meta"].(map[string]any)["next_token"].(string)
		if nt == "" {
			break
		}
		next = "&pagination_token=" + nt
	}
	if strings.Join(texts, ",") != "m4,m3,m2,m1,m0" {
		t.Fatalf("events: %v", texts)
	}
	resp, body := getJSON(t, hc, base+"/2/dm_events?max_results=101", access)
	if resp.StatusCode != 400 || body["errors"] == nil || body["title"] != "Invalid Request" {
		t.Fatalf("max_results=101: %d %v", resp.StatusCode, body)
	}
	resp, body = getJSON(t, hc, base+"/2/dm_events", "nope")
	if resp.StatusCode != 401 || body["title"] != "Unauthorized" || body["status"].(float64) != 401 {
		t.Fatalf("bad token: %d %v", resp.StatusCode, body)
	}
	f.DenyDMAccess("client-not-enrolled")
	resp, body = getJSON(t, hc, base+"/2/dm_events", access)
	if resp.StatusCode != 403 || body["reason"] != "client-not-enrolled" {
		t.Fatalf("no DM access: %d %v", resp.StatusCode, body)
	}
	f.DenyDMAccess("")
	f.ExhaustRateLimit("10")
	resp, body = getJSON(t, hc, base+"/2/dm_events", access)
	if resp.StatusCode != 429 || resp.Header.Get("x-rate-limit-remaining") != "0" || body["title"] != "Too Many Requests" {
		t.Fatalf("exhausted: %d %v", resp.StatusCode, body)
	}
}
