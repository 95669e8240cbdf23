package syncspace

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"sync"
	"time"

	"caliopen/shared/syncproto"
)

// Config is what a Client needs.
type Config struct {
	Key       *Key
	Device    string // this device's id: stable, unique among the space's devices
	Token     string // the relay access token
	Transport Transport
	Store     Store
	Now       func() time.Time // time.Now when nil
	Log       *slog.Logger
	// OnChange is called (outside the client's lock) with the entries that operations from
	// other devices changed.
	OnChange func([]Change)
	// OnStatus is called (outside the client's lock) when the status changes.
	OnStatus func(Status)
	// BatchBytes is the target size of a pushed batch's operations (default 48 KiB).
	BatchBytes int
	// InFlight is how many pushes may wait for their ack at once (default 8).
	InFlight int
	// Compaction tunes when this device writes snapshots (compact.go).
	Compaction Compaction
}

// Status is what the user sees of sync.
type Status struct {
	State     string `json:"state"`   // offline, connecting, connected
	Pending   int    `json:"pending"` // local operations not yet stored by the relay
	Cursor    uint64 `json:"cursor"`
	Head      uint64 `json:"head"`
	CaughtUp  bool   `json:"caughtUp"`
	LastError string `json:"lastError,omitempty"`
	ErrorCode int    `json:"errorCode,omitempty"`
	// Rebuilding: the relay trimmed its log past this device's cursor, and the device reads
	// on to a snapshot covering what it missed; claims wait until it has.
	Rebuilding bool `json:"rebuilding,omitempty"`
}

// ClaimResult is where a claim stands.
type ClaimResult int

const (
	ClaimNone    ClaimResult = iota // nobody claimed
	ClaimPending                    // this device claimed; the log has not decided yet
	ClaimWon                        // this device's claim came first: it may act
	ClaimLost                       // another device's claim came first
)

// Client replicates one space for one device.
type Client struct {
	cfg   Config
	clock *Clock
	kick  chan struct{}

	mu      sync.Mutex
	state   *State
	queue   *queue // local operations not yet delivered back
	cursor  uint64
	status  Status
	claimed map[entryKey]bool // entries this device claimed
	compact compaction        // snapshots read, the log since the latest (compact.go)

	outbound []*outbound // pushed, not yet acknowledged; only Run's goroutine touches it
	// own maps the sequence numbers of this device's acknowledged batches to their
	// operations' stamps: when the log delivers them back they need no decrypting.
	own map[uint64][]HLC
}

// linger is how long the pusher waits after a change before sealing a batch, so that a burst
// of changes travels in few batches.
const linger = 2 * time.Millisecond

// New loads the client's saved state. Call Run to connect.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Key == nil || cfg.Device == "" || cfg.Transport == nil || cfg.Store == nil {
		return nil, errors.New("syncspace: key, device, transport and store are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.BatchBytes <= 0 {
		cfg.BatchBytes = 48 << 10
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 8
	}
	if cfg.Compaction.MinBytes <= 0 {
		cfg.Compaction.MinBytes = DefaultSnapshotMinBytes
	}
	if cfg.Compaction.Delay <= 0 {
		cfg.Compaction.Delay = 10 * time.Second
	}
	saved, err := cfg.Store.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("syncspace: load: %w", err)
	}
	c := &Client{
		cfg: cfg, clock: NewClock(cfg.Device, cfg.Now), kick: make(chan struct{}, 1),
		state: NewState(), queue: newQueue(saved.Queue), cursor: saved.Cursor, claimed: map[entryKey]bool{}, own: map[uint64][]HLC{},
		status: Status{State: "offline", Cursor: saved.Cursor},
	}
	c.compact.gap = saved.Gap
	var covered uint64 // a snapshot read but whose compaction did not happen (interrupted)
	for _, l := range saved.Log {
		for _, op := range l.Ops {
			c.state.Apply(op, l.Seq)
			c.noteClaim(op)
		}
		if upto := c.compact.note(l.Seq, loggedSize(l), l.Snapshot); upto > 0 {
			covered = upto
		}
	}
	for _, q := range saved.Queue {
		c.state.Apply(q.Op, 0)
		c.noteClaim(q.Op)
	}
	if covered > 0 && (saved.Log[0].Seq <= covered || saved.Gap != 0 && saved.Gap <= covered) {
		if err := cfg.Store.Compact(ctx, covered); err != nil {
			return nil, fmt.Errorf("syncspace: compact: %w", err)
		}
		c.queue.covered(covered)
	}
	c.clock.Observe(c.state.Latest())
	c.status.Pending = c.queue.pending
	c.status.Rebuilding = c.compact.gap != 0
	return c, nil
}

