// Package syncproto is the wire protocol between a device and the relay's sync endpoint:
// binary WebSocket messages carrying a space's encrypted batches. Both the relay (relay/sync)
// and the client core (wasm/syncspace) import it, so the two sides cannot disagree.
//
// The relay sees a space id, an ed25519 public key, signatures, sequence numbers and opaque
// batches (padded ciphertext). It never sees the space's encryption key.
//
// A session, in order:
//
//  1. The client opens a WebSocket offering the subprotocol [Subprotocol]. The relay speaks
//     first: a [Challenge] with a fresh random nonce.
//  2. The client answers with a [Hello]: the relay access token (who may use this relay at
//     all, as for the tunnel), the space's public key and a signature by the space key over
//     [HelloMessage] (the nonce and the space id). The space id is [SpaceID] of the public
//     key: a space id is bound to its key by construction, so no relay has to remember which
//     key owns which space, and two relays sharing a store can never bind it differently.
//  3. The relay checks the token and the signature and answers [Welcome] with the space's
//     head (the sequence number of its last batch, 0 when empty) and the features it offers
//     ([FeatureTrim]), or closes the WebSocket with an error code.
//  4. Then, in any order: the client sends [Push] (one sealed batch, with a random id that
//     makes a retried push harmless) and gets an [Ack] with the batch's sequence number, or an
//     [Error] naming the push; the client sends [Pull] (after a cursor, optionally live) and
//     gets every stored [Batch] after the cursor in order, then [Caught] with the head, then,
//     if live, each new batch as any device pushes it, through any relay.
//
// Compaction: a device that holds the space's whole state as of sequence number S pushes it
// as a snapshot (batches marked Push.Snapshot, sealed like any other), then sends [Trim]
// with S and the sequence numbers of the snapshot's batches. The relay checks that it stores
// each of them, after S, then drops the space's batches up to S and answers [Trimmed] with
// the space's new trim point. A device whose cursor is before the trim point gets [Trimmed]
// before any batch that follows the dropped ones: it then knows that its state lacks what the
// dropped batches held until it has read a snapshot covering them (the snapshot is in what
// follows).
//
// Every frame is one binary message: a type byte, then the fields below, integers big
// endian. Parsers are strict: a frame with missing or extra bytes is a bad request.
package syncproto

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Subprotocol is the WebSocket subprotocol naming this protocol and its version.
const Subprotocol = "caliopen-sync.v1"

// Version is the protocol version carried by Challenge and Hello.
const Version = 1

// Sizes.
const (
	NonceSize   = 32
	SpaceIDSize = 32
	PushIDSize  = 16
	MaxTokenLen = 255
	// MaxBatchSize is the largest batch the protocol carries; a relay may allow less.
	MaxBatchSize = 1 << 20
	// MaxErrorLen is the longest error message.
	MaxErrorLen = 200
	// MaxFrameSize bounds every frame: a Push of MaxBatchSize plus its header.
	MaxFrameSize = 1 + PushIDSize + MaxBatchSize
	// MaxTrimParts is the most snapshot batches a Trim names (a snapshot of 4 GiB at most).
	MaxTrimParts = 4096
)

// Features a relay offers, in Welcome.
const (
	// FeatureTrim: the relay stores snapshots and trims a space's log (Trim, Trimmed).
	FeatureTrim byte = 1 << 0
)

// Type is a frame's first byte.
type Type byte

// Frame types.
const (
	TypeChallenge Type = 0x01 // relay → client
	TypeHello     Type = 0x02 // client → relay
	TypeWelcome   Type = 0x03 // relay → client
	TypePush      Type = 0x10 // client → relay
	TypeAck       Type = 0x11 // relay → client
	TypePull      Type = 0x12 // client → relay
	TypeBatch     Type = 0x13 // relay → client
	TypeCaught    Type = 0x14 // relay → client
	TypeSnapshot  Type = 0x15 // client → relay: a Push of one snapshot batch
	TypeTrim      Type = 0x16 // client → relay
	TypeTrimmed   Type = 0x17 // relay → client
	TypeError     Type = 0x7f // relay → client
)

