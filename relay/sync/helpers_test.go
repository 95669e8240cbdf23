package relaysync

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"caliopen/relay/auth"
	"caliopen/wasm/syncspace"
)

// relay is one relay's sync endpoint on a real HTTP server, over a backend.
type relay struct {
	t       *testing.T
	backend *Backend
	srv     *Server
	http    *http.Server
	addr    string
	logs    *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTokens returns a real token store with one user and that user's token.
func newTokens(t *testing.T) (*auth.Store, string) {
	t.Helper()
	tokens, err := auth.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Add("alice")
	if err != nil {
		t.Fatal(err)
	}
	return tokens, tok
}

// startRelay serves /sync on addr ("127.0.0.1:0" for any port) over backend.
func startRelay(t *testing.T, backend *Backend, tokens Authenticator, cfg Config, lcfg LogConfig, addr string) *relay {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lg, err := OpenLog(ctx, backend.JS, lcfg)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	srv := New(cfg, tokens, lg, slog.New(slog.NewTextHandler(logs, nil)))
	mux := http.NewServeMux()
	mux.Handle("/sync", srv)
	var l net.Listener
	for range 50 { // a restarted relay takes its address back once the old socket is gone
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{t: t, backend: backend, srv: srv, http: &http.Server{Handler: mux}, addr: l.Addr().String(), logs: logs}
	go r.http.Serve(l)
	t.Cleanup(r.stop)
	return r
}

func (r *relay) url() string { return "ws://" + r.addr + "/sync" }

// stop shuts the HTTP server and the sync sessions down (not the backend).
func (r *relay) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
	_ = r.http.Shutdown(ctx)
}

func embedded(t *testing.T, dir string) *Backend {
	t.Helper()
	b, err := StartEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.Close(ctx)
	})
	return b
}

// device is one app instance syncing a space.
type device struct {
	*syncspace.Client
	store  *recStore
	cfg    syncspace.Config
	cancel context.CancelFunc
	done   chan struct{}
}

func newDevice(t *testing.T, key *syncspace.Key, name, url, token string) *device {
	t.Helper()
	return newDeviceWith(t, key, name, url, token, nil)
}

// newDeviceWith is newDevice with its configuration changed by tune.
func newDeviceWith(t *testing.T, key *syncspace.Key, name, url, token string, tune func(*syncspace.Config)) *device {
	t.Helper()
	store := &recStore{storedAt: map[syncspace.HLC]uint64{}}
	cfg := syncspace.Config{
		Key: key, Device: name, Token: token, Transport: syncspace.WebSocket{URL: url}, Store: store,
		Log: slog.New(slog.DiscardHandler),
	}
	if tune != nil {
		tune(&cfg)
	}
	c, err := syncspace.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &device{Client: c, store: store, cfg: cfg}
	t.Cleanup(d.stop)
	return d
}

// restart stops the device and starts it again from what it saved, as after closing the app.
func (d *device) restart(t *testing.T) {
	t.Helper()
	d.stop()
	c, err := syncspace.New(context.Background(), d.cfg)
	if err != nil {
		t.Fatal(err)
	}
	d.Client = c
	d.start()
}

// recStore is a MemStore that also records what its device wrote and where the relay
// stored it, and the compaction steps it took: the uncompacted log, to compare with.
type recStore struct {
	syncspace.MemStore
	mu       sync.Mutex
	written  []syncspace.Op
	storedAt map[syncspace.HLC]uint64 // the first sequence number the relay stored each at
	gaps     int                      // times the device learned the log was trimmed past it
	compacts int                      // snapshots it compacted its log with
}

func (s *recStore) Enqueue(ctx context.Context, ops []syncspace.Op) error {
	s.mu.Lock()
	s.written = append(s.written, ops...)
	s.mu.Unlock()
	return s.MemStore.Enqueue(ctx, ops)
}

func (s *recStore) Acked(ctx context.Context, ats []syncspace.HLC, seq uint64) error {
	s.mu.Lock()
	for _, at := range ats {
		if cur, ok := s.storedAt[at]; !ok || seq < cur {
			s.storedAt[at] = seq
		}
	}
	s.mu.Unlock()
	return s.MemStore.Acked(ctx, ats, seq)
}

func (s *recStore) SetGap(ctx context.Context, gap uint64) error {
	s.mu.Lock()
	s.gaps++
	s.mu.Unlock()
	return s.MemStore.SetGap(ctx, gap)
}

func (s *recStore) Compact(ctx context.Context, upto uint64) error {
	s.mu.Lock()
	s.compacts++
	s.mu.Unlock()
	return s.MemStore.Compact(ctx, upto)
}

func (s *recStore) counts() (gaps, compacts int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gaps, s.compacts
}

// uncompacted is the state the devices' operations make, each claim at the place the relay
// stored it: what the whole log, never compacted, gives. It is "" while a claim is not
// stored yet.
func uncompacted(devs ...*device) string {
	st := syncspace.NewState()
	for _, d := range devs {
		d.store.mu.Lock()
		ops, storedAt := slices.Clone(d.store.written), maps.Clone(d.store.storedAt)
		d.store.mu.Unlock()
		for _, op := range ops {
			seq := uint64(1) // only claims depend on it
			if op.Kind == syncspace.Claim {
				if seq = storedAt[op.At]; seq == 0 {
					return ""
				}
			}
			st.Apply(op, seq)
		}
	}
	return st.Dump()
}

// quickCompaction makes snapshots due after little log, written at once.
func quickCompaction(minBytes int64) func(*syncspace.Config) {
	return func(c *syncspace.Config) {
		c.Compaction = syncspace.Compaction{MinBytes: minBytes, Delay: 20 * time.Millisecond}
	}
}

func (d *device) start() {
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel, d.done = cancel, make(chan struct{})
	go func() { defer close(d.done); _ = d.Run(ctx) }()
}

func (d *device) stop() {
	if d.cancel != nil {
		d.cancel()
		<-d.done
		d.cancel = nil
	}
}

func (d *device) dump() string {
	var s string
	d.View(func(st *syncspace.State) { s = st.Dump() })
	return s
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeN writes n settings from a device, keys prefix0..prefix(n-1).
func writeN(t *testing.T, d *device, prefix string, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := d.Set(context.Background(), "t", fmt.Sprintf("%s%d", prefix, i), "v", i); err != nil {
			t.Fatal(err)
		}
	}
}

func keysWith(d *device, prefix string) int {
	n := 0
	d.View(func(st *syncspace.State) {
		for _, k := range st.Keys("t") {
			if strings.HasPrefix(k, prefix) {
				n++
			}
		}
	})
	return n
}

// converged waits until every device holds want keys and the same state, with nothing pending.
func converged(t *testing.T, within time.Duration, want int, devs ...*device) {
	t.Helper()
	eventually(t, within, "convergence", func() bool {
		first := devs[0].dump()
		for _, d := range devs {
			if keysWith(d, "") != want || d.Status().Pending != 0 || d.dump() != first {
				return false
			}
		}
		return true
	})
}
