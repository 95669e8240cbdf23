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
package relaysync

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"caliopen/shared/syncproto"
)

// Names in JetStream.
const (
	StreamName    = "CALIOPEN_SYNC"
	subjectPrefix = "caliopen.sync."
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
		Subjects:    []string{subjectPrefix + "*"},
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
		v := binary.BigEndian.AppendUint64(nil, uint64(used+n))
		var err error
		if rev == 0 {
			_, err = l.usage.Create(ctx, key, v)
		} else {
			_, err = l.usage.Update(ctx, key, v, rev)
		}
		if err == nil {
			return nil
		}
		if used, rev, err = l.used(ctx, key); err != nil {
			return err
		}
	}
	return fmt.Errorf("relaysync: usage of %s keeps changing", key[:12])
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
// ctx ends or a callback fails.
func (l *Log) Follow(ctx context.Context, space [syncproto.SpaceIDSize]byte, after uint64, live bool,
	batch func(seq uint64, data []byte) error, caught func(head uint64) error) error {
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