// Code is an error code, sent in an Error frame and used as the WebSocket close code when
// the error ends the session. Like the tunnel's, they mirror HTTP statuses in 4000–4999.
type Code uint16

// Error codes.
const (
	CodeBadRequest   Code = 4400 // malformed frame or protocol misuse
	CodeAuthFailed   Code = 4401 // bad token, bad signature
	CodeVersion      Code = 4426 // unsupported protocol version
	CodeTooLarge     Code = 4413 // a batch over the relay's batch size limit
	CodeRateLimited  Code = 4429 // too many pushes per second for this space
	CodeStore        Code = 4500 // the relay's store failed; retry later
	CodeShuttingDown Code = 4503 // the relay is shutting down; reconnect
	CodeQuota        Code = 4507 // the space's storage quota is full
)

var codeNames = map[Code]string{
	CodeBadRequest:   "bad request",
	CodeAuthFailed:   "authentication failed",
	CodeVersion:      "unsupported protocol version",
	CodeTooLarge:     "batch too large",
	CodeRateLimited:  "rate limited",
	CodeStore:        "relay storage unavailable",
	CodeShuttingDown: "relay shutting down",
	CodeQuota:        "space quota exceeded",
}

// String returns a readable name for the code.
func (c Code) String() string {
	if s, ok := codeNames[c]; ok {
		return s
	}
	return "sync code " + strconv.Itoa(int(c))
}

// Retryable reports whether the same request may succeed later without a change.
func (c Code) Retryable() bool {
	return c == CodeRateLimited || c == CodeStore || c == CodeShuttingDown
}

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("syncproto: malformed frame")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// SpaceID is the id of the space whose signing key is pub: what the relay files batches
// under. Anyone can compute it from the public key; only the space key can sign for it.
func SpaceID(pub ed25519.PublicKey) [SpaceIDSize]byte {
	h := sha256.New()
	h.Write([]byte("caliopen-sync-space-v1\x00"))
	h.Write(pub)
	var id [SpaceIDSize]byte
	h.Sum(id[:0])
	return id
}

// HelloMessage is what the space key signs to open a session: a context string, the
// relay's nonce and the space id, so a signature cannot be replayed to another session,
// another space or another protocol.
func HelloMessage(nonce [NonceSize]byte, space [SpaceIDSize]byte) []byte {
	m := make([]byte, 0, 32+NonceSize+SpaceIDSize)
	m = append(m, "caliopen-sync-hello-v1\x00"...)
	m = append(m, nonce[:]...)
	return append(m, space[:]...)
}

// Challenge is the relay's first frame.
type Challenge struct {
	Version byte
	Nonce   [NonceSize]byte
}

// Hello opens a session on a space.
type Hello struct {
	Version   byte
	Token     string // the relay access token
	PublicKey [ed25519.PublicKeySize]byte
	Signature [ed25519.SignatureSize]byte
}

// Space returns the id of the space the hello opens.
func (h Hello) Space() [SpaceIDSize]byte { return SpaceID(h.PublicKey[:]) }

// Verify checks the signature against the relay's nonce.
func (h Hello) Verify(nonce [NonceSize]byte) bool {
	return ed25519.Verify(h.PublicKey[:], HelloMessage(nonce, h.Space()), h.Signature[:])
}

// Welcome accepts a session. Features are the Feature bits the relay offers: a relay from
// before compaction sends none (and the frame is 8 bytes).
type Welcome struct {
	Head     uint64
	Features byte
}

// Push sends one sealed batch. ID is random: a push retried with the same id is stored once
// (within the relay's duplicate window) and acknowledged with the same sequence number.
// Snapshot marks a batch of a snapshot (sent as TypeSnapshot): while a space is over its
// quota, the relay still stores snapshot batches up to twice the quota, so that a full space
// can be compacted.
type Push struct {
	ID       [PushIDSize]byte
	Data     []byte
	Snapshot bool
}

// Ack acknowledges a push with the sequence number of the stored batch.
type Ack struct {
	ID  [PushIDSize]byte
	Seq uint64
}

// Pull asks for every batch after a cursor, then (Live) each new one as it arrives.
type Pull struct {
	After uint64
	Live  bool
}

// Batch is one stored batch and its sequence number in the space's log.
type Batch struct {
	Seq  uint64
	Data []byte
}