func (c *Client) noteClaim(op Op) {
	if op.Kind == Claim && op.At.Node == c.cfg.Device {
		c.claimed[entryKey{op.Coll, op.Key}] = true
	}
}

// Device returns this device's id.
func (c *Client) Device() string { return c.cfg.Device }

// Write stamps local operations (their At is set here), saves them in the queue, applies
// them, and wakes the pusher. Every other method that changes state goes through it.
func (c *Client) Write(ctx context.Context, ops ...Op) error {
	if len(ops) == 0 {
		return nil
	}
	for _, op := range ops {
		if !Fits(op) {
			return fmt.Errorf("%w: %s %q (%d bytes)", ErrTooLarge, op.Coll, op.Key, opSize(op))
		}
	}
	c.mu.Lock()
	c.clock.Stamp(ops)
	for i := range ops {
		if err := ops[i].Validate(); err != nil {
			c.mu.Unlock()
			return err
		}
	}
	if err := c.cfg.Store.Enqueue(ctx, ops); err != nil {
		c.mu.Unlock()
		return fmt.Errorf("syncspace: save: %w", err)
	}
	c.queue.addOps(ops)
	for _, op := range ops {
		c.state.Apply(op, 0)
		c.noteClaim(op)
	}
	c.status.Pending = c.queue.pending
	st := c.status
	c.mu.Unlock()
	c.notifyStatus(st)
	c.wake()
	return nil
}

// SetOp is the operation setting a field to value (encoded as JSON).
func SetOp(coll, key, field string, value any) (Op, error) {
	raw, err := json.Marshal(value)
	if err != nil {
		return Op{}, err
	}
	return Op{Kind: Set, Coll: coll, Key: key, Field: field, Value: raw}, nil
}

// Set writes one field.
func (c *Client) Set(ctx context.Context, coll, key, field string, value any) error {
	op, err := SetOp(coll, key, field, value)
	if err != nil {
		return err
	}
	return c.Write(ctx, op)
}

// Delete tombstones an entry.
func (c *Client) Delete(ctx context.Context, coll, key string) error {
	return c.Write(ctx, Op{Kind: Delete, Coll: coll, Key: key})
}

// Add adds an element to a set.
func (c *Client) Add(ctx context.Context, coll, key, elem string) error {
	return c.Write(ctx, Op{Kind: Add, Coll: coll, Key: key, Elem: elem})
}

// Remove removes an element from a set (the adds this device has seen).
func (c *Client) Remove(ctx context.Context, coll, key, elem string) error {
	c.mu.Lock()
	tags := c.state.Tags(coll, key, elem)
	c.mu.Unlock()
	if len(tags) == 0 {
		return nil
	}
	return c.Write(ctx, Op{Kind: Remove, Coll: coll, Key: key, Elem: elem, Tags: tags})
}

// Claim asks for an entry (an outbox item) for this device; ClaimStatus says when the log
// decided. Claiming twice is harmless.
func (c *Client) Claim(ctx context.Context, coll, key string) error {
	c.mu.Lock()
	done := c.claimed[entryKey{coll, key}]
	c.mu.Unlock()
	if done {
		return nil
	}
	return c.Write(ctx, Op{Kind: Claim, Coll: coll, Key: key})
}

