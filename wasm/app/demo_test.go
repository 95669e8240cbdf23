//go:build !js

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"caliopen/relay/auth"
	"caliopen/relay/tunnel"
	"caliopen/shared/sandbox"
	"caliopen/wasm/api"
	"caliopen/wasm/platform"
)

// The demo as a newcomer meets it: a relay that routes to the sandbox and describes it;
// demo.start trusts the sandbox CA for its domains, finds the mail servers by autoconfig
// and signs in; the sandbox's mail arrives in discussions.
func TestDemoEmailThroughTheSandbox(t *testing.T) {
	_, relayURL, token := startDemoRelay(t)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	uiEnd, coreEnd := platform.Pipe()
	defer uiEnd.Close()
	go Start(ctx, Options{Port: coreEnd})
	u := &ui{t: t, port: uiEnd, ctx: ctx}
	u.recv() // ready
	steps := []struct {
		method string
		params any
	}{
		{"core.setRole", api.SetRoleParams{Leader: true}},
		{"vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}},
		{"relay.set", api.RelayParams{URL: relayURL, Token: "crt_wrong"}},
	}
	for i, s := range steps {
		if e := u.call(i+1, s.method, s.params, nil); e != nil {
			t.Fatal(s.method, e)
		}
	}
	if e := u.call(10, "demo.start", api.Empty{}, nil); e == nil || e.Code != "relay_auth" {
		t.Fatalf("demo with a wrong token: %v", e)
	}
	if e := u.call(11, "relay.set", api.RelayParams{URL: relayURL, Token: token}, nil); e != nil {
		t.Fatal(e)
	}
	var plan api.DemoPlan
	if e := u.call(12, "demo.start", api.Empty{}, &plan); e != nil {
		t.Fatal(e)
	}
	if plan.Email.Address != "alex@"+sandbox.MailDomain || plan.Mastodon.Handle != "@alex@mamot.fr" || plan.X.ClientID == "" || plan.Key == "" {
		t.Fatalf("plan %+v", plan)
	}

	// The sandbox's mail arrives, Tapioca's among it.
	var sub api.SubscribeResult
	if e := u.call(13, "subscribe", api.SubscribeParams{Query: "discussions.page", Args: json.RawMessage(`{"limit":50}`)}, &sub); e != nil {
		t.Fatal(e)
	}
	for {
		m := u.recv()
		if string(m["sub"]) != fmt.Sprint(sub.Sub) {
			continue
		}
		var page api.DiscussionsPage
		json.Unmarshal(m["data"], &page)
		// One discussion per person: the crowd, Tapioca, Camille, the list, the newsletter.
		if page.Total >= 38 {
			found := false
			for _, d := range page.Items {
				for _, p := range d.People {
					found = found || p.Name == "Tapioca"
				}
			}
			if found {
				break
			}
		}
	}
}

// startDemoRelay starts the sandbox (its timeline stopped) and a relay that routes to it and
// describes it, as `make run` does; it returns the sandbox, the relay's URL and a token.
func startDemoRelay(t *testing.T) (*sandbox.Sandbox, string, string) {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Dir: t.TempDir(), AppOrigin: "http://127.0.0.1:8080", Tick: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	tokens, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	token, _ := tokens.Add("demo")
	cfg := tunnel.DefaultConfig()
	cfg.Routes = sb.Routes()
	mux := http.NewServeMux()
	mux.Handle("/tunnel", tunnel.New(cfg, tokens, tunnel.Options{Logger: slog.New(slog.DiscardHandler)}))
	mux.Handle("GET /sandbox", tokens.Require(auth.ServeFile(sb.DescriptionFile())))
	relay := httptest.NewServer(mux)
	t.Cleanup(relay.Close)
	return sb, relay.URL, token
}
