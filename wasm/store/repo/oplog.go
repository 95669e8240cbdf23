package repo

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"caliopen/wasm/store"
)

// Op is one change of user-owned state (a contact merged or split, a tag, a setting, a key),
// appended to the operation log in the transaction that makes the change, so that another device
// can replay it. Seq is local, gapless and increasing.
type Op struct {
	Seq  uint64          `json:"seq"`
	Kind string          `json:"kind"`
	At   time.Time       `json:"at"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Kinds of operations the core logs. Packages may add theirs.
const (
	OpContactMerge = "contact.merge"
	OpContactSplit = "contact.split"
	OpTagSet       = "tag.set"
	OpSettingSet   = "setting.set"
	OpKeyImport    = "key.import"
)

// OpLogStores are the stores appending an operation touches.
var OpLogStores = []string{OpLog, Meta}

const seqKey = "oplog.seq"

// AppendOp appends an operation with data (encoded as JSON) and returns its sequence number.
// Needs OpLogStores.
func (tx *Tx) AppendOp(kind string, data any) (uint64, error) {
	var seq uint64
	rec, err := tx.Get(Meta, seqKey)
	switch err {
	case nil:
		if seq, err = strconv.ParseUint(string(rec.Value), 10, 64); err != nil {
			return 0, &store.Error{Op: "append op", Store: Meta, Key: seqKey, Err: store.ErrCorrupt}
		}
	case store.ErrNotFound:
	default:
		return 0, err
	}
	seq++
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, err
	}
	op := Op{Seq: seq, Kind: kind, At: tx.now().UTC(), Data: raw}
	if err := tx.putJSON(OpLog, store.SeqKey(seq), &op, nil); err != nil {
		return 0, err
	}
	return seq, tx.Put(Meta, store.Record{Key: seqKey, Value: []byte(strconv.FormatUint(seq, 10))})
}

// Ops returns up to limit operations after sequence number after, in order.
func (r *Repo) Ops(ctx context.Context, after uint64, limit int) (ops []Op, err error) {
	err = r.View(ctx, []string{OpLog}, func(tx *Tx) error {
		ops, err = scanJSON[Op](tx, OpLog, store.Query{After: &store.Pos{Key: store.SeqKey(after)}, Limit: limit})
		return err
	})
	return ops, err
}

// LastSeq returns the sequence number of the last operation (0 when none).
func (r *Repo) LastSeq(ctx context.Context) (seq uint64, err error) {
	err = r.View(ctx, []string{Meta}, func(tx *Tx) error {
		rec, err := tx.Get(Meta, seqKey)
		if err == store.ErrNotFound {
			return nil
		}
		if err == nil {
			seq, err = strconv.ParseUint(string(rec.Value), 10, 64)
		}
		return err
	})
	return seq, err
}

// SettingStores are the stores a setting change touches.
var SettingStores = []string{Meta, OpLog}

// SetSetting stores a user setting (encoded as JSON) and logs the change, in one transaction.
func (r *Repo) SetSetting(ctx context.Context, name string, value any) error {
	return r.setSetting(ctx, name, value, "")
}

// SetSettingFromSync stores a setting another device changed: its operation-log entry says
// so (origin "sync"), and device sync does not carry it back into the space.
func (r *Repo) SetSettingFromSync(ctx context.Context, name string, value any) error {
	return r.setSetting(ctx, name, value, OriginSync)
}

// OriginSync marks operation-log entries that device sync applied.
const OriginSync = "sync"

func (r *Repo) setSetting(ctx context.Context, name string, value any, origin string) error {
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return r.Update(ctx, SettingStores, func(tx *Tx) error {
		if err := tx.Put(Meta, store.Record{Key: store.Tuple("setting", name), Value: raw}); err != nil {
			return err
		}
		data := map[string]json.RawMessage{"name": mustJSON(name), "value": raw}
		if origin != "" {
			data["origin"] = mustJSON(origin)
		}
		_, err := tx.AppendOp(OpSettingSet, data)
		return err
	})
}

// Setting decodes a user setting into v; ErrNotFound when never set.
func (r *Repo) Setting(ctx context.Context, name string, v any) error {
	return r.View(ctx, []string{Meta}, func(tx *Tx) error { return tx.getJSON(Meta, store.Tuple("setting", name), v) })
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