// ClaimStatus says where the claims on an entry stand. The relay's log orders claims, and
// the first one wins: once this device has read the log past a claim, no earlier claim can
// appear, so Won and Lost are final. (An order by timestamps would not be: a device offline
// for a day could come back with an earlier-stamped claim after another device had sent.)
// While the device reads on after a trim of the log past its cursor, an earlier claim may
// still come, in the snapshot: nothing is decided until it has read the snapshot.
func (c *Client) ClaimStatus(coll, key string) ClaimResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.compact.gap != 0 {
		if c.claimed[entryKey{coll, key}] {
			return ClaimPending
		}
		return ClaimNone
	}
	node, _, ok := c.state.ClaimWinner(coll, key)
	switch {
	case ok && node == c.cfg.Device:
		return ClaimWon
	case ok:
		return ClaimLost
	case c.claimed[entryKey{coll, key}]:
		return ClaimPending
	}
	return ClaimNone
}

// View calls fn with the merged state, under the client's lock: fn must not keep it.
func (c *Client) View(fn func(*State)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.state)
}

// Status returns the current status.
func (c *Client) Status() Status {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status
}

func (c *Client) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *Client) setStatus(fn func(*Status)) {
	c.mu.Lock()
	fn(&c.status)
	st := c.status
	c.mu.Unlock()
	c.notifyStatus(st)
}

func (c *Client) notifyStatus(st Status) {
	if c.cfg.OnStatus != nil {
		c.cfg.OnStatus(st)
	}
}