// Caught says that every batch up to Head was sent.
type Caught struct{ Head uint64 }

// Trim asks the relay to drop the space's batches up to Upto, which the snapshot stored at
// the sequence numbers Parts (each after Upto) holds.
type Trim struct {
	Upto  uint64
	Parts []uint64
}

// Trimmed says that the space's log holds no batch up to Upto any more: the answer to a Trim,
// and what a Pull gets first when its cursor is before Upto.
type Trimmed struct{ Upto uint64 }

// Error reports a failure. Push is the id of the push it refuses (zero when the error is
// about the session; the relay then closes the WebSocket with the same code).
type Error struct {
	Code    Code
	Push    [PushIDSize]byte
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "sync: " + e.Code.String()
	}
	return "sync: " + e.Code.String() + ": " + e.Message
}

// Frame is any of the frame types above.
type Frame interface{ frameType() Type }

func (Challenge) frameType() Type { return TypeChallenge }
func (Hello) frameType() Type     { return TypeHello }
func (Welcome) frameType() Type   { return TypeWelcome }
func (Ack) frameType() Type       { return TypeAck }
func (Pull) frameType() Type      { return TypePull }
func (Batch) frameType() Type     { return TypeBatch }
func (Caught) frameType() Type    { return TypeCaught }
func (Trim) frameType() Type      { return TypeTrim }
func (Trimmed) frameType() Type   { return TypeTrimmed }
func (*Error) frameType() Type    { return TypeError }

func (p Push) frameType() Type {
	if p.Snapshot {
		return TypeSnapshot
	}
	return TypePush
}

