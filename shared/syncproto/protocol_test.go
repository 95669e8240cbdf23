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
		Push{ID: id, Data: []byte("sealed")},
		Ack{ID: id, Seq: 9},
		Pull{After: 3, Live: true},
		Pull{},
		Batch{Seq: 1 << 40, Data: []byte{0}},
		Caught{Head: 12},
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
		if _, err := Parse(append(b, 0)); err == nil && f.frameType() != TypePush && f.frameType() != TypeBatch && f.frameType() != TypeError {
			t.Errorf("%T: trailing byte accepted", f)
		}
		if _, err := Parse(b[:len(b)-1]); err == nil && f.frameType() != TypePush && f.frameType() != TypeBatch && f.frameType() != TypeError {
			t.Errorf("%T: truncated frame accepted", f)
		}
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
