package syncspace

import (
	"encoding/binary"
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

var codeKinds = map[uint64]Kind{1: Set, 2: Delete, 3: Add, 4: Remove, 5: Claim}

func kindCode(k Kind) uint64 {
	switch k {
	case Set:
		return 1
	case Delete:
		return 2
	case Add:
		return 3
	case Remove:
		return 4
	case Claim:
		return 5
	}
	return 0
}

var errCodec = errors.New("syncspace: batch does not decode")

// Each operation is written in place, after its exact size: the sizeX functions say what the
// appendX functions write.

func sizeHLC(h *HLC) int {
	n := 1 + protowire.SizeVarint(uint64(h.Wall)) + 1 + protowire.SizeBytes(len(h.Node))
	if h.Logical != 0 {
		n += 1 + protowire.SizeVarint(uint64(h.Logical))
	}
	return n
}

func appendHLC(b []byte, h *HLC) []byte {
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(h.Wall))
	if h.Logical != 0 {
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(h.Logical))
	}
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	return protowire.AppendString(b, h.Node)
}

func sizeStringField(s string) int {
	if s == "" {
		return 0
	}
	return 1 + protowire.SizeBytes(len(s))
}

func appendStringField(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

func sizeOp(op *Op) int {
	n := sizeHLC(&op.At) + 1 + protowire.SizeVarint(kindCode(op.Kind)) +
		sizeStringField(op.Coll) + sizeStringField(op.Key) + sizeStringField(op.Field) + sizeStringField(op.Elem)
	if len(op.Value) > 0 {
		n += 1 + protowire.SizeBytes(len(op.Value))
	}
	for i := range op.Tags {
		n += 1 + protowire.SizeBytes(sizeHLC(&op.Tags[i]))
	}
	if op.Seq != 0 {
		n += 1 + protowire.SizeVarint(op.Seq)
	}
	return n
}

func appendOp(b []byte, op *Op) []byte {
	b = appendHLC(b, &op.At)
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, kindCode(op.Kind))
	b = appendStringField(b, 5, op.Coll)
	b = appendStringField(b, 6, op.Key)
	b = appendStringField(b, 7, op.Field)
	b = appendStringField(b, 8, op.Elem)
	if len(op.Value) > 0 {
		b = protowire.AppendTag(b, 9, protowire.BytesType)
		b = protowire.AppendBytes(b, op.Value)
	}
	for i := range op.Tags {
		b = protowire.AppendTag(b, 10, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeHLC(&op.Tags[i])))
		b = appendHLC(b, &op.Tags[i])
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

// appendOpField appends an operation as a batch's field.
func appendOpField(b []byte, op *Op) []byte {
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(sizeOp(op)))
	return appendOp(b, op)
}

