// Command syncbench measures device sync through the relay side by side with pushing the same
// bytes raw through the same relay, in one run, and prints "BENCH <name> <value> <unit>":
//
//	sync_10k_ops_vs_raw_ratio  time for 10,000 operations written on device A (100 per write) to be applied on
//	                           device B (stamp, check, queue and save, merge, seal, push, store
//	                           in JetStream, live fan-out, open, merge, save) ÷ time to push the
//	                           very batches A sealed, as opaque bytes, from one raw session and
//	                           receive them live on another (lower is better; goal ≤ 2). Both
//	                           sides' inputs are ready before their clock starts: the
//	                           operations for the sync side, the sealed batches for the raw one.
//	sync_10k_ops_ms            the sync side's time, for scale
//	sync_10k_ops_app_store_vs_raw_ratio
//	                           the same, both devices keeping their state in the app's store
//	                           (wasm/syncstore: records sealed at rest, in the repository) over
//	                           a database in memory instead of syncspace.MemStore: the
//	                           protocol's cost and the store's, without IndexedDB's own
//	sync_10k_ops_app_store_ms  that side's time, for scale
//
// The relay (embedded NATS JetStream in a temporary directory) runs in this process. Each
// side runs 21 times, alternating, and the median of each is reported. go test
// ./wasm/syncstore -bench SyncStorePath measures the app's store alone beside MemStore.
// SYNCBENCH_VERBOSE=1 prints each round's phases; SYNCBENCH_CPUPROFILE=<file> writes a CPU
// profile.
package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"caliopen/relay/auth"
	relaysync "caliopen/relay/sync"
	"caliopen/shared/syncproto"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
	"caliopen/wasm/syncstore"
)

const (
	ops    = 10_000
	rounds = 21
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "syncbench:", err)
		os.Exit(1)
	}
}

type bench struct {
	url   string
	token string
	log   *relaysync.Log
}

