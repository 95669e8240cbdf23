package relaysync

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nats-io/nats.go/jetstream"

	"caliopen/shared/syncproto"
	"caliopen/wasm/syncspace"
)

func TestTwoDevicesConvergeAndClaimOnce(t *testing.T) {
	tokens, tok := newTokens(t)
	r := startRelay(t, embedded(t, t.TempDir()), tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	a := newDevice(t, key, "phone", r.url(), tok)
	b := newDevice(t, key, "desktop", r.url(), tok)
	a.start()
	b.start()
	writeN(t, a, "a", 0, 50)
	converged(t, 20*time.Second, 50, a, b)

	// Both offline: each edits, including the same field; then both reconnect.
	a.stop()
	b.stop()
	writeN(t, a, "a", 50, 60)
	writeN(t, b, "b", 0, 10)
	ctx := context.Background()
	if err := a.Set(ctx, "t", "a0", "v", "from phone"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if err := b.Set(ctx, "t", "a0", "v", "from desktop, later"); err != nil {
		t.Fatal(err)
	}
	if err := a.Claim(ctx, "outbox", "reply-1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "outbox", "reply-1"); err != nil {
		t.Fatal(err)
	}
	if a.ClaimStatus("outbox", "reply-1") != syncspace.ClaimPending {
		t.Fatal("a claim is decided before the relay ordered it")
	}
	a.start()
	b.start()
	converged(t, 20*time.Second, 70, a, b)
	var v string
	b.View(func(st *syncspace.State) { _, _ = st.Field("t", "a0", "v", &v) })
	if v != "from desktop, later" {
		t.Fatalf("a0 = %q: the later write did not win", v)
	}
	eventually(t, 10*time.Second, "claims decided", func() bool {
		return a.ClaimStatus("outbox", "reply-1") != syncspace.ClaimPending && b.ClaimStatus("outbox", "reply-1") != syncspace.ClaimPending
	})
	ra, rb := a.ClaimStatus("outbox", "reply-1"), b.ClaimStatus("outbox", "reply-1")
	if (ra == syncspace.ClaimWon) == (rb == syncspace.ClaimWon) {
		t.Fatalf("claims: phone %v, desktop %v: exactly one must win", ra, rb)
	}
}

// dialRaw opens a raw session and returns the challenge.
func dialRaw(t *testing.T, url string) (*websocket.Conn, syncproto.Challenge) {
	t.Helper()
	ws, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{Subprotocols: []string{syncproto.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := ws.Read(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f, err := syncproto.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return ws, f.(syncproto.Challenge)
}

func send(t *testing.T, ws *websocket.Conn, f syncproto.Frame) {
	t.Helper()
	b, err := syncproto.Append(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Write(context.Background(), websocket.MessageBinary, b); err != nil {
		t.Fatal(err)
	}
}

func recv(t *testing.T, ws *websocket.Conn) syncproto.Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := ws.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	f, err := syncproto.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func hello(key *syncspace.Key, ch syncproto.Challenge, token string) syncproto.Hello {
	h := syncproto.Hello{Version: syncproto.Version, Token: token}
	copy(h.PublicKey[:], key.PublicKey())
	copy(h.Signature[:], key.Sign(syncproto.HelloMessage(ch.Nonce, key.SpaceID())))
	return h
}

func wantError(t *testing.T, f syncproto.Frame, code syncproto.Code) *syncproto.Error {
	t.Helper()
	e, ok := f.(*syncproto.Error)
	if !ok || e.Code != code {
		t.Fatalf("got %#v, want error %v", f, code)
	}
	return e
}

func TestRefusals(t *testing.T) {
	tokens, tok := newTokens(t)
	cfg := DefaultConfig()
	cfg.MaxBatch, cfg.MaxSpaceBytes, cfg.PushRate, cfg.PushBurst = 4096, 10000, 0.01, 5
	r := startRelay(t, embedded(t, t.TempDir()), tokens, cfg, LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()

	t.Run("bad token", func(t *testing.T) {
		ws, ch := dialRaw(t, r.url())
		send(t, ws, hello(key, ch, "crt_nope"))
		wantError(t, recv(t, ws), syncproto.CodeAuthFailed)
	})
	t.Run("signature by another key", func(t *testing.T) {
		ws, ch := dialRaw(t, r.url())
		h := hello(key, ch, tok)
		_, other, _ := ed25519.GenerateKey(rand.Reader)
		copy(h.Signature[:], ed25519.Sign(other, syncproto.HelloMessage(ch.Nonce, key.SpaceID())))
		send(t, ws, h)
		wantError(t, recv(t, ws), syncproto.CodeAuthFailed)
	})
	t.Run("signature replayed from another session", func(t *testing.T) {
		ws1, ch1 := dialRaw(t, r.url())
		defer ws1.CloseNow()
		ws, _ := dialRaw(t, r.url())
		send(t, ws, hello(key, ch1, tok))
		wantError(t, recv(t, ws), syncproto.CodeAuthFailed)
	})
	t.Run("limits", func(t *testing.T) {
		ws, ch := dialRaw(t, r.url())
		send(t, ws, hello(key, ch, tok))
		if _, ok := recv(t, ws).(syncproto.Welcome); !ok {
			t.Fatal("no welcome")
		}
		send(t, ws, syncproto.Push{ID: [16]byte{1}, Data: make([]byte, 5000)})
		wantError(t, recv(t, ws), syncproto.CodeTooLarge)
		for i := range 2 {
			send(t, ws, syncproto.Push{ID: [16]byte{2, byte(i)}, Data: make([]byte, 3000)})
			if a, ok := recv(t, ws).(syncproto.Ack); !ok || a.Seq != uint64(i+1) {
				t.Fatalf("push %d: %#v", i, a)
			}
		}
		// The same push again (a retry) is not stored twice and keeps its sequence number.
		send(t, ws, syncproto.Push{ID: [16]byte{2, 0}, Data: make([]byte, 3000)})
		if a, ok := recv(t, ws).(syncproto.Ack); !ok || a.Seq != 1 {
			t.Fatalf("retried push: %#v", a)
		}
		send(t, ws, syncproto.Push{ID: [16]byte{2, 2}, Data: make([]byte, 3000)})
		if _, ok := recv(t, ws).(syncproto.Ack); !ok {
			t.Fatal("push within quota refused")
		}
		e := wantError(t, func() syncproto.Frame {
			send(t, ws, syncproto.Push{ID: [16]byte{3}, Data: make([]byte, 3000)})
			return recv(t, ws)
		}(), syncproto.CodeQuota)
		if e.Push != [16]byte{3} || !strings.Contains(e.Message, "10000") {
			t.Fatalf("quota error %+v", e)
		}
		// Rate: the burst (5) is spent.
		send(t, ws, syncproto.Push{ID: [16]byte{4}, Data: []byte{1}})
		wantError(t, recv(t, ws), syncproto.CodeRateLimited)

		// Reconnecting does not give the space a new burst.
		ws.CloseNow()
		ws, ch = dialRaw(t, r.url())
		defer ws.CloseNow()
		send(t, ws, hello(key, ch, tok))
		if _, ok := recv(t, ws).(syncproto.Welcome); !ok {
			t.Fatal("no welcome after reconnecting")
		}
		send(t, ws, syncproto.Push{ID: [16]byte{5}, Data: []byte{1}})
		wantError(t, recv(t, ws), syncproto.CodeRateLimited)
	})
}

// TestRelayStoresOnlyCiphertext writes settings carrying a marker, has the devices compact
// the log (snapshots and a trim), then reads every message JetStream holds (the log with its
// snapshots, the trim points, and the usage bucket) and the relay's logs: the marker must not
// appear anywhere.
func TestRelayStoresOnlyCiphertext(t *testing.T) {
	const marker = "PLAINTEXT-MARKER-7f3a"
	tokens, tok := newTokens(t)
	backend := embedded(t, t.TempDir())
	r := startRelay(t, backend, tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	a := newDeviceWith(t, key, "phone", r.url(), tok, quickCompaction(8<<10))
	b := newDeviceWith(t, key, "desktop", r.url(), tok, quickCompaction(8<<10))
	a.start()
	b.start()
	ctx := context.Background()
	for i := range 40 {
		op, _ := syncspace.SetOp("setting", marker+"-key", "v", map[string]any{"marker": marker, "i": i})
		if err := a.Write(ctx, op, syncspace.Op{Kind: syncspace.Add, Coll: "links", Key: marker, Elem: fmt.Sprintf("email:%s-%d@example.org", marker, i)}); err != nil {
			t.Fatal(err)
		}
		if err := a.Claim(ctx, "outbox", fmt.Sprint(marker, i)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
	eventually(t, 20*time.Second, "delivery and a trim", func() bool {
		return strings.Contains(b.dump(), marker) && a.Status().Pending == 0 && trimPoint(t, r, key) > 0
	})

	streams := backend.JS.ListStreams(ctx)
	var stored, snapshots int
	for info := range streams.Info() {
		s, err := backend.JS.Stream(ctx, info.Config.Name)
		if err != nil {
			t.Fatal(err)
		}
		for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
			m, err := s.GetMsg(ctx, seq)
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			stored++
			hdr, _ := json.Marshal(m.Header)
			if strings.Contains(string(m.Data), marker) || strings.Contains(m.Subject, marker) || strings.Contains(string(hdr), marker) {
				t.Fatalf("plaintext marker in stream %s message %d", info.Config.Name, seq)
			}
			if _, part, err := key.OpenBatch(m.Data); err == nil && part != nil {
				snapshots++
			}
		}
	}
	if err := streams.Err(); err != nil {
		t.Fatal(err)
	}
	if stored < 2 || snapshots == 0 {
		t.Fatalf("%d messages stored, %d of a snapshot: the scan saw too little", stored, snapshots)
	}
	if strings.Contains(r.logs.String(), marker) {
		t.Fatal("plaintext marker in the relay's logs")
	}
}
