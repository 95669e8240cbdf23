package relaysync

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"caliopen/shared/syncproto"
	"caliopen/wasm/syncspace"
)

// writeRandom makes a device write 1 to 3 random operations over few keys and elements.
func writeRandom(t *testing.T, rng *rand.Rand, d *device) {
	t.Helper()
	ctx := context.Background()
	keys := []string{"k1", "k2", "k3", "k4"}
	elems := []string{"x", "y", "z"}
	for range 1 + rng.IntN(3) {
		key := keys[rng.IntN(len(keys))]
		var err error
		switch rng.IntN(6) {
		case 0, 1:
			err = d.Set(ctx, "c", key, []string{"a", "b"}[rng.IntN(2)], rng.IntN(1000))
		case 2:
			err = d.Delete(ctx, "c", key)
		case 3:
			err = d.Add(ctx, "c", key, elems[rng.IntN(len(elems))])
		case 4:
			err = d.Remove(ctx, "c", key, elems[rng.IntN(len(elems))])
		case 5:
			err = d.Claim(ctx, "outbox", key)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestCompactionConvergesThroughTheRelay is the property test of compaction through a real
// relay on JetStream: devices write random operations (fields, tombstones, set adds and
// removes, claims), go offline and come back, restart from what they saved, and write
// snapshots and trim the log whenever a little log piled up; a device is kept offline across
// a trim, and another joins after it. Every device ends in the state of the uncompacted log
// (the devices' operations, each claim where the relay stored it).
func TestCompactionConvergesThroughTheRelay(t *testing.T) {
	tokens, tok := newTokens(t)
	r := startRelay(t, embedded(t, t.TempDir()), tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	for round := range 6 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(round), 17))
			key, _ := syncspace.NewKey()
			tune := func(c *syncspace.Config) {
				quickCompaction([]int64{3 << 10, 8 << 10, 24 << 10}[rng.IntN(3)])(c)
				c.BatchBytes = 256 // many small batches
			}
			devs := []*device{}
			for _, name := range []string{"phone", "desktop", "tablet"} {
				d := newDeviceWith(t, key, name, r.url(), tok, tune)
				d.start()
				devs = append(devs, d)
			}
			running := map[*device]bool{devs[0]: true, devs[1]: true, devs[2]: true}
			for range 150 {
				d := devs[rng.IntN(len(devs))]
				switch x := rng.IntN(10); {
				case x < 6:
					writeRandom(t, rng, d)
				case x < 7 && running[d]:
					d.stop()
					running[d] = false
				case x < 8 && !running[d]:
					d.start()
					running[d] = true
				case x < 9 && running[d] && d.Status().Pending == 0:
					d.restart(t)
				default:
					time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
				}
			}
			// One device stays offline across a trim; another joins after it.
			away := devs[rng.IntN(len(devs))]
			if running[away] {
				away.stop()
			}
			for _, d := range devs {
				if d != away && !running[d] {
					d.start()
				}
			}
			point0 := trimPoint(t, r, key)
			for i := 0; trimPoint(t, r, key) <= max(point0, away.Status().Cursor); i++ {
				writeRandom(t, rng, devs[(i%2+indexOf(devs, away)+1)%len(devs)])
				time.Sleep(5 * time.Millisecond)
				if i > 2000 {
					t.Fatal("no trim past the offline device")
				}
			}
			writeRandom(t, rng, away) // offline edits, pushed on return
			away.start()
			late := newDeviceWith(t, key, "laptop", r.url(), tok, tune)
			late.start()
			writeRandom(t, rng, late)
			devs = append(devs, late)

			var want string
			eventually(t, 60*time.Second, "convergence to the uncompacted log", func() bool {
				if want = uncompacted(devs...); want == "" {
					return false
				}
				for _, d := range devs {
					if d.Status().Pending != 0 || d.Status().Rebuilding || d.dump() != want {
						return false
					}
				}
				return true
			})
			for _, d := range []*device{away, late} {
				if gaps, compacts := d.store.counts(); gaps == 0 || compacts == 0 {
					t.Errorf("%s came after a trim: told %d times, compacted %d times", d.Device(), gaps, compacts)
				}
			}
			for _, d := range devs {
				gaps, compacts := d.store.counts()
				t.Logf("%s: %d operations written, told of a trim %d times, compacted %d times; log trimmed up to %d of %d",
					d.Device(), len(d.store.written), gaps, compacts, trimPoint(t, r, key), d.Status().Cursor)
			}
			// What each device saved starts at a snapshot: started again, it has the same state.
			for _, d := range devs {
				d.restart(t)
				if d.dump() != want {
					t.Fatalf("%s started again from its saved log differs", d.Device())
				}
			}
		})
	}
}

