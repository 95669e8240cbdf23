package repo

import (
	"context"
	"errors"
	"slices"

	"caliopen/wasm/model"
)

// OpMessageState is the operation-log kind of the user's change of messages' state: read or
// unread, starred or not, archived, back in the inbox, in the trash. Its data is a
// MessageStateOp.
const OpMessageState = "message.state"

// Moves of a MessageStateOp.
const (
	MoveArchive = "archive"
	MoveInbox   = "inbox" // out of the archive
	MoveTrash   = "trash"
)

// MessageStateOp is one change the user made to messages, logged in the transaction that
// makes it on this device, for the user's other devices to make too. Each field left out is
// left as it is.
type MessageStateOp struct {
	Messages []MessageRef `json:"messages"`
	Seen     *bool        `json:"seen,omitempty"`
	Flagged  *bool        `json:"flagged,omitempty"`
	Move     string       `json:"move,omitempty"` // MoveArchive, MoveInbox or MoveTrash
	// Origin is OriginSync for a change another device made, which device sync does not
	// carry back.
	Origin string `json:"origin,omitempty"`
}

// MessageRef names a message the same way on every device: its account (accounts travel
// between devices with their id), its network and its id there. An email's Message-ID is
// given too: a move on the server gives the message another RemoteID (another folder and
// UID), its Message-ID stays.
type MessageRef struct {
	Account   string        `json:"account"`
	Network   model.Network `json:"network"`
	Remote    string        `json:"remote"`
	MessageID string        `json:"messageId,omitempty"`
}

// RefOf is the MessageRef of a stored message.
func RefOf(m model.Message) MessageRef {
	return MessageRef{Account: m.AccountID, Network: m.Network, Remote: m.RemoteID, MessageID: NormalizeMessageID(m.MessageID)}
}

// LogMessageState appends the op to the operation log. Needs OpLogStores.
func (tx *Tx) LogMessageState(op MessageStateOp) error {
	if len(op.Messages) == 0 {
		return nil
	}
	_, err := tx.AppendOp(OpMessageState, op)
	return err
}

// ChangeMessages lets change modify each stored message and writes back those it changed
// (it reports whether it did), and logs op, in one transaction: the state the user gives
// messages this device alone keeps (direct messages). A message gone meanwhile is skipped.
func (r *Repo) ChangeMessages(ctx context.Context, ids []string, change func(*model.Message) bool, op MessageStateOp) error {
	return r.Update(ctx, slices.Concat([]string{Messages}, OpLogStores), func(tx *Tx) error {
		for _, id := range ids {
			m, err := tx.Message(id)
			if errors.Is(err, ErrNotFound) {
				continue // gone meanwhile: nothing left to change
			}
			if err != nil {
				return err
			}
			if change(&m) {
				if err := tx.putMessage(&m, nil); err != nil {
					return err
				}
			}
		}
		return tx.LogMessageState(op)
	})
}
