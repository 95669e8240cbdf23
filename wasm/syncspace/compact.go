package syncspace

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"time"

	"caliopen/shared/syncproto"
)

// Compaction keeps a space's log, and each device's copy of it, in proportion to the state
// rather than to its history.
//
// A device that has read the whole log (caught up), that is not itself missing trimmed
// batches, and that has read more than Compaction.MinBytes (and more than the latest
// snapshot's size) since the latest snapshot, writes a snapshot: its whole state as of its
// cursor S, as the operations that rebuild it (State.SnapshotOps), sealed and padded like any
// batch, in as many batches as needed, each marked inside the ciphertext as part i of n of
// snapshot id up to S. Once the relay has stored every part, the device asks it to trim the
// log up to S (syncproto.Trim); the relay checks that it holds the parts, after S, and drops
// the batches up to S. Nothing after S is dropped, so nothing written meanwhile is lost.
//
// The state holds the device's own operations not yet in the log too: the snapshot carries
// them early, which changes nothing (an operation merges once however often it arrives), and
// when it comes back the device drops them from its queue, as delivered. Claims count only
// once the log ordered them, so a snapshot only holds claims the log ordered, each with the
// sequence number it was ordered at: a claim decided before a snapshot stays decided.
//
// Every device that reads a whole snapshot, its own or another's, drops its saved batches up
// to S (Store.Compact): start-up replays the snapshot and what followed. A device whose
// cursor is before the relay's trim point (it was offline, or it is new) is told so
// (syncproto.Trimmed) before any later batch; it keeps its state and its queue, reads on, and
// until it has read a whole snapshot covering the trim point its state may lack what the
// dropped batches held: meanwhile ClaimStatus decides nothing, so that a claim of its own
// read before the snapshot cannot look like the first.
//
// Several devices snapshotting at once is harmless: each snapshot is complete, a trim only
// moves the relay's trim point forward, and each device waits a random delay before writing
// one, so that the first snapshot to arrive usually spares the others theirs.

// Compaction tunes when a device writes snapshots; zero values take the defaults.
type Compaction struct {
	// Off: this device never writes a snapshot (it still reads them).
	Off bool
	// MinBytes: the log read since the latest snapshot that makes one due, as sealed bytes
	// (default DefaultSnapshotMinBytes). A snapshot is also due only once that log is larger
	// than the latest snapshot itself.
	MinBytes int64
	// Delay: a device waits a random time up to Delay before writing a snapshot it found
	// due, and writes it only if it is still due (default 10 s).
	Delay time.Duration
}

// DefaultSnapshotMinBytes is 1 MiB: at least a thousand batches of the smallest padded size,
// whose replay at start-up takes milliseconds; far below a relay's quota (256 MiB by
// default). With the rule "larger than the latest snapshot", the log stays under about twice
// the state plus 1 MiB, and writing snapshots at most doubles what devices upload.
const DefaultSnapshotMinBytes = 1 << 20

// snapshotPartBytes is the operations' size at which a snapshot is cut into another batch.
const snapshotPartBytes = 256 << 10

// SnapshotPart marks a batch as part Part (from 0) of Parts of the snapshot ID: the whole
// state of the space as of the log's sequence number Upto.
type SnapshotPart struct {
	ID    [16]byte `json:"id"`
	Upto  uint64   `json:"upto"`
	Part  int      `json:"part"`
	Parts int      `json:"parts"`
}

// snapshotReading is what a device has read of one snapshot.
type snapshotReading struct {
	upto  uint64
	parts int
	seen  map[int]uint64 // part → sequence number
	bytes int64
}

// logBatch is a batch read since the latest snapshot: what a new snapshot would compact.
type logBatch struct {
	seq      uint64
	size     int64
	snapshot uint64 // the Upto of the snapshot it is part of (0: ordinary operations)
}

// compaction is the client's view of snapshots in the log (under Client.mu).
type compaction struct {
	gap       uint64 // see Saved.Gap
	covered   uint64 // Upto of the latest whole snapshot read
	snapBytes int64  // its size
	reading   map[[16]byte]*snapshotReading
	tail      []logBatch
	tailBytes int64
}