func indexOf(devs []*device, d *device) int {
	for i, o := range devs {
		if o == d {
			return i
		}
	}
	return -1
}

func trimPoint(t *testing.T, r *relay, key *syncspace.Key) uint64 {
	t.Helper()
	p, err := r.srv.log.TrimPoint(context.Background(), key.SpaceID())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func usage(t *testing.T, r *relay, key *syncspace.Key) int64 {
	t.Helper()
	u, err := r.srv.log.Usage(context.Background(), key.SpaceID())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestClaimsStayDecidedAcrossCompaction: a claim decided before a snapshot is decided the
// same way after the log was trimmed, on the devices that saw it, on a device that comes
// back or joins after the trim, and after restarts; nobody else ever wins it.
func TestClaimsStayDecidedAcrossCompaction(t *testing.T) {
	tokens, tok := newTokens(t)
	r := startRelay(t, embedded(t, t.TempDir()), tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	ctx := context.Background()
	a := newDeviceWith(t, key, "phone", r.url(), tok, quickCompaction(4<<10))
	b := newDeviceWith(t, key, "desktop", r.url(), tok, quickCompaction(4<<10))
	away := newDeviceWith(t, key, "tablet", r.url(), tok, quickCompaction(4<<10))
	a.start()
	b.start()
	if err := away.Claim(ctx, "outbox", "reply-1"); err != nil { // offline: not ordered yet
		t.Fatal(err)
	}
	if err := a.Claim(ctx, "outbox", "reply-1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a's claim decided", func() bool { return a.ClaimStatus("outbox", "reply-1") == syncspace.ClaimWon })
	if err := b.Claim(ctx, "outbox", "reply-1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "b's claim decided", func() bool { return b.ClaimStatus("outbox", "reply-1") == syncspace.ClaimLost })
	var claimedAt uint64
	a.View(func(st *syncspace.State) { _, claimedAt, _ = st.ClaimWinner("outbox", "reply-1") })
	for i := 0; trimPoint(t, r, key) <= claimedAt; i++ {
		writeN(t, a, "a", i*20, i*20+20)
		time.Sleep(10 * time.Millisecond)
		if i > 500 {
			t.Fatal("no trim past the claim")
		}
	}
	away.start()
	late := newDeviceWith(t, key, "laptop", r.url(), tok, quickCompaction(4<<10))
	late.start()
	if err := late.Claim(ctx, "outbox", "reply-1"); err != nil {
		t.Fatal(err)
	}
	devs := []*device{a, b, away, late}
	eventually(t, 30*time.Second, "convergence", func() bool {
		for _, d := range devs {
			if d.Status().Pending != 0 || d.Status().Rebuilding || d.dump() != a.dump() {
				return false
			}
		}
		return true
	})
	check := func(when string) {
		t.Helper()
		for _, d := range devs {
			want := syncspace.ClaimLost
			if d == a {
				want = syncspace.ClaimWon
			}
			if got := d.ClaimStatus("outbox", "reply-1"); got != want {
				t.Fatalf("%s: %s's claim is %v, want %v", when, d.Device(), got, want)
			}
		}
	}
	check("after the trim")
	for _, d := range devs {
		d.restart(t)
	}
	check("after restarting from the compacted stores")
}

// gatedTransport holds a device's Pull back until released (its pushes go), and pauses what
// it reads after the batch at pauseAfter, so that a test can look at the device between two
// batches.
type gatedTransport struct {
	syncspace.Transport
	pull       chan struct{} // closed: the Pull goes
	pauseAfter atomic.Uint64
	paused     chan struct{} // closed when paused
	resume     chan struct{} // closed: reading goes on
	once       sync.Once
}

type gatedConn struct {
	syncspace.Conn
	g     *gatedTransport
	pause bool
}

func (g *gatedTransport) Dial(ctx context.Context) (syncspace.Conn, error) {
	c, err := g.Transport.Dial(ctx)
	if err != nil {
		return nil, err
	}
	return &gatedConn{Conn: c, g: g}, nil
}

func (c *gatedConn) Write(ctx context.Context, frame []byte) error {
	if f, err := syncproto.Parse(frame); err == nil {
		if _, ok := f.(syncproto.Pull); ok {
			go func() { // coder/websocket writes may be concurrent
				select {
				case <-c.g.pull:
					_ = c.Conn.Write(ctx, frame)
				case <-ctx.Done():
				}
			}()
			return nil
		}
	}
	return c.Conn.Write(ctx, frame)
}

func (c *gatedConn) Read(ctx context.Context) ([]byte, error) {
	if c.pause {
		c.g.once.Do(func() { close(c.g.paused) })
		select {
		case <-c.g.resume:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b, err := c.Conn.Read(ctx)
	if err == nil {
		if f, perr := syncproto.Parse(b); perr == nil {
			if bt, ok := f.(syncproto.Batch); ok && bt.Seq == c.g.pauseAfter.Load() {
				c.pause = true
			}
		}
	}
	return b, err
}

// TestNoClaimDecidedBeforeTheSnapshotIsRead builds the one order where a device that comes
// back after a trim reads a claim of its own before the snapshot holding an earlier claim:
// its claim stored after the snapshot's point but before the snapshot. Between the two, the
// device must not see its claim won (it would send a message the other device sent);
// after, it has lost.
func TestNoClaimDecidedBeforeTheSnapshotIsRead(t *testing.T) {
	tokens, tok := newTokens(t)
	r := startRelay(t, embedded(t, t.TempDir()), tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	ctx := context.Background()
	off := func(c *syncspace.Config) { c.Compaction.Off = true }
	a := newDeviceWith(t, key, "phone", r.url(), tok, off)
	a.start()
	gate := &gatedTransport{Transport: syncspace.WebSocket{URL: r.url()}, pull: make(chan struct{}), paused: make(chan struct{}), resume: make(chan struct{})}
	back := newDeviceWith(t, key, "tablet", r.url(), tok, func(c *syncspace.Config) {
		off(c)
		c.Transport = gate
	})
	// The tablet claims while offline; the phone claims and wins.
	if err := back.Claim(ctx, "outbox", "reply-1"); err != nil {
		t.Fatal(err)
	}
	writeN(t, a, "a", 0, 10)
	if err := a.Claim(ctx, "outbox", "reply-1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the phone's claim decided", func() bool { return a.ClaimStatus("outbox", "reply-1") == syncspace.ClaimWon })
	writeN(t, a, "a", 10, 20)
	eventually(t, 10*time.Second, "the phone's writes stored", func() bool { return a.Status().Pending == 0 })

	// A snapshot of the log as it is, written by hand.
	ws, ch := dialRaw(t, r.url())
	defer ws.CloseNow()
	send(t, ws, hello(key, ch, tok))
	recv(t, ws) // welcome
	send(t, ws, syncproto.Pull{})
	state := syncspace.NewState()
	var upto uint64
	for upto == 0 {
		switch f := recv(t, ws).(type) {
		case syncproto.Batch:
			ops, err := key.Open(f.Data)
			if err != nil {
				t.Fatal(err)
			}
			for _, op := range ops {
				state.Apply(op, f.Seq)
			}
		case syncproto.Caught:
			upto = f.Head
		}
	}
	// The tablet comes back: its claim is stored after the snapshot's point...
	back.start()
	eventually(t, 10*time.Second, "the tablet's claim stored", func() bool { return back.Status().Pending == 0 })
	back.store.mu.Lock()
	backAt := back.store.storedAt[back.store.written[0].At]
	back.store.mu.Unlock()
	if backAt <= upto {
		t.Fatalf("the tablet's claim at %d, not after %d", backAt, upto)
	}
	// ...and before the snapshot, then the log is trimmed up to the snapshot's point.
	sealed, err := key.SealSnapshot(state.SnapshotOps(), syncspace.SnapshotPart{ID: [16]byte{7}, Upto: upto, Part: 0, Parts: 1})
	if err != nil {
		t.Fatal(err)
	}
	send(t, ws, syncproto.Push{ID: [16]byte{7}, Data: sealed, Snapshot: true})
	ack, ok := recv(t, ws).(syncproto.Ack)
	if !ok || ack.Seq <= backAt {
		t.Fatalf("snapshot stored: %#v", ack)
	}
	send(t, ws, syncproto.Trim{Upto: upto, Parts: []uint64{ack.Seq}})
	if tr, ok := recv(t, ws).(syncproto.Trimmed); !ok || tr.Upto != upto {
		t.Fatalf("trim answered %#v", tr)
	}

	// The tablet now pulls from before the trim; it stops after reading its own claim.
	gate.pauseAfter.Store(backAt)
	close(gate.pull)
	select {
	case <-gate.paused:
	case <-time.After(10 * time.Second):
		t.Fatal("the tablet did not read its claim")
	}
	eventually(t, 5*time.Second, "the tablet's cursor at its claim", func() bool { return back.Status().Cursor == backAt })
	if got := back.ClaimStatus("outbox", "reply-1"); got != syncspace.ClaimPending {
		t.Fatalf("between its claim and the snapshot, the tablet's claim is %v, want pending", got)
	}
	if !back.Status().Rebuilding {
		t.Fatal("the tablet does not say it is reading on to a snapshot")
	}
	close(gate.resume)
	eventually(t, 10*time.Second, "the tablet read the snapshot", func() bool {
		return back.ClaimStatus("outbox", "reply-1") == syncspace.ClaimLost && !back.Status().Rebuilding
	})
	if a.ClaimStatus("outbox", "reply-1") != syncspace.ClaimWon {
		t.Fatal("the phone's claim changed")
	}
	eventually(t, 10*time.Second, "convergence", func() bool { return back.dump() == a.dump() })
}

// TestTrimFreesTheQuota: a space that hits its quota has a device write a snapshot (allowed
// past the quota) and trim the log; the usage goes down and the writes held back go through.
func TestTrimFreesTheQuota(t *testing.T) {
	tokens, tok := newTokens(t)
	cfg := DefaultConfig()
	cfg.MaxSpaceBytes = 64 << 10
	r := startRelay(t, embedded(t, t.TempDir()), tokens, cfg, LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	var quotaHit atomic.Bool
	a := newDeviceWith(t, key, "phone", r.url(), tok, func(c *syncspace.Config) {
		quickCompaction(1 << 30)(c) // only the quota makes a snapshot due
		c.OnStatus = func(s syncspace.Status) {
			if s.ErrorCode == int(syncproto.CodeQuota) {
				quotaHit.Store(true)
			}
		}
	})
	b := newDeviceWith(t, key, "desktop", r.url(), tok, quickCompaction(1<<30))
	a.start()
	b.start()
	ctx := context.Background()
	var highest, lowAfterHighest int64 = 0, -1
	sample := func() {
		u := usage(t, r, key)
		if u > highest {
			highest, lowAfterHighest = u, -1
		} else if lowAfterHighest < 0 || u < lowAfterHighest {
			lowAfterHighest = u
		}
		if highest >= 48<<10 && lowAfterHighest >= 0 && lowAfterHighest < 16<<10 {
			highest = 1 << 62 // the drop was seen: stop looking
		}
	}
	for i := range 200 { // the same few fields over and over: a small state, a long log
		if err := a.Set(ctx, "t", fmt.Sprint("k", i%5), "v", i); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond) // one batch each
		sample()
	}
	eventually(t, 30*time.Second, "everything stored and read", func() bool {
		sample()
		return a.Status().Pending == 0 && b.Status().Pending == 0 && keysWith(b, "k") == 5 && a.dump() == b.dump()
	})
	if !quotaHit.Load() {
		t.Fatal("the quota was never reached: the test proves nothing")
	}
	if trimPoint(t, r, key) == 0 {
		t.Fatal("no trim")
	}
	var v int
	b.View(func(st *syncspace.State) { _, _ = st.Field("t", "k4", "v", &v) })
	if v != 199 {
		t.Fatalf("k4 = %d, want the last write, 199", v)
	}
	if highest != 1<<62 {
		t.Fatalf("usage never went from near the quota (%d at most) to a fraction of it", highest)
	}
	if a.Status().ErrorCode != 0 {
		t.Fatalf("the quota error stays: %+v", a.Status())
	}
}

// TestTrimRefusals: the relay trims only up to a snapshot it stores after the trim point, in
// the same space; a trim behind the trim point changes nothing.
func TestTrimRefusals(t *testing.T) {
	tokens, tok := newTokens(t)
	r := startRelay(t, embedded(t, t.TempDir()), tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	other, _ := syncspace.NewKey()
	session := func(k *syncspace.Key) *websocket.Conn {
		ws, ch := dialRaw(t, r.url())
		t.Cleanup(func() { ws.CloseNow() })
		send(t, ws, hello(k, ch, tok))
		if w, ok := recv(t, ws).(syncproto.Welcome); !ok || w.Features&syncproto.FeatureTrim == 0 {
			t.Fatalf("welcome %#v", w)
		}
		return ws
	}
	push := func(ws *websocket.Conn, id byte) uint64 {
		send(t, ws, syncproto.Push{ID: [16]byte{id}, Data: []byte("sealed batch"), Snapshot: id%2 == 0})
		a, ok := recv(t, ws).(syncproto.Ack)
		if !ok {
			t.Fatal("push refused")
		}
		return a.Seq
	}
	ws := session(key)
	s1, s2, s3 := push(ws, 1), push(ws, 2), push(ws, 3)
	elsewhere := push(session(other), 4)
	for _, bad := range []syncproto.Trim{
		{Upto: s1, Parts: []uint64{s1}},           // the snapshot is not after the point
		{Upto: s1, Parts: []uint64{s3 + 100}},     // not stored
		{Upto: s1, Parts: []uint64{elsewhere}},    // another space's
		{Upto: s1, Parts: []uint64{s2, s3 + 100}}, // one part missing
	} {
		ws := session(key)
		send(t, ws, bad)
		wantError(t, recv(t, ws), syncproto.CodeBadRequest)
	}
	if p := trimPoint(t, r, key); p != 0 {
		t.Fatalf("refused trims moved the trim point to %d", p)
	}
	ws = session(key)
	send(t, ws, syncproto.Trim{Upto: s2, Parts: []uint64{s3}})
	if tr, ok := recv(t, ws).(syncproto.Trimmed); !ok || tr.Upto != s2 {
		t.Fatalf("trim answered %#v", tr)
	}
	// Behind the point, a snapshot that a further trim dropped: nothing more, and no error.
	send(t, ws, syncproto.Trim{Upto: s1, Parts: []uint64{s2}})
	if tr, ok := recv(t, ws).(syncproto.Trimmed); !ok || tr.Upto != s2 {
		t.Fatalf("a trim behind the point answered %#v", tr)
	}
	if u := usage(t, r, key); u != int64(len("sealed batch")) {
		t.Fatalf("usage %d after the trim, want the one batch left", u)
	}
	// A pull from before the trim point is told so first, then gets what is left.
	send(t, ws, syncproto.Pull{After: 0})
	if tr, ok := recv(t, ws).(syncproto.Trimmed); !ok || tr.Upto != s2 {
		t.Fatalf("pull from 0 got %#v first", tr)
	}
	if b, ok := recv(t, ws).(syncproto.Batch); !ok || b.Seq != s3 {
		t.Fatalf("then %#v", b)
	}
	if c, ok := recv(t, ws).(syncproto.Caught); !ok || c.Head != s3 {
		t.Fatalf("then %#v", c)
	}
	// The other space is untouched.
	if u := usage(t, r, other); u != int64(len("sealed batch")) {
		t.Fatalf("the other space's usage %d", u)
	}
}

// TestCompactionAcrossRelays: on a 3-node NATS cluster shared by two relays, a device on
// relay A writes snapshots and trims the log while a device of relay B is offline; the NATS
// node relay A talks to goes away meanwhile. The device on B comes back, is told of the trim
// by relay B, and converges; a device joining through B too; the usage went down.
func TestCompactionAcrossRelays(t *testing.T) {
	nodes := startCluster(t)
	relayA, tokA, relayB, tokB := twoRelays(t, nodes)
	key, _ := syncspace.NewKey()
	a := newDeviceWith(t, key, "phone", relayA.url(), tokA, quickCompaction(16<<10))
	b := newDeviceWith(t, key, "desktop", relayB.url(), tokB, quickCompaction(16<<10))
	a.start()
	b.start()
	writeN(t, a, "a", 0, 50)
	writeN(t, b, "b", 0, 50)
	converged(t, 30*time.Second, 100, a, b)
	b.stop()
	cursorB := b.Status().Cursor

	written := 100
	for i := 0; trimPoint(t, relayB, key) <= cursorB; i++ {
		writeN(t, a, "a", written, written+10)
		written += 10
		time.Sleep(5 * time.Millisecond)
		if i == 20 { // mid-sync, the node relay A talks to goes away
			stopNodeOf(nodes, relayA.backend)
		}
		if i > 1000 {
			t.Fatal("no trim past the offline device")
		}
	}
	highest := usage(t, relayB, key)
	writeN(t, b, "b", 50, 60) // offline edits
	b.start()
	c := newDeviceWith(t, key, "laptop", relayB.url(), tokB, quickCompaction(16<<10))
	c.start()
	want := written - 50 + 60
	eventually(t, 90*time.Second, "convergence after the trim", func() bool {
		for _, d := range []*device{a, b, c} {
			if keysWith(d, "") != want || d.Status().Pending != 0 || d.Status().Rebuilding || d.dump() != a.dump() {
				return false
			}
		}
		return true
	})
	for _, d := range []*device{b, c} {
		if gaps, _ := d.store.counts(); gaps == 0 {
			t.Errorf("%s was never told of the trim", d.Device())
		}
	}
	if point := trimPoint(t, relayA, key); point <= cursorB {
		t.Fatalf("trim point %d as relay A reads it", point)
	}
	// The usage counted again at each trim is what the space stores (a batch appended during
	// a count may be counted twice: never less).
	var stored int64
	lg := relayB.srv.log
	if err := lg.Follow(context.Background(), key.SpaceID(), 0, false, func(_ uint64, data []byte) error {
		stored += int64(len(data))
		return nil
	}, func(uint64) error { return nil }, func(uint64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if now := usage(t, relayB, key); now < stored || now > stored+64<<10 {
		t.Fatalf("usage %d, the space stores %d bytes", now, stored)
	}
	t.Logf("%d keys; usage %d bytes after writing, %d stored now", want, highest, stored)
}

// TestConcurrentSnapshotsAreHarmless: devices that find a snapshot due at the same moment
// all write one and trim; a trim behind another is answered without error, nobody's session
// fails, and all converge, with a device joining after.
func TestConcurrentSnapshotsAreHarmless(t *testing.T) {
	tokens, tok := newTokens(t)
	r := startRelay(t, embedded(t, t.TempDir()), tokens, DefaultConfig(), LogConfig{}, "127.0.0.1:0")
	key, _ := syncspace.NewKey()
	var devs []*device
	logs := map[string]*syncBuffer{}
	var failures atomic.Int32
	for _, name := range []string{"phone", "desktop", "tablet"} {
		logs[name] = &syncBuffer{}
		devs = append(devs, newDeviceWith(t, key, name, r.url(), tok, func(c *syncspace.Config) {
			c.Compaction = syncspace.Compaction{MinBytes: 4 << 10, Delay: time.Millisecond} // all at once
			c.Log = slog.New(slog.NewTextHandler(logs[name], nil))
			c.OnStatus = func(s syncspace.Status) {
				if s.LastError != "" {
					failures.Add(1)
				}
			}
		}))
	}
	for _, d := range devs {
		d.start()
	}
	snapshots := func() (writers, total int) {
		for _, l := range logs {
			if n := strings.Count(l.String(), "writing a snapshot"); n > 0 {
				writers++
				total += n
			}
		}
		return writers, total
	}
	for i := 0; ; i++ {
		writeN(t, devs[0], "k", i*10, i*10+10) // one writer: the others are caught up, idle
		time.Sleep(5 * time.Millisecond)
		if writers, total := snapshots(); writers >= 2 && total >= 6 {
			break
		}
		if i > 1000 {
			writers, total := snapshots()
			t.Fatalf("snapshots: %d writers, %d in all", writers, total)
		}
	}
	late := newDeviceWith(t, key, "laptop", r.url(), tok, nil)
	late.start()
	devs = append(devs, late)
	eventually(t, 30*time.Second, "convergence", func() bool {
		for _, d := range devs {
			if d.Status().Pending != 0 || d.Status().Rebuilding || d.dump() != devs[0].dump() {
				return false
			}
		}
		return true
	})
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d sessions ended in an error", n)
	}
	writers, total := snapshots()
	t.Logf("%d devices wrote %d snapshots; log trimmed up to %d", writers, total, trimPoint(t, r, key))
}
