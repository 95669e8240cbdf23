// Package relaysync is the relay's sync endpoint (/sync): devices of one sync space push
// sealed batches, pull them from a cursor and follow new ones live. The relay stores and
// forwards ciphertext only: it never holds a space's encryption key, and its logs name a
// space by a short prefix of its id, with sizes and codes, never a payload.
//
// Each space's log lives in NATS JetStream, one subject per space in one stream: the
// stream's sequence numbers are the cursors, JetStream's message ids make a retried push
// land once, and an ordered consumer per pulling device replays and then follows the log.
// By default the relay embeds a single-node NATS server storing under its data directory
// (embedded.go); given the URL of a NATS cluster, several relays share the stream, so a
// device on relay A sees the batches pushed through relay B.
//
// Compaction: once a device has stored a snapshot of a space (sealed like any batch: the
// relay only knows which batches form it because the device names them), it asks for the
// log to be trimmed up to the snapshot's point (Log.Trim). The relay checks that it holds
// the snapshot, records the space's trim point in the stream (a message on the space's trim
// subject, written before any batch is dropped), purges the batches up to it and counts the
// space's usage again. A pull from before the trim point is told so before the batches that
// follow it (Log.Follow), so a device never mistakes a log with a hole for a whole one.
package relaysync

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"caliopen/shared/syncproto"
)

// Names in JetStream.
const (
	StreamName    = "CALIOPEN_SYNC"
	subjectPrefix = "caliopen.sync."
	trimPrefix    = "caliopen.trim." // a space's trim point, the last message's 8 bytes
	usageBucket   = "CALIOPEN_SYNC_USAGE"
)

// LogConfig sizes the stream.
type LogConfig struct {
	// Replicas is the stream's replication factor (1 embedded; 3 on a 3-node cluster).
	Replicas int
	// DuplicateWindow is how long a push id is remembered, so a push retried within it is
	// stored once (default 10 minutes).
	DuplicateWindow time.Duration
}

// Log is the spaces' logs in JetStream.
type Log struct {
	js     jetstream.JetStream
	stream jetstream.Stream
	usage  jetstream.KeyValue
}

// ErrQuota is returned when a push would take a space over its byte quota.
var ErrQuota = errors.New("relaysync: space quota exceeded")

// ErrNoSnapshot is returned for a trim whose snapshot is not stored after the trim point.
var ErrNoSnapshot = errors.New("relaysync: the snapshot is not stored")

// OpenLog creates or updates the stream and the usage bucket.
func OpenLog(ctx context.Context, js jetstream.JetStream, cfg LogConfig) (*Log, error) {
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.DuplicateWindow <= 0 {
		cfg.DuplicateWindow = 10 * time.Minute
	}
	stream, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Caliopen sync: sealed batches, one subject per space",
		Subjects:    []string{subjectPrefix + "*", trimPrefix + "*"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardNew, // a full stream refuses: it never drops a space's history
		Replicas:    cfg.Replicas,
		Duplicates:  cfg.DuplicateWindow,
		MaxMsgSize:  syncproto.MaxBatchSize,
	})
	if err != nil {
		return nil, fmt.Errorf("relaysync: stream: %w", err)
	}
	usage, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: usageBucket, Description: "bytes stored per sync space", Storage: jetstream.FileStorage,
		Replicas: cfg.Replicas, History: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("relaysync: usage bucket: %w", err)
	}
	return &Log{js: js, stream: stream, usage: usage}, nil
}

func subject(space [syncproto.SpaceIDSize]byte) string {
	return subjectPrefix + hex.EncodeToString(space[:])
}

func trimSubject(space [syncproto.SpaceIDSize]byte) string {
	return trimPrefix + hex.EncodeToString(space[:])
}

// Append stores a batch unless it would take the space's stored bytes over quota (0: no
// quota), and returns its sequence number. A push id seen within the duplicate window gets
// the first push's sequence number and is stored once. Two relays appending to one space at
// the same moment may overshoot the quota by one batch each: the check and the count are
// separate steps.
func (l *Log) Append(ctx context.Context, space [syncproto.SpaceIDSize]byte, id [syncproto.PushIDSize]byte, data []byte, quota int64) (uint64, error) {
	key := hex.EncodeToString(space[:])
	used, rev, err := l.used(ctx, key)
	if err != nil {
		return 0, err
	}
	if quota > 0 && used+int64(len(data)) > quota {
		return 0, ErrQuota
	}
	ack, err := l.js.Publish(ctx, subject(space), data, jetstream.WithMsgID(hex.EncodeToString(id[:])), jetstream.WithExpectStream(StreamName))
	if err != nil {
		return 0, fmt.Errorf("relaysync: store batch: %w", err)
	}
	if !ack.Duplicate {
		if err := l.count(ctx, key, used, rev, int64(len(data))); err != nil {
			return 0, err
		}
	}
	return ack.Sequence, nil
}