// note records a batch read from the log; it returns the Upto of the snapshot this batch
// completes (0 when none).
func (k *compaction) note(seq uint64, size int64, part *SnapshotPart) uint64 {
	if part != nil && part.Upto <= k.covered {
		// Part of a snapshot no newer than one already read (devices snapshotting at once):
		// it adds nothing, and counting it would make the next snapshot due, and so on.
		return 0
	}
	b := logBatch{seq: seq, size: size}
	if part != nil {
		b.snapshot = part.Upto
	}
	k.tail = append(k.tail, b)
	k.tailBytes += size
	if part == nil {
		return 0
	}
	if k.reading == nil {
		k.reading = map[[16]byte]*snapshotReading{}
	}
	r := k.reading[part.ID]
	if r == nil {
		r = &snapshotReading{upto: part.Upto, parts: part.Parts, seen: map[int]uint64{}}
		k.reading[part.ID] = r
	}
	if r.upto != part.Upto || r.parts != part.Parts {
		return 0 // parts disagreeing on their snapshot: not one snapshot
	}
	if _, dup := r.seen[part.Part]; !dup {
		r.seen[part.Part] = seq
		r.bytes += size
	}
	if len(r.seen) < r.parts {
		return 0
	}
	// Whole: what it covers, and the parts of snapshots no newer, are no longer the log a
	// new snapshot would compact.
	k.covered, k.snapBytes = r.upto, r.bytes
	kept := k.tail[:0]
	k.tailBytes = 0
	for _, b := range k.tail {
		if b.seq > r.upto && (b.snapshot == 0 || b.snapshot > r.upto) {
			kept = append(kept, b)
			k.tailBytes += b.size
		}
	}
	k.tail = kept
	for id, o := range k.reading {
		if o.upto <= k.covered {
			delete(k.reading, id)
		}
	}
	if k.gap != 0 && k.gap <= k.covered {
		k.gap = 0
	}
	return r.upto
}

// due reports whether a snapshot is due: the log read since the latest one is past the
// threshold, or, when the relay refused a push for the space's quota, holds anything.
func (k *compaction) due(cfg Compaction, quota bool) bool {
	if k.gap != 0 || k.tailBytes == 0 {
		return false
	}
	return quota || k.tailBytes >= max(cfg.MinBytes, k.snapBytes)
}

// loggedSize is what a saved batch cost the relay (estimated for batches saved before sizes
// were).
func loggedSize(l Logged) int64 {
	if l.Size > 0 {
		return int64(l.Size)
	}
	n := 0
	for _, op := range l.Ops {
		n += opSize(op)
	}
	return int64(bucket(n) + headerSize + 16)
}

// snapshotJob is a snapshot this device is writing in one session: its parts pushed, then
// the trim asked for.
type snapshotJob struct {
	upto     uint64
	parts    []*snapshotPush
	trimSent bool
}

type snapshotPush struct {
	part   SnapshotPart
	ops    []Op
	id     [syncproto.PushIDSize]byte
	sealed []byte // while pushed and not acknowledged
	seq    uint64 // once acknowledged
	sent   bool   // pushed in this session, waiting for its ack
}

