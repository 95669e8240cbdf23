package syncspace

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"caliopen/shared/syncproto"
)

// A batch's operations are encoded in the protocol buffers wire format (written with
// protowire, the protobuf module's low-level encoder, without generated code): compact,
// several times faster to decode than JSON, and able to skip fields a newer version adds.
//
//	batch    { repeated Op ops = 1; Snapshot snapshot = 2; }
//	Op       { uint64 wall = 1; uint32 logical = 2; string node = 3; Kind kind = 4; string coll = 5;
//	           string key = 6; string field = 7; string elem = 8; bytes value = 9; repeated HLC tags = 10;
//	           uint64 seq = 11; }
//	HLC      { uint64 wall = 1; uint32 logical = 2; string node = 3; }
//	Kind     { set = 1; del = 2; add = 3; rem = 4; claim = 5; }
//	Snapshot { bytes id = 1; uint64 upto = 2; uint32 part = 3; uint32 parts = 4; }
//
// A version that does not know snapshots reads a snapshot's batch as ordinary operations,
// which merge into what it holds without changing it.

var kindCodes = map[Kind]uint64{Set: 1, Delete: 2, Add: 3, Remove: 4, Claim: 5}
var codeKinds = map[uint64]Kind{1: Set, 2: Delete, 3: Add, 4: Remove, 5: Claim}

var errCodec = errors.New("syncspace: batch does not decode")

func appendHLC(b []byte, h HLC) []byte {
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(h.Wall))
	if h.Logical != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(h.Logical))
	}
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	return protowire.AppendString(b, h.Node)
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func appendOp(b []byte, op Op) []byte {
	b = appendHLC(b, op.At)
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, kindCodes[op.Kind])
	b = appendStringField(b, 5, op.Coll)
	b = appendStringField(b, 6, op.Key)
	b = appendStringField(b, 7, op.Field)
	b = appendStringField(b, 8, op.Elem)
	if len(op.Value) > 0 {
		b = protowire.AppendTag(b, 9, protowire.BytesType)
		b = protowire.AppendBytes(b, op.Value)
	}
	var tmp []byte
	for _, t := range op.Tags {
		tmp = appendHLC(tmp[:0], t)
		b = protowire.AppendTag(b, 10, protowire.BytesType)
		b = protowire.AppendBytes(b, tmp)
	}
	if op.Seq != 0 {
		b = protowire.AppendTag(b, 11, protowire.VarintType)
		b = protowire.AppendVarint(b, op.Seq)
	}
	return b
}

// encodeOps appends the encoded batch to b.
func encodeOps(b []byte, ops []Op) []byte {
	return encodeBatch(b, ops, nil)
}

// encodeBatch appends the encoded batch, marked as part of a snapshot when part is not nil.
func encodeBatch(b []byte, ops []Op, part *SnapshotPart) []byte {
	var tmp []byte
	for _, op := range ops {
		tmp = appendOp(tmp[:0], op)
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, tmp)
	}
	if part != nil {
		tmp = protowire.AppendTag(tmp[:0], 1, protowire.BytesType)
		tmp = protowire.AppendBytes(tmp, part.ID[:])
		tmp = protowire.AppendTag(tmp, 2, protowire.VarintType)
		tmp = protowire.AppendVarint(tmp, part.Upto)
		tmp = protowire.AppendTag(tmp, 3, protowire.VarintType)
		tmp = protowire.AppendVarint(tmp, uint64(part.Part))
		tmp = protowire.AppendTag(tmp, 4, protowire.VarintType)
		tmp = protowire.AppendVarint(tmp, uint64(part.Parts))
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, tmp)
	}
	return b
}

