package syncspace

import (
	"encoding/json"
	"fmt"
)

// Kind is what an operation does.
type Kind string

const (
	// Set writes Value into the field Field of the entry Key of collection Coll; the write
	// with the latest timestamp wins (per field, so concurrent edits of two fields both stay).
	Set Kind = "set"
	// Delete tombstones the entry Key of Coll: every field written before the tombstone is
	// gone; a field written after it brings the entry back.
	Delete Kind = "del"
	// Add puts Elem in the set Key of Coll. Its tag is the operation's id.
	Add Kind = "add"
	// Remove takes Elem out of the set Key of Coll: exactly the adds whose tags it lists (the
	// ones its device had seen). An add it did not see survives: add wins.
	Remove Kind = "rem"
	// Claim asks for the entry Key of Coll (an outbox item to send) for its device. Among the
	// claims in the relay's log, the first one wins (see State.ClaimWinner). In a snapshot, a
	// claim carries the sequence number the log ordered it at (Seq).
	Claim Kind = "claim"
)

// Op is one replicated operation.
type Op struct {
	At    HLC             `json:"at"` // unique per operation: it is the operation's id
	Kind  Kind            `json:"k"`
	Coll  string          `json:"c"`
	Key   string          `json:"key"`
	Field string          `json:"f,omitempty"`
	Elem  string          `json:"e,omitempty"`
	Value json.RawMessage `json:"v,omitempty"`
	Tags  []HLC           `json:"t,omitempty"`
	// Seq is, for a claim copied into a snapshot, the sequence number of the batch that
	// first carried it: its place in the log's order, which the snapshot's own place would
	// not keep. 0 everywhere else.
	Seq uint64 `json:"s,omitempty"`
}

// ID is the operation's id (its timestamp as text).
func (o Op) ID() string { return o.At.String() }

// Validate checks an operation received from another device before it is applied.
func (o Op) Validate() error {
	if o.At.Node == "" || o.Coll == "" || o.Key == "" {
		return fmt.Errorf("syncspace: operation without timestamp, collection or key")
	}
	if o.Seq != 0 && o.Kind != Claim {
		return fmt.Errorf("syncspace: a sequence number on a %s operation", o.Kind)
	}
	switch o.Kind {
	case Set:
		if o.Field == "" || !json.Valid(o.Value) {
			return fmt.Errorf("syncspace: set without field or with invalid JSON")
		}
	case Add:
		if o.Elem == "" {
			return fmt.Errorf("syncspace: add without element")
		}
	case Remove:
		if o.Elem == "" || len(o.Tags) == 0 {
			return fmt.Errorf("syncspace: remove without element or tags")
		}
	case Delete, Claim:
	default:
		return fmt.Errorf("syncspace: unknown operation kind %q", o.Kind)
	}
	return nil
}

// Change names an entry whose visible state an operation changed.
type Change struct {
	Coll, Key string
}