// Append encodes f after b.
func Append(b []byte, f Frame) ([]byte, error) {
	b = append(b, byte(f.frameType()))
	switch f := f.(type) {
	case Challenge:
		b = append(append(b, f.Version), f.Nonce[:]...)
	case Hello:
		if len(f.Token) > MaxTokenLen {
			return nil, errors.New("syncproto: token too long")
		}
		b = append(b, f.Version, byte(len(f.Token)))
		b = append(append(append(b, f.Token...), f.PublicKey[:]...), f.Signature[:]...)
	case Welcome:
		b = binary.BigEndian.AppendUint64(b, f.Head)
		if f.Features != 0 {
			b = append(b, f.Features)
		}
	case Push:
		if len(f.Data) == 0 || len(f.Data) > MaxBatchSize {
			return nil, fmt.Errorf("syncproto: batch of %d bytes (1..%d)", len(f.Data), MaxBatchSize)
		}
		b = append(append(b, f.ID[:]...), f.Data...)
	case Ack:
		b = binary.BigEndian.AppendUint64(append(b, f.ID[:]...), f.Seq)
	case Pull:
		b = binary.BigEndian.AppendUint64(b, f.After)
		b = append(b, boolByte(f.Live))
	case Batch:
		if len(f.Data) == 0 || len(f.Data) > MaxBatchSize {
			return nil, fmt.Errorf("syncproto: batch of %d bytes (1..%d)", len(f.Data), MaxBatchSize)
		}
		b = append(binary.BigEndian.AppendUint64(b, f.Seq), f.Data...)
	case Caught:
		b = binary.BigEndian.AppendUint64(b, f.Head)
	case Trim:
		if len(f.Parts) == 0 || len(f.Parts) > MaxTrimParts {
			return nil, fmt.Errorf("syncproto: trim with %d snapshot batches (1..%d)", len(f.Parts), MaxTrimParts)
		}
		b = binary.BigEndian.AppendUint64(b, f.Upto)
		for _, p := range f.Parts {
			b = binary.BigEndian.AppendUint64(b, p)
		}
	case Trimmed:
		b = binary.BigEndian.AppendUint64(b, f.Upto)
	case *Error:
		msg := truncateUTF8(f.Message, MaxErrorLen)
		b = binary.BigEndian.AppendUint16(b, uint16(f.Code))
		b = append(append(b, f.Push[:]...), msg...)
	default:
		return nil, fmt.Errorf("syncproto: unknown frame %T", f)
	}
	return b, nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

func truncateUTF8(s string, n int) string {
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // replaces invalid bytes
	}
	for len(s) > n {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// Parse decodes one frame. Data fields alias p.
func Parse(p []byte) (Frame, error) {
	if len(p) == 0 {
		return nil, malformed("empty frame")
	}
	if len(p) > MaxFrameSize {
		return nil, malformed("frame of %d bytes", len(p))
	}
	t, body := Type(p[0]), p[1:]
	fixed := func(n int) error {
		if len(body) != n {
			return malformed("frame %#x: %d bytes, want %d", byte(t), len(body), n)
		}
		return nil
	}
	switch t {
	case TypeChallenge:
		if err := fixed(1 + NonceSize); err != nil {
			return nil, err
		}
		var c Challenge
		c.Version = body[0]
		copy(c.Nonce[:], body[1:])
		return c, nil
	case TypeHello:
		if len(body) < 2 {
			return nil, malformed("short hello")
		}
		var h Hello
		h.Version = body[0]
		n := int(body[1])
		if err := fixed(2 + n + ed25519.PublicKeySize + ed25519.SignatureSize); err != nil {
			return nil, err
		}
		h.Token = string(body[2 : 2+n])
		copy(h.PublicKey[:], body[2+n:])
		copy(h.Signature[:], body[2+n+ed25519.PublicKeySize:])
		return h, nil
	case TypeWelcome:
		// 8 bytes from a relay without features; a features byte is never 0.
		if len(body) == 9 && body[8] != 0 {
			return Welcome{Head: binary.BigEndian.Uint64(body), Features: body[8]}, nil
		}
		if err := fixed(8); err != nil {
			return nil, err
		}
		return Welcome{Head: binary.BigEndian.Uint64(body)}, nil
	case TypeCaught, TypeTrimmed:
		if err := fixed(8); err != nil {
			return nil, err
		}
		v := binary.BigEndian.Uint64(body)
		if t == TypeTrimmed {
			return Trimmed{Upto: v}, nil
		}
		return Caught{Head: v}, nil
	case TypePush, TypeSnapshot:
		if len(body) <= PushIDSize || len(body)-PushIDSize > MaxBatchSize {
			return nil, malformed("push of %d bytes", len(body))
		}
		ps := Push{Snapshot: t == TypeSnapshot}
		copy(ps.ID[:], body)
		ps.Data = body[PushIDSize:]
		return ps, nil
	case TypeTrim:
		n := (len(body) - 8) / 8
		if len(body) < 16 || (len(body)-8)%8 != 0 || n > MaxTrimParts {
			return nil, malformed("trim of %d bytes", len(body))
		}
		tr := Trim{Upto: binary.BigEndian.Uint64(body), Parts: make([]uint64, n)}
		for i := range tr.Parts {
			tr.Parts[i] = binary.BigEndian.Uint64(body[8+8*i:])
		}
		return tr, nil
	case TypeAck:
		if err := fixed(PushIDSize + 8); err != nil {
			return nil, err
		}
		var a Ack
		copy(a.ID[:], body)
		a.Seq = binary.BigEndian.Uint64(body[PushIDSize:])
		return a, nil
	case TypePull:
		if err := fixed(9); err != nil {
			return nil, err
		}
		if body[8] > 1 {
			return nil, malformed("pull live flag %d", body[8])
		}
		return Pull{After: binary.BigEndian.Uint64(body), Live: body[8] == 1}, nil
	case TypeBatch:
		if len(body) <= 8 || len(body)-8 > MaxBatchSize {
			return nil, malformed("batch of %d bytes", len(body))
		}
		return Batch{Seq: binary.BigEndian.Uint64(body), Data: body[8:]}, nil
	case TypeError:
		if len(body) < 2+PushIDSize {
			return nil, malformed("short error")
		}
		e := &Error{Code: Code(binary.BigEndian.Uint16(body))}
		copy(e.Push[:], body[2:])
		msg := body[2+PushIDSize:]
		if len(msg) > MaxErrorLen || !utf8.Valid(msg) {
			return nil, malformed("error message not short UTF-8")
		}
		e.Message = string(msg)
		return e, nil
	}
	return nil, malformed("unknown frame type %#x", byte(t))
}
