package syncspace

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestCodecRoundTrip(t *testing.T) {
	ops := []Op{
		{At: at(1700000000000, 0, "phone"), Kind: Set, Coll: "setting", Key: "theme", Field: "v", Value: json.RawMessage(`{"dark":true}`)},
		{At: at(1700000000001, 3, "phone"), Kind: Delete, Coll: "draft", Key: "d1"},
		{At: at(1700000000002, 0, "desk"), Kind: Add, Coll: "links", Key: "c1", Elem: "email:a@b"},
		{At: at(1700000000003, 1<<32-1, "desk"), Kind: Remove, Coll: "links", Key: "c1", Elem: "email:a@b", Tags: []HLC{at(1700000000002, 0, "desk"), at(5, 2, "phone")}},
		{At: at(1700000000004, 0, "desk"), Kind: Claim, Coll: "outbox", Key: "m1"},
	}
	got, err := decodeOps(encodeOps(nil, ops))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ops) {
		t.Fatalf("round trip:\n%+v\n%+v", got, ops)
	}
	// A field a newer version adds (number 15, a varint) is skipped.
	extended := appendOp(nil, ops[0])
	extended = append(extended, 15<<3|0, 42)
	b := append([]byte{1<<3 | 2, byte(len(extended))}, extended...)
	if got, err := decodeOps(b); err != nil || !reflect.DeepEqual(got, ops[:1]) {
		t.Fatalf("unknown field: %+v %v", got, err)
	}
	for _, bad := range [][]byte{{0x0a, 0x05, 0x08}, {0x0a, 0x02, 0x20, 0x09}} {
		if _, err := decodeOps(bad); err == nil {
			t.Errorf("decodeOps(%x) accepted", bad)
		}
	}
}

// FuzzDecodeOps feeds the batch decoder what a batch holds once opened (FuzzOpen in
// key_test.go rarely gets past the AEAD): it never panics, and what it accepts (operations and
// snapshot header) encodes back to a batch that decodes the same.
func FuzzDecodeOps(f *testing.F) {
	f.Add(encodeOps(nil, []Op{
		{At: at(1700000000000, 0, "phone"), Kind: Set, Coll: "setting", Key: "theme", Field: "v", Value: json.RawMessage(`"dark"`)},
		{At: at(1700000000003, 1, "desk"), Kind: Remove, Coll: "links", Key: "c1", Elem: "email:a@b", Tags: []HLC{at(5, 2, "phone")}},
		{At: at(1700000000004, 0, "desk"), Kind: Claim, Coll: "outbox", Key: "m1"},
	}))
	f.Add(encodeBatch(nil, []Op{{At: at(1700000000004, 0, "desk"), Kind: Claim, Coll: "outbox", Key: "m1", Seq: 12}},
		&SnapshotPart{ID: [16]byte{1}, Upto: 11, Part: 1, Parts: 2}))
	f.Add([]byte{0x0a, 0x05, 0x08})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, part, err := decodeBatch(b)
		if err != nil {
			return
		}
		again, againPart, err := decodeBatch(encodeBatch(nil, ops, part))
		if err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, ops) || !reflect.DeepEqual(againPart, part) {
			t.Fatalf("round trip changed the batch:\n%+v %+v\n%+v %+v", ops, part, again, againPart)
		}
	})
}
