package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"caliopen/shared/version"
	"caliopen/wasm/api"
	"caliopen/wasm/platform"
)

// ui is the test's side of the port: it speaks the API as the web UI does.
type ui struct {
	t    *testing.T
	port *platform.PipePort
	ctx  context.Context
}

func (u *ui) recv() map[string]json.RawMessage {
	u.t.Helper()
	raw, err := u.port.Recv(u.ctx)
	if err != nil {
		u.t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		u.t.Fatalf("core sent non-JSON %q: %v", raw, err)
	}
	return m
}

func (u *ui) send(s string) {
	u.t.Helper()
	if err := u.port.Send([]byte(s)); err != nil {
		u.t.Fatal(err)
	}
}

func startCore(t *testing.T) *ui {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	uiEnd, coreEnd := platform.Pipe()
	t.Cleanup(func() { uiEnd.Close() })
	go Start(ctx, Options{Port: coreEnd})
	return &ui{t: t, port: uiEnd, ctx: ctx}
}

func TestCoreAnnouncesReadyThenAnswers(t *testing.T) {
	u := startCore(t)
	ready := u.recv()
	if string(ready["event"]) != `"core.ready"` {
		t.Fatalf("first message is not core.ready: %v", ready)
	}
	u.send(`{"id":1,"method":"core.info"}`)
	resp := u.recv()
	if string(resp["id"]) != "1" || resp["error"] != nil {
		t.Fatalf("bad answer: %v", resp)
	}
	var info api.CoreInfoResult
	if err := json.Unmarshal(resp["result"], &info); err != nil {
		t.Fatal(err)
	}
	if info.Version != version.Version || info.Build == "" || !info.Storage.Available {
		t.Fatalf("info: %+v", info)
	}
}

func TestCoreErrors(t *testing.T) {
	u := startCore(t)
	u.recv() // ready
	u.send(`{"id":2,"method":"no.such"}`)
	if r := u.recv(); !json.Valid(r["error"]) || string(r["id"]) != "2" {
		t.Fatalf("unknown method: %v", r)
	}
	u.send(`not json`)
	r := u.recv()
	var e api.Error
	if err := json.Unmarshal(r["error"], &e); err != nil || e.Code != api.CodeBadRequest {
		t.Fatalf("garbage: %v", r)
	}
	u.send(`{"id":3,"method":"subscribe","params":{"query":"nope"}}`)
	if err := json.Unmarshal(u.recv()["error"], &e); err != nil || e.Code != api.CodeNotFound {
		t.Fatalf("unknown query: %+v", e)
	}
}

func TestLiveQueryPushesCurrentResult(t *testing.T) {
	u := startCore(t)
	u.recv() // ready
	u.send(`{"id":4,"method":"subscribe","params":{"query":"core.status"}}`)
	var sub api.SubscribeResult
	if err := json.Unmarshal(u.recv()["result"], &sub); err != nil || sub.Sub == 0 {
		t.Fatalf("subscribe: %+v %v", sub, err)
	}
	push := u.recv()
	if string(push["sub"]) == "" {
		t.Fatalf("no push: %v", push)
	}
	var st api.CoreStatus
	if err := json.Unmarshal(push["data"], &st); err != nil || !st.Storage.Available {
		t.Fatalf("status: %+v %v", st, err)
	}
}
