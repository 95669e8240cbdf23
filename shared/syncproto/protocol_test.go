package syncproto

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sampleFrames() []Frame {
	var nonce [NonceSize]byte
	nonce[3] = 7
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	h := Hello{Version: Version, Token: "crt_token"}
	copy(h.PublicKey[:], pub)
	copy(h.Signature[:], ed25519.Sign(priv, HelloMessage(nonce, h.Space())))
	id := [PushIDSize]byte{1, 2, 3}
	return []Frame{
		Challenge{Version: Version, Nonce: nonce},
		h,
		Welcome{Head: 42},
		Welcome{Head: 42, Features: FeatureTrim},
		Push{ID: id, Data: []byte("sealed")},
		Push{ID: id, Data: []byte("snapshot part"), Snapshot: true},
		Ack{ID: id, Seq: 9},
		Pull{After: 3, Live: true},
		Pull{},
		Batch{Seq: 1 << 40, Data: []byte{0}},
		Caught{Head: 12},
		Trim{Upto: 100, Parts: []uint64{104, 106, 107}},
		Trimmed{Upto: 100},
		&Error{Code: CodeQuota, Push: id, Message: "space full"},
		&Error{Code: CodeAuthFailed},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, f := range sampleFrames() {
		b, err := Append(nil, f)
		if err != nil {
			t.Fatalf("%T: %v", f, err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("%T: %v", f, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Fatalf("round trip: got %#v, want %#v", got, f)
		}
	}
}

func TestHelloSignature(t *testing.T) {
	h := sampleFrames()[1].(Hello)
	var nonce [NonceSize]byte
	nonce[3] = 7
	if !h.Verify(nonce) {
		t.Fatal("valid signature refused")
	}
	nonce[0] = 1
	if h.Verify(nonce) {
		t.Fatal("signature accepted for another nonce")
	}
}

func TestStrictParse(t *testing.T) {
	for _, f := range sampleFrames() {
		b, _ := Append(nil, f)
		// Batches and messages have no fixed length; a Welcome with features cut of its
		// features byte is a Welcome from a relay without features.
		open := f.frameType() == TypePush || f.frameType() == TypeSnapshot || f.frameType() == TypeBatch || f.frameType() == TypeError
		if _, err := Parse(append(b, 0)); err == nil && !open {
			t.Errorf("%T: trailing byte accepted", f)
		}
		if w, ok := f.(Welcome); ok && w.Features != 0 {
			continue
		}
		if _, err := Parse(b[:len(b)-1]); err == nil && !open {
			t.Errorf("%T: truncated frame accepted", f)
		}
	}
	for _, bad := range [][]byte{
		{byte(TypeWelcome), 0, 0, 0, 0, 0, 0, 0, 1, 0},    // a features byte of 0 is not the canonical form
		{byte(TypeTrim), 0, 0, 0, 0, 0, 0, 0, 1},          // no snapshot batch
		{byte(TypeTrim), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0}, // a partial sequence number
	} {
		if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%x) = %v, want ErrMalformed", bad, err)
		}
	}
	if _, err := Append(nil, Trim{Upto: 1}); err == nil {
		t.Error("a trim naming no snapshot batch encoded")
	}
	if _, err := Append(nil, Trim{Upto: 1, Parts: make([]uint64, MaxTrimParts+1)}); err == nil {
		t.Error("a trim naming too many snapshot batches encoded")
	}
	big := Trim{Upto: 1, Parts: make([]uint64, MaxTrimParts)}
	if b, err := Append(nil, big); err != nil || len(b) > MaxFrameSize {
		t.Errorf("the largest trim: %d bytes, %v", len(b), err)
	} else if _, err := Parse(b); err != nil {
		t.Errorf("the largest trim does not parse: %v", err)
	}
	for _, bad := range [][]byte{nil, {0x55}, {byte(TypePull), 0, 0, 0, 0, 0, 0, 0, 0, 2}, {byte(TypePush), 1}} {
		if _, err := Parse(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%x) = %v, want ErrMalformed", bad, err)
		}
	}
	if _, err := Append(nil, Push{Data: make([]byte, MaxBatchSize+1)}); err == nil {
		t.Error("oversized push encoded")
	}
	long := &Error{Code: CodeStore, Message: strings.Repeat("é", MaxErrorLen)}
	b, err := Append(nil, long)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(b); err != nil {
		t.Fatalf("a long error message is not truncated to a valid one: %v", err)
	}
}

// FuzzParse checks that the parser never panics and that whatever it accepts re-encodes to
// exactly the same bytes (one encoding per frame, no slack).
func FuzzParse(f *testing.F) {
	for _, fr := range sampleFrames() {
		b, _ := Append(nil, fr)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{byte(TypeHello), Version, 255})
	f.Fuzz(func(t *testing.T, p []byte) {
		fr, err := Parse(p)
		if err != nil {
			return
		}
		b, err := Append(nil, fr)
		if err != nil {
			t.Fatalf("accepted frame does not re-encode: %v", err)
		}
		if !bytes.Equal(b, p) {
			t.Fatalf("re-encoding differs: %x vs %x", b, p)
		}
	})
}

// FuzzTrim builds Trim frames from arbitrary numbers: whatever encodes parses back to the
// same frame, and no frame naming no batch or too many encodes.
func FuzzTrim(f *testing.F) {
	f.Add(uint64(100), []byte{0, 0, 0, 0, 0, 0, 0, 104})
	f.Add(uint64(0), []byte{})
	f.Add(uint64(1<<63), bytes.Repeat([]byte{0xff}, 8*3+5))
	f.Fuzz(func(t *testing.T, upto uint64, raw []byte) {
		tr := Trim{Upto: upto}
		for i := 0; i+8 <= len(raw); i += 8 {
			tr.Parts = append(tr.Parts, uint64(raw[i])<<56|uint64(raw[i+1])<<48|uint64(raw[i+2])<<40|uint64(raw[i+3])<<32|
				uint64(raw[i+4])<<24|uint64(raw[i+5])<<16|uint64(raw[i+6])<<8|uint64(raw[i+7]))
		}
		b, err := Append(nil, tr)
		if len(tr.Parts) == 0 || len(tr.Parts) > MaxTrimParts {
			if err == nil {
				t.Fatalf("a trim naming %d batches encoded", len(tr.Parts))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(b)
		if err != nil {
			t.Fatalf("an encoded trim does not parse: %v", err)
		}
		if !reflect.DeepEqual(got, tr) {
			t.Fatalf("round trip: %#v vs %#v", got, tr)
		}
		// Cut inside a sequence number, it is refused.
		if _, err := Parse(b[:len(b)-1-len(raw)%7]); err == nil {
			t.Fatal("a cut trim parsed")
		}
	})
}
