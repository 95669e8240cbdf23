package syncspace

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestAtRestSealsBoundToNameAndSpace(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	plain := []byte(`{"secret":"hunter2"}`)
	sealed, err := k.SealAtRest("sync/queue/1", plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("sealed value holds the plaintext")
	}
	if got, err := k.OpenAtRest("sync/queue/1", sealed); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	for name, try := range map[string]func() ([]byte, error){
		"another record": func() ([]byte, error) { return k.OpenAtRest("sync/queue/2", sealed) },
		"another space":  func() ([]byte, error) { return other.OpenAtRest("sync/queue/1", sealed) },
		"tampered": func() ([]byte, error) {
			bad := bytes.Clone(sealed)
			bad[len(bad)-1] ^= 1
			return k.OpenAtRest("sync/queue/1", bad)
		},
		"cut short":  func() ([]byte, error) { return k.OpenAtRest("sync/queue/1", sealed[:10]) },
		"plain JSON": func() ([]byte, error) { return k.OpenAtRest("sync/queue/1", plain) },
	} {
		if _, err := try(); !errors.Is(err, ErrOpenAtRest) {
			t.Errorf("%s: %v, want ErrOpenAtRest", name, err)
		}
	}
	// The at-rest key is not the key batches travel under.
	if k.atRest == k.aead {
		t.Fatal("at-rest key equals the batch key")
	}
}

func TestDigestIsKeyed(t *testing.T) {
	k, _ := NewKey()
	other, _ := NewKey()
	v := []byte(`{"secret":"hunter2"}`)
	if k.Digest(v) != k.Digest(v) {
		t.Fatal("digest is not stable")
	}
	if k.Digest(v) == other.Digest(v) {
		t.Fatal("two spaces give the same digest: it is not keyed")
	}
	if k.Digest(v) == k.Digest([]byte(`{"secret":"hunter3"}`)) {
		t.Fatal("different values, same digest")
	}
}

// A batch sealed at rest opens the same under its record's name only, and what an earlier
// version sealed at rest as JSON still opens.
func TestBatchAtRestRoundTrip(t *testing.T) {
	k, _ := NewKey()
	b := Logged{Seq: 7, Size: 4096, Snapshot: &SnapshotPart{ID: [16]byte{3}, Upto: 5, Part: 1, Parts: 2}, Ops: []Op{
		{At: at(1700000000000, 0, "phone"), Kind: Set, Coll: "account", Key: "a1", Field: "v", Value: json.RawMessage(`{"secret":"hunter2"}`)},
		{At: at(1700000000004, 0, "desk"), Kind: Claim, Coll: "outbox", Key: "m1", Seq: 3},
	}}
	sealed, err := k.SealBatchAtRest("sync/log/7", b)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("hunter2")) {
		t.Fatal("sealed batch holds the plaintext")
	}
	again, _ := k.SealBatchAtRest("sync/log/7", b)
	if bytes.Equal(again[:headerSize], sealed[:headerSize]) {
		t.Fatal("two seals with one nonce")
	}
	if _, err := k.OpenBatchAtRest("sync/log/8", bytes.Clone(sealed)); !errors.Is(err, ErrOpenAtRest) {
		t.Fatalf("opened under another name: %v", err)
	}
	got, err := k.OpenBatchAtRest("sync/log/7", sealed)
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	legacy, _ := json.Marshal(b)
	old, _ := k.SealAtRest("sync/log/7", legacy)
	if got, err := k.OpenBatchAtRest("sync/log/7", old); err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("JSON stored by an earlier version: %+v, %v", got, err)
	}
}

func TestStampsRoundTrip(t *testing.T) {
	ats := []HLC{at(1700000000000, 0, "phone"), at(1700000000001, 3, "phone"), at(5, 1<<32-1, "desk")}
	got, err := DecodeStamps(AppendStamps(nil, ats))
	if err != nil || !reflect.DeepEqual(got, ats) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	if got, err := DecodeStamps(AppendStamps(nil, nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty list: %v, %v", got, err)
	}
	for _, bad := range [][]byte{nil, []byte(`["1.0.a"]`), {stampsFormat, 0x0a, 0x05, 0x08}} {
		if _, err := DecodeStamps(bad); err == nil {
			t.Errorf("DecodeStamps(%x) accepted", bad)
		}
	}
}

// FuzzDecodeStored feeds the decoders of what a device stores at rest (a batch, a list of
// stamps) any bytes: they never panic, and what they accept encodes back to the same.
func FuzzDecodeStored(f *testing.F) {
	f.Add(appendStored(nil, &Logged{Seq: 3, Size: 1024, Ops: []Op{{At: at(1, 0, "a"), Kind: Add, Coll: "c", Key: "k", Elem: "e"}}}))
	f.Add(AppendStamps(nil, []HLC{at(1, 0, "a"), at(2, 5, "b")}))
	f.Add([]byte{0x18, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if l, err := decodeStored(b); err == nil {
			again, err := decodeStored(appendStored(nil, &l))
			if err != nil || !reflect.DeepEqual(again, l) {
				t.Fatalf("batch round trip changed it:\n%+v\n%+v %v", l, again, err)
			}
		}
		if ats, err := DecodeStamps(b); err == nil {
			again, err := DecodeStamps(AppendStamps(nil, ats))
			if err != nil || len(again) != len(ats) || len(ats) > 0 && !reflect.DeepEqual(again, ats) {
				t.Fatalf("stamps round trip changed them:\n%v\n%v %v", ats, again, err)
			}
		}
	})
}