func decodeSnapshotPart(b []byte) (*SnapshotPart, error) {
	var p SnapshotPart
	idLen := -1
	err := fields(b, func(num protowire.Number, v uint64, data []byte) error {
		switch num {
		case 1:
			idLen = copy(p.ID[:], data)
			if len(data) != len(p.ID) {
				return errCodec
			}
		case 2:
			p.Upto = v
		case 3:
			p.Part = int(min(v, 1<<31))
		case 4:
			p.Parts = int(min(v, 1<<31))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if idLen != len(p.ID) || p.Upto == 0 || p.Parts < 1 || p.Parts > syncproto.MaxTrimParts || p.Part >= p.Parts {
		return nil, fmt.Errorf("syncspace: bad snapshot header (part %d of %d, up to %d)", p.Part, p.Parts, p.Upto)
	}
	return &p, nil
}

// arena hands out the strings of a batch as substrings of one copy of it: one allocation per
// batch instead of one per string.
type arena struct {
	text string
	base int // cap of the batch's slice: a field's offset is base - cap(field)
}

func newArena(b []byte) arena { return arena{text: string(b), base: cap(b)} }

func (a arena) get(data []byte) string {
	off := a.base - cap(data)
	return a.text[off : off+len(data)]
}

// fields walks the fields of one message, calling fn with each field's number and value (a
// varint's value, or a length-delimited field's bytes); other wire types are skipped.
func fields(b []byte, fn func(num protowire.Number, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errCodec
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return errCodec
			}
			b = b[n:]
			if err := fn(num, v, nil); err != nil {
				return err
			}
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return errCodec
			}
			b = b[n:]
			if err := fn(num, 0, v); err != nil {
				return err
			}
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return errCodec
			}
			b = b[n:]
		}
	}
	return nil
}

func decodeHLC(b []byte, in arena) (HLC, error) {
	var h HLC
	err := fields(b, func(num protowire.Number, v uint64, data []byte) error {
		switch num {
		case 1:
			h.Wall = int64(v)
		case 2:
			if v > 1<<32-1 {
				return errCodec
			}
			h.Logical = uint32(v)
		case 3:
			h.Node = in.get(data)
		}
		return nil
	})
	return h, err
}

func decodeOp(b []byte, in arena) (Op, error) {
	var op Op
	var err error
	err = fields(b, func(num protowire.Number, v uint64, data []byte) error {
		switch num {
		case 1:
			op.At.Wall = int64(v)
		case 2:
			if v > 1<<32-1 {
				return errCodec
			}
			op.At.Logical = uint32(v)
		case 3:
			op.At.Node = in.get(data)
		case 4:
			op.Kind = codeKinds[v]
			if op.Kind == "" {
				return fmt.Errorf("syncspace: unknown operation kind %d", v)
			}
		case 5:
			op.Coll = in.get(data)
		case 6:
			op.Key = in.get(data)
		case 7:
			op.Field = in.get(data)
		case 8:
			op.Elem = in.get(data)
		case 9:
			op.Value = data[:len(data):len(data)] // aliases the batch (see decodeOps)
		case 10:
			t, err := decodeHLC(data, in)
			if err != nil {
				return err
			}
			op.Tags = append(op.Tags, t)
		case 11:
			op.Seq = v
		}
		return nil
	})
	return op, err
}

// decodeOps decodes a batch and checks each operation. The operations' values alias b: the
// caller hands it over and must not change it.
func decodeOps(b []byte) ([]Op, error) {
	ops, _, err := decodeBatch(b)
	return ops, err
}

// decodeBatch decodes a batch, its operations checked, and its snapshot header (nil when it
// is not part of a snapshot). The operations' values alias b, as for decodeOps.
func decodeBatch(b []byte) ([]Op, *SnapshotPart, error) {
	b = b[:len(b):len(b)] // the arena finds a field by its distance from the end of b's capacity
	in := newArena(b)
	n := 0
	var part *SnapshotPart
	if err := fields(b, func(num protowire.Number, _ uint64, data []byte) error {
		switch num {
		case 1:
			n++
		case 2:
			if part != nil {
				return errCodec
			}
			var err error
			part, err = decodeSnapshotPart(data)
			return err
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	ops := make([]Op, 0, n)
	err := fields(b, func(num protowire.Number, _ uint64, data []byte) error {
		if num != 1 {
			return nil
		}
		op, err := decodeOp(data, in)
		if err != nil {
			return err
		}
		if err := op.Validate(); err != nil {
			return err
		}
		ops = append(ops, op)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return ops, part, nil
}
