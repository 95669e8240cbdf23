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
	"caliopen/wasm/privacy"
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
	}
	for i, s := range steps {
		if e := u.call(i+1, s.method, s.params, nil); e != nil {
			t.Fatal(s.method, e)
		}
	}
	// A wrong token is refused when the relay is set, before the demo could use it.
	if e := u.call(10, "relay.set", api.RelayParams{URL: relayURL, Token: "crt_wrong"}, nil); e == nil || e.Code != "relay_auth" {
		t.Fatalf("relay with a wrong token: %v", e)
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
	tapioca, camille := false, ""
	for {
		m := u.recv()
		if string(m["sub"]) != fmt.Sprint(sub.Sub) {
			continue
		}
		var page api.DiscussionsPage
		json.Unmarshal(m["data"], &page)
		// One discussion per person: the crowd, Tapioca, Camille, the list, the newsletter.
		if page.Total >= 38 {
			for _, d := range page.Items {
				for _, p := range d.People {
					if p.Name == "Camille Durand" {
						camille = d.Key
					}
					tapioca = tapioca || p.Name == "Tapioca"
				}
			}
			if tapioca && camille != "" {
				break
			}
		}
	}

	// With the demo key imported, Camille's encrypted mail reads as decrypted and signed.
	if e := u.call(14, "keys.import", api.ImportKeyParams{Armored: plan.Key, Passphrase: plan.KeyPassphrase}, nil); e != nil {
		t.Fatal(e)
	}
	ids := 20
	view := follow(u, &ids, "discussion.messages", api.DiscussionArgs{Key: camille}, "Camille's mail decrypted", func(v api.DiscussionView) bool {
		for _, m := range v.Messages {
			if m.Message.Security.Encrypted && m.Message.Security.Signature != "" {
				return true
			}
		}
		return false
	})
	for _, m := range view.Messages {
		if !m.Message.Security.Encrypted {
			continue
		}
		if m.Message.Security.Signature == "bad" {
			t.Errorf("Camille's signature reads bad: %+v", m.Message.Security)
		}
		if f, ok := m.Privacy.Factor(privacy.FactorEncrypted); !ok || f.Earned == 0 {
			t.Errorf("an encrypted message earns nothing for encryption: %+v", f)
		}
		t.Logf("encrypted message: grade %s score %d", m.Privacy.Grade, m.Privacy.Score)
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