func (l *Log) used(ctx context.Context, key string) (int64, uint64, error) {
	e, err := l.usage.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("relaysync: read usage: %w", err)
	}
	if len(e.Value()) != 8 {
		return 0, 0, fmt.Errorf("relaysync: usage of %s is damaged", key[:12])
	}
	return int64(binary.BigEndian.Uint64(e.Value())), e.Revision(), nil
}

// count adds n bytes to a space's usage, retrying when another relay updated it meanwhile.
func (l *Log) count(ctx context.Context, key string, used int64, rev uint64, n int64) error {
	for range 20 {
		if l.setUsage(ctx, key, used+n, rev) == nil {
			return nil
		}
		var err error
		if used, rev, err = l.used(ctx, key); err != nil {
			return err
		}
	}
	return fmt.Errorf("relaysync: usage of %s keeps changing", key[:12])
}

// Usage returns the bytes a space's stored batches count for its quota.
func (l *Log) Usage(ctx context.Context, space [syncproto.SpaceIDSize]byte) (int64, error) {
	used, _, err := l.used(ctx, hex.EncodeToString(space[:]))
	return used, err
}

// TrimPoint returns the space's trim point: the log holds none of its batches up to it (0
// when never trimmed). It is read from the stream's leader (the stream allows no direct
// get), which wrote it before any purge: whoever has seen a batch go has seen it.
func (l *Log) TrimPoint(ctx context.Context, space [syncproto.SpaceIDSize]byte) (uint64, error) {
	point, _, err := l.trimPoint(ctx, space)
	return point, err
}

// trimPoint also returns the sequence number of the message recording it (0 when none).
func (l *Log) trimPoint(ctx context.Context, space [syncproto.SpaceIDSize]byte) (point, msgSeq uint64, err error) {
	m, err := l.stream.GetLastMsgForSubject(ctx, trimSubject(space))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("relaysync: trim point: %w", err)
	}
	if len(m.Data) != 8 {
		return 0, 0, fmt.Errorf("relaysync: trim point of %s is damaged", short(space))
	}
	return binary.BigEndian.Uint64(m.Data), m.Sequence, nil
}

// Trim drops a space's batches up to upto, once it has checked that it stores the
// snapshot's batches parts, each after upto, on the space's subject. The trim point only
// moves forward: a trim behind it (another device's snapshot went further, and may have
// dropped this one's batches) changes nothing. It is recorded before the purge, so that a
// follower that sees batches go can tell. It returns the space's trim point.
func (l *Log) Trim(ctx context.Context, space [syncproto.SpaceIDSize]byte, upto uint64, parts []uint64) (uint64, error) {
	if point, err := l.TrimPoint(ctx, space); err != nil || upto <= point {
		return point, err
	}
	subj := subject(space)
	for _, seq := range parts {
		if seq <= upto {
			return 0, fmt.Errorf("%w: batch %d is not after %d", ErrNoSnapshot, seq, upto)
		}
		m, err := l.stream.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) || err == nil && m.Subject != subj {
			return 0, fmt.Errorf("%w: no batch %d in this space", ErrNoSnapshot, seq)
		}
		if err != nil {
			return 0, fmt.Errorf("relaysync: read snapshot: %w", err)
		}
	}
	point, err := l.movePoint(ctx, space, upto)
	if err != nil {
		return 0, err
	}
	if err := l.stream.Purge(ctx, jetstream.WithPurgeSubject(subj), jetstream.WithPurgeSequence(point+1)); err != nil {
		return 0, fmt.Errorf("relaysync: trim: %w", err)
	}
	if err := l.stream.Purge(ctx, jetstream.WithPurgeSubject(trimSubject(space)), jetstream.WithPurgeKeep(1)); err != nil {
		return 0, fmt.Errorf("relaysync: trim: %w", err)
	}
	return point, l.recount(ctx, space)
}

// movePoint sets the space's trim point to upto unless it is already there or further,
// compare-and-set on the trim subject's last message (another relay may trim the space at
// the same moment), and returns it.
func (l *Log) movePoint(ctx context.Context, space [syncproto.SpaceIDSize]byte, upto uint64) (uint64, error) {
	for range 20 {
		point, last, err := l.trimPoint(ctx, space)
		if err != nil || upto <= point {
			return point, err
		}
		_, err = l.js.Publish(ctx, trimSubject(space), binary.BigEndian.AppendUint64(nil, upto),
			jetstream.WithExpectStream(StreamName), jetstream.WithExpectLastSequencePerSubject(last))
		var apiErr *jetstream.APIError
		switch {
		case err == nil:
			return upto, nil
		case errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant):
			continue // moved meanwhile: read it again
		default:
			return 0, fmt.Errorf("relaysync: record trim point: %w", err)
		}
	}
	return 0, fmt.Errorf("relaysync: trim point of %s keeps changing", short(space))
}

