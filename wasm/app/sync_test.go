//go:build !js

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"caliopen/relay/auth"
	relaysync "caliopen/relay/sync"
	"caliopen/relay/tunnel"
	"caliopen/wasm/api"
	"caliopen/wasm/model"
	"caliopen/wasm/platform"
)

// startSyncRelay serves a real /sync endpoint (embedded NATS JetStream) and returns its
// origin and an access token.
func startSyncRelay(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	tokens, err := auth.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	token, _ := tokens.Add("alice")
	backend, err := relaysync.StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lg, err := relaysync.OpenLog(ctx, backend.JS, relaysync.LogConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv := relaysync.New(relaysync.DefaultConfig(), tokens, lg, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	mux.Handle("/sync", srv)
	mux.Handle("/tunnel", tunnel.New(tunnel.DefaultConfig(), tokens, tunnel.Options{})) // reaching no server
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
		backend.Close(ctx)
	})
	return hs.URL, token
}

// startDevice starts a core as a leader tab with a vault, the relay set and the same
// synthetic mailbox as the other device (the networks give both the same messages).
func startDevice(t *testing.T, ctx context.Context, relayURL, token string) *ui {
	t.Helper()
	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	go Start(ctx, Options{Port: coreEnd})
	u := &ui{t: t, port: uiEnd, ctx: ctx}
	u.recv() // ready
	for i, step := range []struct {
		method string
		params any
	}{
		{"core.setRole", api.SetRoleParams{Leader: true}},
		{"vault.create", api.PassphraseParams{Passphrase: "correct horse battery"}},
		{"relay.set", api.RelayParams{URL: relayURL, Token: token}},
		{"dev.seedSynthetic", api.SeedParams{Count: 300, Seed: 7}},
	} {
		if e := u.call(100+i, step.method, step.params, nil); e != nil {
			t.Fatalf("%s: %v", step.method, e)
		}
	}
	return u
}

// waitPage subscribes to the first discussions page and waits until cond holds on it.
func (u *ui) waitPage(id int, cond func(api.DiscussionsPage) bool) api.DiscussionsPage {
	u.t.Helper()
	var sub api.SubscribeResult
	if e := u.call(id, "subscribe", api.SubscribeParams{Query: "discussions.page", Args: json.RawMessage(`{"limit":200}`)}, &sub); e != nil {
		u.t.Fatal(e)
	}
	for {
		m := u.recv()
		if string(m["sub"]) != fmt.Sprint(sub.Sub) {
			continue
		}
		var page api.DiscussionsPage
		if err := json.Unmarshal(m["data"], &page); err != nil {
			u.t.Fatal(err)
		}
		if cond(page) {
			u.send(fmt.Sprintf(`{"id":%d,"method":"unsubscribe","params":{"sub":%d}}`, id+1, sub.Sub))
			return page
		}
	}
}

func onePerson(page api.DiscussionsPage) (a, b api.DiscussionItem, ok bool) {
	var singles []api.DiscussionItem
	for _, it := range page.Items {
		if len(it.People) == 1 && len(it.People[0].Identities) == 1 {
			singles = append(singles, it)
		}
	}
	if len(singles) < 2 {
		return a, b, false
	}
	return singles[0], singles[1], true
}

func hasMerged(page api.DiscussionsPage, ids []model.IdentityURI) bool {
	for _, it := range page.Items {
		for _, p := range it.People {
			if slices.Contains(p.Identities, ids[0]) && slices.Contains(p.Identities, ids[1]) {
				return true
			}
		}
	}
	return false
}

// TestTwoDevicesShareAContactMerge pairs two cores through a real relay by recovery phrase:
// a merge of two people on one appears on the other, and a bad phrase is refused clearly.
func TestTwoDevicesShareAContactMerge(t *testing.T) {
	relayURL, token := startSyncRelay(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a := startDevice(t, ctx, relayURL, token)
	b := startDevice(t, ctx, relayURL, token)

	var secret api.SyncSecret
	if e := a.call(1, "sync.create", api.Empty{}, &secret); e != nil {
		t.Fatal(e)
	}
	if e := a.call(2, "sync.create", api.Empty{}, nil); e == nil || e.Code != "sync_exists" {
		t.Fatalf("second create: %v", e)
	}
	if e := b.call(3, "sync.join", api.SyncJoinParams{Secret: "abandon ability able"}, nil); e == nil || e.Code != "sync_phrase_length" || e.Params["words"] != "3" {
		t.Fatalf("bad phrase: %v", e)
	}
	if e := b.call(4, "sync.join", api.SyncJoinParams{Secret: secret.Phrase}, nil); e != nil {
		t.Fatal(e)
	}

	page := a.waitPage(10, func(p api.DiscussionsPage) bool { _, _, ok := onePerson(p); return ok })
	x, y, _ := onePerson(page)
	ids := []model.IdentityURI{x.People[0].Identities[0], y.People[0].Identities[0]}
	if e := a.call(20, "contacts.link", api.LinkParams{Identities: ids}, nil); e != nil {
		t.Fatal(e)
	}
	a.waitPage(30, func(p api.DiscussionsPage) bool { return hasMerged(p, ids) })
	b.waitPage(40, func(p api.DiscussionsPage) bool { return hasMerged(p, ids) })

	var view api.SyncView
	if e := b.call(50, "subscribe", api.SubscribeParams{Query: "sync.status"}, nil); e != nil {
		t.Fatal(e)
	}
	for view.State != "connected" {
		m := b.recv()
		if m["data"] != nil {
			_ = json.Unmarshal(m["data"], &view)
		}
	}
	if !view.Enabled || view.Device == "" {
		t.Fatalf("status %+v", view)
	}
}