func run() error {
	dir, err := os.MkdirTemp("", "syncbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	backend, err := relaysync.StartEmbedded(dir)
	if err != nil {
		return err
	}
	defer backend.Close(context.Background())
	ctx := context.Background()
	lg, err := relaysync.OpenLog(ctx, backend.JS, relaysync.LogConfig{})
	if err != nil {
		return err
	}
	tokens, err := auth.Open(dir)
	if err != nil {
		return err
	}
	token, err := tokens.Add("bench")
	if err != nil {
		return err
	}
	cfg := relaysync.DefaultConfig()
	cfg.MaxSpaceBytes, cfg.PushRate, cfg.PushBurst = -1, 1e6, 1e6
	srv := relaysync.New(cfg, tokens, lg, slog.New(slog.DiscardHandler))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/sync", srv)
	hs := &http.Server{Handler: mux}
	go hs.Serve(l)
	defer hs.Close()
	b := &bench{url: "ws://" + l.Addr().String() + "/sync", token: token, log: lg}

	if path := os.Getenv("SYNCBENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var syncTimes, rawTimes, appTimes []time.Duration
	for range rounds {
		d, batches, err := b.syncRound(ctx, false)
		if err != nil {
			return err
		}
		syncTimes = append(syncTimes, d)
		r, err := b.rawRound(ctx, batches)
		if err != nil {
			return err
		}
		rawTimes = append(rawTimes, r)
		a, _, err := b.syncRound(ctx, true)
		if err != nil {
			return fmt.Errorf("app store: %w", err)
		}
		appTimes = append(appTimes, a)
		if os.Getenv("SYNCBENCH_VERBOSE") != "" {
			fmt.Fprintf(os.Stderr, "raw: %v (ratio %.2f, with the app's store %.2f)\n", r, float64(d)/float64(r), float64(a)/float64(r))
		}
	}
	s, r, a := median(syncTimes), median(rawTimes), median(appTimes)
	fmt.Printf("BENCH sync_10k_ops_vs_raw_ratio %.2f ratio\n", float64(s)/float64(r))
	fmt.Printf("BENCH sync_10k_ops_ms %d ms\n", s.Milliseconds())
	fmt.Printf("BENCH sync_10k_ops_app_store_vs_raw_ratio %.2f ratio\n", float64(a)/float64(r))
	fmt.Printf("BENCH sync_10k_ops_app_store_ms %d ms\n", a.Milliseconds())
	return nil
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// device starts a device of the space, its state in syncspace.MemStore, or with appStore in
// the app's store over a repository in memory.
func (b *bench) device(ctx context.Context, key *syncspace.Key, name string, applied *atomic.Int64, appStore bool) (*syncspace.Client, error) {
	var st syncspace.Store = &syncspace.MemStore{}
	if appStore {
		db, err := store.OpenMemory(repo.Schema())
		if err != nil {
			return nil, err
		}
		if st, _, err = syncstore.Open(ctx, repo.New(db), key, func() string { return name }); err != nil {
			return nil, err
		}
	}
	return syncspace.New(ctx, syncspace.Config{
		Key: key, Device: name, Token: b.token, Transport: syncspace.WebSocket{URL: b.url}, Store: st,
		Log: slog.New(slog.DiscardHandler),
		// The ratio compares the same batches pushed both ways: no snapshot in between.
		Compaction: syncspace.Compaction{Off: true},
		OnChange: func(chs []syncspace.Change) {
			if applied != nil {
				applied.Add(int64(len(chs)))
			}
		},
	})
}

// syncRound writes ops on device A (a fresh space) and waits until device B applied them all,
// both keeping their state in the app's store with appStore. It returns the time and the
// batches A sealed, as the relay stored them.
func (b *bench) syncRound(ctx context.Context, appStore bool) (time.Duration, [][]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	key, err := syncspace.NewKey()
	if err != nil {
		return 0, nil, err
	}
	var applied atomic.Int64
	devA, err := b.device(ctx, key, "device-a", nil, appStore)
	if err != nil {
		return 0, nil, err
	}
	devB, err := b.device(ctx, key, "device-b", &applied, appStore)
	if err != nil {
		return 0, nil, err
	}
	go devB.Run(ctx)
	if err := waitFor(func() bool { return devB.Status().CaughtUp }); err != nil {
		return 0, nil, err
	}
	go devA.Run(ctx)
	if err := waitFor(func() bool { return devA.Status().State == "connected" }); err != nil {
		return 0, nil, err
	}
	// The operations are built before the clock starts, as the raw side's batches are: what is
	// timed is syncing them, not formatting their content.
	all := make([]syncspace.Op, ops)
	for i := range all {
		// The shape of the app's operations (wasm/app/sync*.go): a direct message's read mark
		// (a field of the entry named by account and X event id) or a contact decision (an
		// element of the contact set, a contacts.Op in JSON).
		all[i] = syncspace.Op{Kind: syncspace.Add, Coll: "contact.ops", Key: "user", Elem: fmt.Sprintf(
			`{"id":"op-%012d","kind":"merge","identities":["email:person%d@example.org","mastodon:person%d@mamot.fr"],"at":"2026-12-07T10:00:00Z"}`, i, i, i)}
		if i%2 == 0 {
			all[i], _ = syncspace.SetOp("message.state", fmt.Sprintf("a5f0c2e9d1b7a3c4 1867%015d", i), "seen", true)
		}
	}
	start := time.Now()
	// The app writes a change's operations together (Client.Write with several): here, as
	// in a bulk action, 100 per write.
	const perWrite = 100
	for i := 0; i < ops; i += perWrite {
		if err := devA.Write(ctx, all[i:i+perWrite]...); err != nil {
			return 0, nil, err
		}
	}
	wrote := time.Since(start)
	if err := waitFor(func() bool { return applied.Load() >= ops }); err != nil {
		return 0, nil, fmt.Errorf("device B applied %d of %d: %w", applied.Load(), ops, err)
	}
	elapsed := time.Since(start)
	var batches [][]byte
	err = b.log.Follow(ctx, key.SpaceID(), 0, false, func(_ uint64, _ [syncproto.PushIDSize]byte, data []byte) error {
		batches = append(batches, slices.Clone(data))
		return nil
	}, func(uint64) error { return nil }, func(uint64) error { return nil })
	if os.Getenv("SYNCBENCH_VERBOSE") != "" {
		fmt.Fprintf(os.Stderr, "sync: wrote in %v, applied in %v, %d batches\n", wrote, elapsed, len(batches))
	}
	return elapsed, batches, err
}

// rawRound pushes the batches as opaque bytes on a fresh space from one raw session, with
// as many pushes in flight as the client allows, and receives them live on another.
func (b *bench) rawRound(ctx context.Context, batches [][]byte) (time.Duration, error) {
	key, err := syncspace.NewKey()
	if err != nil {
		return 0, err
	}
	sub, err := b.rawSession(ctx, key)
	if err != nil {
		return 0, err
	}
	defer sub.CloseNow()
	pub, err := b.rawSession(ctx, key)
	if err != nil {
		return 0, err
	}
	defer pub.CloseNow()
	if err := writeFrame(ctx, sub, syncproto.Pull{Live: true}); err != nil {
		return 0, err
	}
	if f, err := readFrame(ctx, sub); err != nil {
		return 0, err
	} else if _, ok := f.(syncproto.Caught); !ok {
		return 0, fmt.Errorf("raw: expected caught, got %T", f)
	}
	received := make(chan error, 1)
	go func() {
		for n := 0; n < len(batches); {
			f, err := readFrame(ctx, sub)
			if err != nil {
				received <- err
				return
			}
			if _, ok := f.(syncproto.Batch); ok {
				n++
			}
		}
		received <- nil
	}()
	start := time.Now()
	const inFlight = 8
	acks := make(chan error, len(batches))
	go func() {
		for range batches {
			f, err := readFrame(ctx, pub)
			if _, ok := f.(syncproto.Ack); err == nil && !ok {
				err = fmt.Errorf("raw: push answered %T", f)
			}
			acks <- err
		}
	}()
	waiting := 0
	for _, data := range batches {
		if waiting == inFlight {
			if err := <-acks; err != nil {
				return 0, err
			}
			waiting--
		}
		var id [syncproto.PushIDSize]byte
		rand.Read(id[:])
		if err := writeFrame(ctx, pub, syncproto.Push{ID: id, Data: data}); err != nil {
			return 0, err
		}
		waiting++
	}
	if err := <-received; err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func (b *bench) rawSession(ctx context.Context, key *syncspace.Key) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, b.url, &websocket.DialOptions{Subprotocols: []string{syncproto.Subprotocol}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(syncproto.MaxFrameSize)
	f, err := readFrame(ctx, ws)
	if err != nil {
		return nil, err
	}
	ch, ok := f.(syncproto.Challenge)
	if !ok {
		return nil, fmt.Errorf("raw: expected challenge, got %T", f)
	}
	h := syncproto.Hello{Version: syncproto.Version, Token: b.token}
	copy(h.PublicKey[:], key.PublicKey())
	copy(h.Signature[:], key.Sign(syncproto.HelloMessage(ch.Nonce, key.SpaceID())))
	if err := writeFrame(ctx, ws, h); err != nil {
		return nil, err
	}
	if f, err = readFrame(ctx, ws); err != nil {
		return nil, err
	}
	if _, ok := f.(syncproto.Welcome); !ok {
		return nil, fmt.Errorf("raw: expected welcome, got %T", f)
	}
	return ws, nil
}

func writeFrame(ctx context.Context, ws *websocket.Conn, f syncproto.Frame) error {
	b, err := syncproto.Append(nil, f)
	if err != nil {
		return err
	}
	return ws.Write(ctx, websocket.MessageBinary, b)
}

func readFrame(ctx context.Context, ws *websocket.Conn) (syncproto.Frame, error) {
	_, b, err := ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	f, err := syncproto.Parse(b)
	if e, ok := f.(*syncproto.Error); ok {
		return nil, e
	}
	return f, err
}

func waitFor(cond func() bool) error {
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out")
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