// encodeBatch appends the encoded batch, marked as part of a snapshot when part is not nil.
func encodeBatch(b []byte, ops []Op, part *SnapshotPart) []byte {
	for i := range ops {
		b = appendOpField(b, &ops[i])
	}
	if part != nil {
		var tmp []byte
		tmp = protowire.AppendTag(tmp, 1, protowire.BytesType)
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
// batch instead of one per string. Values are copied into shared chunks, so that nothing
// decoded refers to the batch's buffer, which the caller may reuse.
type arena struct {
	text   string
	base   int    // cap of the batch's slice: a field's offset is base - cap(field)
	values []byte // the chunk values are copied into
}

func newArena(b []byte) *arena { return &arena{text: string(b), base: cap(b)} }

// value returns a copy of a value.
func (a *arena) value(data []byte) []byte {
	if cap(a.values)-len(a.values) < len(data) {
		a.values = make([]byte, 0, max(len(data), 4<<10))
	}
	n := len(a.values)
	a.values = append(a.values, data...)
	return a.values[n:len(a.values):len(a.values)]
}

func (a *arena) get(data []byte) string {
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

func decodeHLC(b []byte, in *arena) (HLC, error) {
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

func decodeOp(b []byte, in *arena) (Op, error) {
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
			op.Value = in.value(data)
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

// A batch a device keeps at rest (atrest.go) has two more fields, its sequence number in the
// log and its sealed size (both 0 for queued operations):
//
//	stored { repeated Op ops = 1; Snapshot snapshot = 2; uint64 seq = 3; uint64 size = 4; }

// sizeStored is at least what appendStored writes for b.
func sizeStored(b *Logged) int {
	n := 2 * (1 + binary.MaxVarintLen64)
	for i := range b.Ops {
		size := sizeOp(&b.Ops[i])
		n += 1 + protowire.SizeVarint(uint64(size)) + size
	}
	if b.Snapshot != nil {
		n += 64
	}
	return n
}

// appendStored appends b as a stored batch.
func appendStored(dst []byte, b *Logged) []byte {
	dst = encodeBatch(dst, b.Ops, b.Snapshot)
	if b.Seq != 0 {
		dst = protowire.AppendTag(dst, 3, protowire.VarintType)
		dst = protowire.AppendVarint(dst, b.Seq)
	}
	if b.Size > 0 {
		dst = protowire.AppendTag(dst, 4, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(b.Size))
	}
	return dst
}

// decodeStored decodes what appendStored wrote. The operations are not checked again: they
// were when received or written, and the record is authenticated. Nothing decoded refers to b.
func decodeStored(b []byte) (Logged, error) {
	var l Logged
	var err error
	l.Ops, l.Snapshot, err = decodeBatchOps(b, false, func(num protowire.Number, v uint64) {
		switch num {
		case 3:
			l.Seq = v
		case 4:
			l.Size = int(min(v, 1<<31))
		}
	})
	return l, err
}

// A list of stamps that a device keeps (which operations a batch carried, which are still
// queued) is written in the same codec, after a format byte (the lists an earlier version
// kept are JSON, which starts otherwise):
//
//	stamps { repeated HLC stamps = 1; }

// stampsFormat is the first byte of an encoded list of stamps.
const stampsFormat = 0x01

// AppendStamps appends the list of stamps ats to b.
func AppendStamps(b []byte, ats []HLC) []byte {
	b = append(b, stampsFormat)
	for i := range ats {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(sizeHLC(&ats[i])))
		b = appendHLC(b, &ats[i])
	}
	return b
}

// IsStamps reports whether b starts as AppendStamps writes.
func IsStamps(b []byte) bool { return len(b) > 0 && b[0] == stampsFormat }

// DecodeStamps decodes what AppendStamps wrote. Nothing decoded refers to b.
func DecodeStamps(b []byte) ([]HLC, error) {
	if !IsStamps(b) {
		return nil, errCodec
	}
	b = b[1:len(b):len(b)]
	in := newArena(b)
	n := 0
	if err := fields(b, func(protowire.Number, uint64, []byte) error { n++; return nil }); err != nil {
		return nil, err
	}
	ats := make([]HLC, 0, n)
	err := fields(b, func(num protowire.Number, _ uint64, data []byte) error {
		if num != 1 {
			return nil
		}
		h, err := decodeHLC(data, in)
		ats = append(ats, h)
		return err
	})
	return ats, err
}

// decodeOps decodes a batch and checks each operation. Nothing decoded refers to b.
func decodeOps(b []byte) ([]Op, error) {
	ops, _, err := decodeBatch(b)
	return ops, err
}

// decodeBatch decodes a batch, its operations checked, and its snapshot header (nil when it
// is not part of a snapshot). Nothing decoded refers to b.
func decodeBatch(b []byte) ([]Op, *SnapshotPart, error) {
	return decodeBatchOps(b, true, nil)
}

// decodeBatchOps decodes a batch, its operations checked when validate is set, and calls
// other, when not nil, with each varint field past the batch's own.
func decodeBatchOps(b []byte, validate bool, other func(num protowire.Number, v uint64)) ([]Op, *SnapshotPart, error) {
	b = b[:len(b):len(b)] // the arena finds a field by its distance from the end of b's capacity
	in := newArena(b)
	n := 0
	var part *SnapshotPart
	if err := fields(b, func(num protowire.Number, v uint64, data []byte) error {
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
		default:
			if other != nil && data == nil {
				other(num, v)
			}
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
		if validate {
			if err := op.Validate(); err != nil {
				return err
			}
		} else if op.Kind == "" {
			return errCodec
		}
		ops = append(ops, op)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return ops, part, nil
}