// newSnapshotJob cuts the state's snapshot operations into parts.
func newSnapshotJob(upto uint64, ops []Op) (*snapshotJob, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, err
	}
	j := &snapshotJob{upto: upto}
	var cur []Op
	size := 0
	flush := func() {
		j.parts = append(j.parts, &snapshotPush{ops: cur})
		cur, size = nil, 0
	}
	for _, op := range ops {
		n := opSize(op)
		if len(cur) > 0 && size+n > snapshotPartBytes {
			flush()
		}
		cur = append(cur, op)
		size += n
	}
	if len(cur) > 0 || len(j.parts) == 0 {
		flush()
	}
	if len(j.parts) > syncproto.MaxTrimParts {
		return nil, fmt.Errorf("syncspace: a snapshot of %d batches is over %d", len(j.parts), syncproto.MaxTrimParts)
	}
	for i, p := range j.parts {
		p.part = SnapshotPart{ID: id, Upto: upto, Part: i, Parts: len(j.parts)}
		if _, err := rand.Read(p.id[:]); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// considerSnapshot arms the random delay when a snapshot is due.
func (p *pusher) considerSnapshot() {
	c := p.c
	if !p.trims || p.job != nil || p.snapWait != nil || c.cfg.Compaction.Off {
		return
	}
	if c.snapshotDue(p.quotaRefused()) {
		p.snapWait = time.After(mrand.N(c.cfg.Compaction.Delay + 1))
	}
}

// quotaRefused reports whether the relay refused a push for the quota in this session and no
// snapshot was tried for it yet.
func (p *pusher) quotaRefused() bool {
	var e *syncproto.Error
	return errors.As(p.blocked, &e) && e.Code == syncproto.CodeQuota && !p.quotaTried
}

func (c *Client) snapshotDue(quota bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status.CaughtUp && c.compact.due(c.cfg.Compaction, quota)
}

// startSnapshot starts writing a snapshot when one is still due after the delay.
func (p *pusher) startSnapshot() {
	c := p.c
	quota := p.quotaRefused()
	if !c.snapshotDue(quota) {
		return
	}
	c.mu.Lock()
	upto := c.cursor
	ops := c.state.SnapshotOps()
	c.mu.Unlock()
	j, err := newSnapshotJob(upto, ops)
	if err != nil {
		c.cfg.Log.Warn("sync: no snapshot", "error", err)
		return
	}
	if quota {
		p.quotaTried = true
	}
	p.job = j
	c.cfg.Log.Info("sync: writing a snapshot", "upto", upto, "operations", len(ops), "batches", len(j.parts))
}

// fillSnapshot pushes the job's parts (at most InFlight waiting for their ack), then asks
// for the trim once the relay stored them all.
func (p *pusher) fillSnapshot(ctx context.Context) error {
	j := p.job
	if j == nil || j.trimSent {
		return nil
	}
	waiting, stored := 0, 0
	for _, sp := range j.parts {
		switch {
		case sp.seq != 0:
			stored++
		case sp.sent:
			waiting++
		}
	}
	for _, sp := range j.parts {
		if waiting >= p.c.cfg.InFlight {
			break
		}
		if sp.seq != 0 || sp.sent {
			continue
		}
		if sp.sealed == nil {
			sealed, err := p.c.cfg.Key.SealSnapshot(sp.ops, sp.part)
			if err != nil {
				p.c.cfg.Log.Warn("sync: snapshot not sealed", "error", err)
				p.job = nil
				return nil
			}
			sp.sealed = sealed
		}
		sp.sent = true
		waiting++
		if err := write(ctx, p.conn, syncproto.Push{ID: sp.id, Data: sp.sealed, Snapshot: true}); err != nil {
			return err
		}
	}
	if stored < len(j.parts) {
		return nil
	}
	t := syncproto.Trim{Upto: j.upto}
	for _, sp := range j.parts {
		t.Parts = append(t.Parts, sp.seq)
	}
	j.trimSent = true
	return write(ctx, p.conn, t)
}

// snapshotPart returns the part of the running job pushed with id.
func (p *pusher) snapshotPart(id [syncproto.PushIDSize]byte) *snapshotPush {
	if p.job == nil {
		return nil
	}
	for _, sp := range p.job.parts {
		if sp.id == id {
			return sp
		}
	}
	return nil
}

// snapshotRefused handles the relay's refusal of a part: retry later when it may pass, else
// give the snapshot up (its stored parts stay in the log, unused, until a later trim).
func (p *pusher) snapshotRefused(sp *snapshotPush, e *syncproto.Error) {
	sp.sent = false
	if e.Code.Retryable() {
		p.retry = time.After(time.Second)
		return
	}
	p.c.cfg.Log.Warn("sync: snapshot refused", "code", int(e.Code), "reason", e.Message)
	p.job = nil
}

// trimmed handles the relay's Trimmed: the answer to this device's trim, or the news that
// the log was trimmed past this device's cursor.
func (c *Client) trimmed(ctx context.Context, p *pusher, upto uint64) error {
	if j := p.job; j != nil && j.trimSent && upto >= j.upto {
		p.job = nil
		c.cfg.Log.Info("sync: log trimmed", "upto", upto)
		var e *syncproto.Error
		if errors.As(p.blocked, &e) && e.Code == syncproto.CodeQuota {
			// The space has room again: push what the quota held back.
			p.blocked, p.quotaTried = nil, false
			c.setStatus(func(s *Status) {
				if s.ErrorCode == int(syncproto.CodeQuota) {
					s.LastError, s.ErrorCode = "", 0
				}
			})
		}
	}
	c.mu.Lock()
	behind := upto > c.cursor && upto > c.compact.gap
	c.mu.Unlock()
	if !behind {
		return nil
	}
	if err := c.cfg.Store.SetGap(ctx, upto); err != nil {
		return fmt.Errorf("syncspace: save trim point: %w", err)
	}
	c.cfg.Log.Info("sync: the log was trimmed past this device's cursor: reading on to a snapshot", "upto", upto)
	c.setStatus(func(s *Status) {
		c.compact.gap = upto // under c.mu, as setStatus holds it
		s.Rebuilding = true
	})
	return nil
}