// Run connects to the relay and keeps the space in sync until ctx ends, reconnecting with
// backoff after errors. Offline, local operations wait in the queue.
func (c *Client) Run(ctx context.Context) error {
	const minBackoff, maxBackoff = 250 * time.Millisecond, 30 * time.Second
	backoff := minBackoff
	for {
		c.setStatus(func(s *Status) { s.State, s.CaughtUp = "connecting", false })
		welcomed, err := c.session(ctx)
		if ctx.Err() != nil {
			c.setStatus(func(s *Status) { s.State = "offline" })
			return ctx.Err()
		}
		c.setStatus(func(s *Status) {
			s.State, s.CaughtUp, s.LastError, s.ErrorCode = "offline", false, err.Error(), 0
			var pe *syncproto.Error
			if errors.As(err, &pe) {
				s.ErrorCode = int(pe.Code)
			}
		})
		c.cfg.Log.Info("sync: disconnected", "error", err)
		if welcomed {
			backoff = minBackoff
		}
		wait := backoff/2 + mrand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			c.setStatus(func(s *Status) { s.State = "offline" })
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

type readResult struct {
	frame syncproto.Frame
	err   error
}

// session runs one connection; it reports whether the relay welcomed it.
func (c *Client) session(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dctx, dcancel := context.WithTimeout(ctx, 20*time.Second)
	conn, err := c.cfg.Transport.Dial(dctx)
	dcancel()
	if err != nil {
		return false, err
	}
	defer conn.Close()
	welcome, err := c.handshake(ctx, conn)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	after := c.cursor
	c.mu.Unlock()
	if err := write(ctx, conn, syncproto.Pull{After: after, Live: true}); err != nil {
		return true, err
	}
	frames := make(chan readResult, 16)
	go func() {
		for {
			b, err := conn.Read(ctx)
			var f syncproto.Frame
			if err == nil {
				f, err = syncproto.Parse(b)
			}
			select {
			case frames <- readResult{f, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	p := &pusher{c: c, conn: conn, written: map[[syncproto.PushIDSize]byte]bool{}, trims: welcome.Features&syncproto.FeatureTrim != 0}
	for {
		if err := p.fill(ctx); err != nil {
			return true, err
		}
		p.considerSnapshot()
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-p.snapWait:
			p.snapWait = nil
			p.startSnapshot()
		case <-c.kick:
			if p.linger == nil {
				p.linger = time.After(linger)
			}
		case <-p.linger:
			p.linger = nil
		case <-p.retry:
			p.retry = nil
		case r := <-frames:
			if r.err != nil {
				return true, r.err
			}
			if err := c.handle(ctx, p, r.frame); err != nil {
				return true, err
			}
		}
	}
}

func (c *Client) handshake(ctx context.Context, conn Conn) (syncproto.Welcome, error) {
	hctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	f, err := read(hctx, conn)
	if err != nil {
		return syncproto.Welcome{}, err
	}
	ch, ok := f.(syncproto.Challenge)
	if !ok {
		return syncproto.Welcome{}, fmt.Errorf("syncspace: expected a challenge, got %T", f)
	}
	if ch.Version != syncproto.Version {
		return syncproto.Welcome{}, fmt.Errorf("syncspace: relay speaks sync version %d, this app %d", ch.Version, syncproto.Version)
	}
	h := syncproto.Hello{Version: syncproto.Version, Token: c.cfg.Token}
	copy(h.PublicKey[:], c.cfg.Key.PublicKey())
	copy(h.Signature[:], c.cfg.Key.Sign(syncproto.HelloMessage(ch.Nonce, c.cfg.Key.SpaceID())))
	if err := write(hctx, conn, h); err != nil {
		return syncproto.Welcome{}, err
	}
	if f, err = read(hctx, conn); err != nil {
		return syncproto.Welcome{}, err
	}
	w, ok := f.(syncproto.Welcome)
	if !ok {
		return syncproto.Welcome{}, fmt.Errorf("syncspace: expected welcome, got %T", f)
	}
	c.setStatus(func(s *Status) { s.State, s.Head, s.LastError, s.ErrorCode = "connected", w.Head, "", 0 })
	c.cfg.Log.Info("sync: connected", "head", w.Head)
	return w, nil
}

func read(ctx context.Context, conn Conn) (syncproto.Frame, error) {
	b, err := conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	f, err := syncproto.Parse(b)
	if err != nil {
		return nil, err
	}
	if e, ok := f.(*syncproto.Error); ok {
		return nil, e
	}
	return f, nil
}

func write(ctx context.Context, conn Conn, f syncproto.Frame) error {
	b, err := syncproto.Append(nil, f)
	if err != nil {
		return err
	}
	return conn.Write(ctx, b)
}

func (c *Client) handle(ctx context.Context, p *pusher, f syncproto.Frame) error {
	switch f := f.(type) {
	case syncproto.Ack:
		return p.acked(ctx, f.ID, f.Seq)
	case syncproto.Batch:
		return c.receive(ctx, f.Seq, f.Data)
	case syncproto.Caught:
		c.setStatus(func(s *Status) { s.CaughtUp, s.Head = true, max(s.Head, f.Head) })
	case syncproto.Trimmed:
		return c.trimmed(ctx, p, f.Upto)
	case *syncproto.Error:
		if f.Push == ([syncproto.PushIDSize]byte{}) {
			return f
		}
		return p.refused(f)
	default:
		return fmt.Errorf("syncspace: unexpected %T from the relay", f)
	}
	return nil
}

// receive applies a batch the log delivered and saves it with the new cursor; when it
// completes a snapshot, it drops what the snapshot makes useless.
func (c *Client) receive(ctx context.Context, seq uint64, data []byte) error {
	c.mu.Lock()
	if seq <= c.cursor {
		c.mu.Unlock()
		return nil // already have it
	}
	c.mu.Unlock()
	size := len(data)
	ops, ok := c.ownOps(seq)
	var part *SnapshotPart
	if !ok {
		var err error
		if ops, part, err = c.cfg.Key.OpenBatch(data); err != nil {
			// A batch this key cannot read is skipped (and said), not retried forever.
			c.cfg.Log.Warn("sync: unreadable batch skipped", "seq", seq, "error", err)
			c.setStatus(func(s *Status) { s.LastError = fmt.Sprintf("batch %d could not be read: %v", seq, err) })
			ops, part = nil, nil
		}
	}
	if err := c.cfg.Store.Commit(ctx, Logged{Seq: seq, Ops: ops, Size: size, Snapshot: part}); err != nil {
		return fmt.Errorf("syncspace: save batch %d: %w", seq, err)
	}
	var changes []Change
	var latest HLC
	c.mu.Lock()
	for _, op := range ops {
		if op.At.Compare(latest) > 0 {
			latest = op.At
		}
		if c.state.Apply(op, seq) && op.At.Node != c.cfg.Device {
			changes = append(changes, Change{op.Coll, op.Key})
		} else if op.Kind == Claim {
			changes = append(changes, Change{op.Coll, op.Key})
		}
	}
	c.clock.Observe(latest)
	c.queue.delivered(ops)
	c.cursor = seq
	covered := c.compact.note(seq, int64(size), part)
	c.status.Cursor, c.status.Head = seq, max(c.status.Head, seq)
	c.status.Pending = c.queue.pending
	st := c.status
	c.mu.Unlock()
	c.notifyStatus(st)
	if covered > 0 {
		if err := c.compacted(ctx, covered); err != nil {
			return err
		}
	}
	if len(changes) > 0 && c.cfg.OnChange != nil {
		c.cfg.OnChange(changes)
	}
	return nil
}

// compacted drops what a whole snapshot up to upto, just read, makes useless: the saved
// batches up to upto, and the queued operations the relay stored up to there (the snapshot
// holds them, even those whose batch this device will never read back).
func (c *Client) compacted(ctx context.Context, upto uint64) error {
	if err := c.cfg.Store.Compact(ctx, upto); err != nil {
		return fmt.Errorf("syncspace: compact: %w", err)
	}
	var changes []Change
	c.mu.Lock()
	c.queue.covered(upto)
	c.status.Pending = c.queue.pending
	if c.status.Rebuilding && c.compact.gap == 0 {
		// Claims can be decided again: the ones read meanwhile may have changed hands.
		c.status.Rebuilding = false
		for ek := range c.state.claims {
			changes = append(changes, Change{ek.coll, ek.key})
		}
	}
	st := c.status
	c.mu.Unlock()
	c.notifyStatus(st)
	c.cfg.Log.Info("sync: compacted", "upto", upto)
	if len(changes) > 0 && c.cfg.OnChange != nil {
		c.cfg.OnChange(changes)
	}
	return nil
}

// outbound is a sealed batch pushed and not yet acknowledged. It outlives its session: after
// a reconnect it is pushed again with the same id, so the relay stores it once.
type outbound struct {
	id     [syncproto.PushIDSize]byte
	sealed []byte
	ops    []HLC
}

// ownOps returns the operations of this device's batch seq from the queue, when the relay
// acknowledged it to this device.
func (c *Client) ownOps(seq uint64) ([]Op, bool) {
	ats, ok := c.own[seq]
	if !ok {
		return nil, false
	}
	delete(c.own, seq)
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := make([]Op, 0, len(ats))
	for _, at := range ats {
		op, ok := c.queue.get(at)
		if !ok {
			return nil, false
		}
		ops = append(ops, op)
	}
	return ops, true
}

// pusher sends the queue's unacknowledged operations in batches, and this device's
// snapshots, for one session.
type pusher struct {
	c       *Client
	conn    Conn
	written map[[syncproto.PushIDSize]byte]bool // pushed in this session
	retry   <-chan time.Time
	linger  <-chan time.Time
	blocked error // a refusal that retrying will not fix (quota, size): wait for a new session
	batch   []Op  // the operations of the batch being sealed (reused)

	trims      bool             // the relay stores snapshots and trims (syncproto.FeatureTrim)
	job        *snapshotJob     // the snapshot being written (compact.go)
	snapWait   <-chan time.Time // a snapshot is due: write it when this fires
	quotaTried bool             // a snapshot was written for a quota refusal
}

// fill pushes the batches waiting for an ack (again, after a reconnect), then new batches
// while fewer than InFlight wait. A snapshot's parts go even while the quota blocks the
// rest: they are what makes room.
func (p *pusher) fill(ctx context.Context) error {
	if p.retry != nil {
		return nil
	}
	if err := p.fillSnapshot(ctx); err != nil {
		return err
	}
	if p.blocked != nil || p.linger != nil {
		return nil
	}
	c := p.c
	for _, ob := range c.outbound {
		if !p.written[ob.id] {
			if err := p.write(ctx, ob); err != nil {
				return err
			}
		}
	}
	for len(c.outbound) < c.cfg.InFlight {
		ops := p.next()
		if len(ops) == 0 {
			return nil
		}
		sealed, err := c.cfg.Key.Seal(ops)
		if err != nil {
			return err
		}
		ob := &outbound{sealed: sealed, ops: make([]HLC, len(ops))}
		if _, err := rand.Read(ob.id[:]); err != nil {
			return err
		}
		for i, op := range ops {
			ob.ops[i] = op.At
		}
		c.outbound = append(c.outbound, ob)
		if err := p.write(ctx, ob); err != nil {
			return err
		}
	}
	return nil
}

func (p *pusher) write(ctx context.Context, ob *outbound) error {
	p.written[ob.id] = true
	return write(ctx, p.conn, syncproto.Push{ID: ob.id, Data: ob.sealed})
}

// next takes the next operations to push (neither acknowledged nor in a pushed batch), up to
// the batch size.
func (p *pusher) next() []Op {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	p.batch = p.c.queue.next(p.c.cfg.BatchBytes, p.batch[:0])
	return p.batch
}

// ErrTooLarge is returned by Write for an operation larger than one batch carries: it would
// never be pushed, and would hold back the operations queued after it.
var ErrTooLarge = errors.New("syncspace: an operation is larger than a batch can carry")

// Fits reports whether an operation fits in one batch (see ErrTooLarge).
func Fits(op Op) bool { return opSize(op)+64 <= MaxBatchPlain } // 64: room for its stamp

// opSize estimates an operation's encoded size.
func opSize(op Op) int {
	return 96 + len(op.Coll) + len(op.Key) + len(op.Field) + len(op.Elem) + len(op.Value) + len(op.At.Node) + 48*len(op.Tags)
}

// take removes the outbound batch with id and returns it (nil when unknown).
func (p *pusher) take(id [syncproto.PushIDSize]byte) *outbound {
	for i, ob := range p.c.outbound {
		if ob.id == id {
			p.c.outbound = append(p.c.outbound[:i], p.c.outbound[i+1:]...)
			return ob
		}
	}
	return nil
}

func (p *pusher) acked(ctx context.Context, id [syncproto.PushIDSize]byte, seq uint64) error {
	if sp := p.snapshotPart(id); sp != nil {
		sp.seq, sp.sent, sp.sealed, sp.ops = seq, false, nil, nil
		return nil
	}
	ob := p.take(id)
	if ob == nil {
		return nil
	}
	if seq > p.c.cursor {
		p.c.own[seq] = ob.ops
	}
	if err := p.c.cfg.Store.Acked(ctx, ob.ops, seq); err != nil {
		return fmt.Errorf("syncspace: save ack: %w", err)
	}
	p.c.mu.Lock()
	p.c.queue.acked(ob.ops, seq)
	p.c.status.Pending = p.c.queue.pending
	st := p.c.status
	p.c.mu.Unlock()
	p.c.notifyStatus(st)
	return nil
}

// refused handles a relay's refusal of one push: retry later when it may pass, else stop
// pushing until the next session and say why.
func (p *pusher) refused(e *syncproto.Error) error {
	if sp := p.snapshotPart(e.Push); sp != nil {
		p.snapshotRefused(sp, e)
		return nil
	}
	ob := p.take(e.Push)
	if ob == nil {
		return nil
	}
	p.c.mu.Lock()
	p.c.queue.release(ob.ops)
	p.c.mu.Unlock()
	p.c.setStatus(func(s *Status) { s.LastError, s.ErrorCode = e.Error(), int(e.Code) })
	if e.Code.Retryable() {
		p.retry = time.After(time.Second)
		return nil
	}
	p.blocked = e
	p.c.cfg.Log.Warn("sync: push refused", "code", int(e.Code), "reason", e.Message)
	return nil
}