// recount sets a space's usage to the bytes of the batches it still stores. A batch appended
// meanwhile either changes the usage first (the count starts again) or adds itself after;
// one appended before the count but counted after it is counted twice, which errs on the
// side of the quota until the next trim.
func (l *Log) recount(ctx context.Context, space [syncproto.SpaceIDSize]byte) error {
	key := hex.EncodeToString(space[:])
	for range 20 {
		_, rev, err := l.used(ctx, key)
		if err != nil {
			return err
		}
		stored, err := l.storedBytes(ctx, space)
		if err != nil {
			return err
		}
		if l.setUsage(ctx, key, stored, rev) == nil {
			return nil
		}
	}
	return fmt.Errorf("relaysync: usage of %s keeps changing", key[:12])
}

// storedBytes adds up the sizes of a space's stored batches, reading their headers only.
func (l *Log) storedBytes(ctx context.Context, space [syncproto.SpaceIDSize]byte) (int64, error) {
	head, err := l.Head(ctx, space)
	if err != nil || head == 0 {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cons, err := l.stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject(space)}, DeliverPolicy: jetstream.DeliverAllPolicy, HeadersOnly: true,
	})
	if err != nil {
		return 0, fmt.Errorf("relaysync: consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return 0, fmt.Errorf("relaysync: consume: %w", err)
	}
	defer it.Stop()
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	var total int64
	for {
		msg, err := it.Next()
		if err != nil {
			return 0, fmt.Errorf("relaysync: count usage: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return 0, fmt.Errorf("relaysync: message metadata: %w", err)
		}
		size, err := strconv.ParseInt(msg.Headers().Get(nats.MsgSize), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("relaysync: batch %d without its size", meta.Sequence.Stream)
		}
		total += size
		if meta.Sequence.Stream >= head || meta.NumPending == 0 {
			return total, nil
		}
	}
}

// setUsage writes a space's usage if it is still at revision rev (0: never written); it
// fails when another relay changed it meanwhile.
func (l *Log) setUsage(ctx context.Context, key string, used int64, rev uint64) error {
	v := binary.BigEndian.AppendUint64(nil, uint64(used))
	var err error
	if rev == 0 {
		_, err = l.usage.Create(ctx, key, v)
	} else {
		_, err = l.usage.Update(ctx, key, v, rev)
	}
	return err
}

// Head returns the sequence number of a space's last batch (0 when none).
func (l *Log) Head(ctx context.Context, space [syncproto.SpaceIDSize]byte) (uint64, error) {
	m, err := l.stream.GetLastMsgForSubject(ctx, subject(space))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("relaysync: head: %w", err)
	}
	return m.Sequence, nil
}

// Follow calls batch for every batch of a space after the cursor, in order, then caught
// with the head once it has sent them all; when live, it goes on with each new batch until
// ctx ends or a callback fails. Before the first batch after batches that a trim dropped
// (the cursor is before the trim point, or a trim overtook the follower), it calls trimmed
// with the trim point.
func (l *Log) Follow(ctx context.Context, space [syncproto.SpaceIDSize]byte, after uint64, live bool,
	batch func(seq uint64, data []byte) error, caught func(head uint64) error, trimmed func(point uint64) error) error {
	told, err := l.TrimPoint(ctx, space)
	if err != nil {
		return err
	}
	if told > after {
		if err := trimmed(told); err != nil {
			return err
		}
	}
	head, err := l.Head(ctx, space)
	if err != nil {
		return err
	}
	if head <= after {
		if err := caught(max(head, after)); err != nil || !live {
			return err
		}
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject(space)}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if after > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	}
	cons, err := l.stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("relaysync: consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("relaysync: consume: %w", err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	caughtUp := head <= after
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("relaysync: read log: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("relaysync: message metadata: %w", err)
		}
		seq := meta.Sequence.Stream
		if seq <= after {
			continue
		}
		if seq > after+1 {
			// Other spaces' batches, or this space's, trimmed: ask the trim point.
			point, err := l.TrimPoint(ctx, space)
			if err != nil {
				return err
			}
			if point > after && point > told {
				if err := trimmed(point); err != nil {
					return err
				}
				told = point
			}
		}
		if err := batch(seq, msg.Data()); err != nil {
			return err
		}
		after = seq
		if !caughtUp && (meta.NumPending == 0 || seq >= head) {
			caughtUp = true
			if err := caught(seq); err != nil || !live {
				return err
			}
		}
	}
}
