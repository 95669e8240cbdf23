package repo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
)

// OutboxState is where an outbox item is in its life.
type OutboxState string

const (
	Queued  OutboxState = "queued"  // waits for NextAttempt
	Sending OutboxState = "sending" // claimed by a sender until ClaimedUntil
	Sent    OutboxState = "sent"
	Failed  OutboxState = "failed" // gave up; the user may retry
	// Elsewhere: another of the user's devices won the item's claim in the sync log and
	// sends it; this device never will.
	Elsewhere OutboxState = "elsewhere"
)

// OutboxItem is a message waiting to go out, durable across restarts. The sender claims it
// (Sending, with a lease), sends it with its IdempotencyKey (the Message-ID of a mail, the
// Idempotency-Key header of a Mastodon status) and then acknowledges or fails it. An item still
// Sending after its lease is in doubt: the process stopped between sending and bookkeeping, and
// the sender must look on the network for IdempotencyKey before sending again (InDoubt).
type OutboxItem struct {
	ID             string        `json:"id"`
	AccountID      string        `json:"accountId"`
	Network        model.Network `json:"network"`
	IdempotencyKey string        `json:"idempotencyKey"`
	// Payload is the ready-to-send message (a MIME message, a JSON request), opaque here.
	Payload      []byte      `json:"payload,omitempty"`
	MessageID    string      `json:"messageId,omitempty"` // local id of the sent copy, if stored
	State        OutboxState `json:"state"`
	Attempts     int         `json:"attempts"`
	NextAttempt  time.Time   `json:"nextAttempt"`
	ClaimedUntil time.Time   `json:"claimedUntil,omitzero"`
	LastError    string      `json:"lastError,omitempty"`
	// LastErrorCode and LastErrorParams name LastError for the UI's translations, when the
	// cause was a CodedError.
	LastErrorCode   string            `json:"lastErrorCode,omitempty"`
	LastErrorParams map[string]string `json:"lastErrorParams,omitempty"`
	// Deferred says the last attempt was put off by the network (its rate limit is spent until
	// NextAttempt): nothing was sent and the attempt did not count.
	Deferred  bool      `json:"deferred,omitempty"`
	RemoteID  string    `json:"remoteId,omitempty"` // the network's id once sent
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// CodedError is an error that carries a code (and the values it names) the UI translates:
// Fail and Defer keep them with the item's LastError.
type CodedError interface {
	error
	ErrorCode() (code string, params map[string]string)
}

// setLastError records cause as the item's last error, with its code if it has one ("" and
// nil clear it).
func (it *OutboxItem) setLastError(cause error) {
	it.LastError, it.LastErrorCode, it.LastErrorParams = "", "", nil
	if cause == nil {
		return
	}
	it.LastError = cause.Error()
	var c CodedError
	if errors.As(cause, &c) {
		it.LastErrorCode, it.LastErrorParams = c.ErrorCode()
	}
}

// ErrNotClaimed is returned when acknowledging or failing an item that is not Sending.
var ErrNotClaimed = errors.New("repo: outbox item is not being sent")

// OutboxStores are the stores outbox operations touch.
var OutboxStores = []string{Outbox}

func (tx *Tx) putOutbox(it *OutboxItem) error {
	it.UpdatedAt = tx.now().UTC()
	ix := map[string]string{
		"idempotency": store.Tuple(it.IdempotencyKey),
		"state":       store.Tuple(string(it.State), store.TimeKey(it.UpdatedAt)),
	}
	if it.State == Queued {
		ix["due"] = store.TimeKey(it.NextAttempt)
	}
	return tx.putJSON(Outbox, it.ID, it, ix)
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Enqueue adds an item to the outbox, Queued and due at once unless NextAttempt is set. An item
// whose IdempotencyKey is already in the outbox is not added twice: the existing one is
// returned. Needs OutboxStores (plus Drafts to delete the draft in the same transaction).
func (tx *Tx) Enqueue(it *OutboxItem) (*OutboxItem, error) {
	if it.IdempotencyKey == "" || it.AccountID == "" {
		return nil, errors.New("repo: outbox item without account or idempotency key")
	}
	existing, err := scanJSON[OutboxItem](tx, Outbox, store.Query{Index: "idempotency", Prefix: store.Tuple(it.IdempotencyKey), Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return &existing[0], nil
	}
	now := tx.now().UTC()
	if it.ID == "" {
		it.ID = newID()
	}
	it.State, it.Attempts, it.CreatedAt = Queued, 0, now
	if it.NextAttempt.IsZero() {
		it.NextAttempt = now
	}
	return it, tx.putOutbox(it)
}

// Enqueue adds an item to the outbox (see Tx.Enqueue).
func (r *Repo) Enqueue(ctx context.Context, it *OutboxItem) (got *OutboxItem, err error) {
	err = r.Update(ctx, OutboxStores, func(tx *Tx) error {
		got, err = tx.Enqueue(it)
		return err
	})
	return got, err
}

// Claim takes the queued item due first, if any is due, and marks it Sending for lease. It
// returns nil when nothing is due. Claims are transactions: two senders never get the same item.
func (r *Repo) Claim(ctx context.Context, lease time.Duration) (got *OutboxItem, err error) {
	err = r.Update(ctx, OutboxStores, func(tx *Tx) error {
		got = nil
		now := tx.now().UTC()
		due, err := scanJSON[OutboxItem](tx, Outbox, store.Query{Index: "due", End: store.TimeKey(now.Add(time.Nanosecond)), Limit: 1})
		if err != nil || len(due) == 0 {
			return err
		}
		it := due[0]
		it.State, it.Attempts, it.ClaimedUntil = Sending, it.Attempts+1, now.Add(lease)
		got = &it
		return tx.putOutbox(&it)
	})
	return got, err
}

func (r *Repo) settle(ctx context.Context, id string, fn func(*OutboxItem)) error {
	return r.Update(ctx, OutboxStores, func(tx *Tx) error {
		var it OutboxItem
		if err := tx.getJSON(Outbox, id, &it); err != nil {
			return err
		}
		if it.State != Sending {
			return fmt.Errorf("%w (%s is %s)", ErrNotClaimed, id, it.State)
		}
		it.Deferred = false
		fn(&it)
		it.ClaimedUntil = time.Time{}
		return tx.putOutbox(&it)
	})
}

// Ack records that a claimed item went out, with the network's id for it.
func (r *Repo) Ack(ctx context.Context, id, remoteID string) error {
	return r.settle(ctx, id, func(it *OutboxItem) {
		it.State, it.RemoteID = Sent, remoteID
		it.setLastError(nil)
	})
}

// Release gives a claimed item back, not sent and without counting the attempt, due again at
// retryAt (the sender may not send it yet: its device's claim is not decided).
func (r *Repo) Release(ctx context.Context, id string, retryAt time.Time) error {
	return r.settle(ctx, id, func(it *OutboxItem) {
		it.State, it.NextAttempt, it.Attempts = Queued, retryAt, max(it.Attempts-1, 0)
	})
}

// Defer gives a claimed item back unsent, due again at retryAt, without counting the attempt:
// the network put it off (its rate limit is spent until retryAt). cause stays as LastError so
// the user sees why it waits.
func (r *Repo) Defer(ctx context.Context, id string, cause error, retryAt time.Time) error {
	return r.settle(ctx, id, func(it *OutboxItem) {
		it.State, it.NextAttempt, it.Attempts = Queued, retryAt, max(it.Attempts-1, 0)
		it.setLastError(cause)
		it.Deferred = true
	})
}

// HandOff records that another device of the user sends a claimed item (see Elsewhere).
func (r *Repo) HandOff(ctx context.Context, id string) error {
	return r.settle(ctx, id, func(it *OutboxItem) {
		it.State, it.Attempts = Elsewhere, max(it.Attempts-1, 0)
		it.setLastError(nil)
	})
}

// Fail records that sending a claimed item failed: it is queued again for retryAt, or Failed
// for good when retryAt is zero.
func (r *Repo) Fail(ctx context.Context, id string, cause error, retryAt time.Time) error {
	return r.settle(ctx, id, func(it *OutboxItem) {
		it.setLastError(cause)
		if retryAt.IsZero() {
			it.State = Failed
		} else {
			it.State, it.NextAttempt = Queued, retryAt
		}
	})
}

// InDoubt returns the items still Sending after their lease ran out: their sender stopped between
// sending and recording the result. Look for each one's IdempotencyKey on the network, then Ack
// it or Requeue it.
func (r *Repo) InDoubt(ctx context.Context) (out []OutboxItem, err error) {
	err = r.View(ctx, OutboxStores, func(tx *Tx) error {
		now := tx.now()
		all, err := scanJSON[OutboxItem](tx, Outbox, store.Query{Index: "state", Prefix: store.Tuple(string(Sending))})
		out = nil
		for _, it := range all {
			if it.ClaimedUntil.Before(now) {
				out = append(out, it)
			}
		}
		return err
	})
	return out, err
}

// Requeue puts a Sending (in doubt) or Failed item back in the queue, due now.
func (r *Repo) Requeue(ctx context.Context, id string) error {
	return r.Update(ctx, OutboxStores, func(tx *Tx) error {
		var it OutboxItem
		if err := tx.getJSON(Outbox, id, &it); err != nil {
			return err
		}
		if it.State == Sent {
			return fmt.Errorf("repo: outbox item %s was sent", id)
		}
		it.State, it.NextAttempt, it.ClaimedUntil = Queued, tx.now().UTC(), time.Time{}
		return tx.putOutbox(&it)
	})
}

// RetryNow makes every queued item due now (the network came back: the backoff of the
// attempts made while it was gone no longer says anything). Attempts are kept.
func (r *Repo) RetryNow(ctx context.Context) error {
	return r.Update(ctx, OutboxStores, func(tx *Tx) error {
		now := tx.now().UTC()
		later, err := scanJSON[OutboxItem](tx, Outbox, store.Query{Index: "due", Start: store.TimeKey(now.Add(time.Nanosecond))})
		if err != nil {
			return err
		}
		for _, it := range later {
			it.NextAttempt = now
			if err := tx.putOutbox(&it); err != nil {
				return err
			}
		}
		return nil
	})
}

// OutboxItem returns an outbox item.
func (r *Repo) OutboxItem(ctx context.Context, id string) (it OutboxItem, err error) {
	err = r.View(ctx, OutboxStores, func(tx *Tx) error { return tx.getJSON(Outbox, id, &it) })
	return it, err
}

// OutboxList pages through the items in a state, last changed first.
func (r *Repo) OutboxList(ctx context.Context, state OutboxState, p Page) ([]OutboxItem, string, error) {
	return page[OutboxItem](ctx, r, Outbox, "state", store.Tuple(string(state)), p)
}

// SentRemoteIDs returns the network ids the account's sent items were acknowledged with,
// except the item except's: a sender looking for a message it may have sent already must not
// take another item's for it.
func (r *Repo) SentRemoteIDs(ctx context.Context, accountID, except string) (map[string]bool, error) {
	ids := map[string]bool{}
	p := Page{Limit: 200}
	for {
		items, next, err := r.OutboxList(ctx, Sent, p)
		if err != nil {
			return ids, err
		}
		for _, it := range items {
			if it.AccountID == accountID && it.ID != except && it.RemoteID != "" {
				ids[it.RemoteID] = true
			}
		}
		if next == "" {
			return ids, nil
		}
		p.After = next
	}
}

// OutboxSnapshot returns the items in each state (up to its limit, last changed first), read
// in one transaction: an item moving from one state to another while they are read is in
// exactly one of them.
func (r *Repo) OutboxSnapshot(ctx context.Context, limits map[OutboxState]int) (map[OutboxState][]OutboxItem, error) {
	out := map[OutboxState][]OutboxItem{}
	err := r.View(ctx, OutboxStores, func(tx *Tx) error {
		for st, limit := range limits {
			items, err := scanJSON[OutboxItem](tx, Outbox, store.Query{Index: "state", Prefix: store.Tuple(string(st)), Reverse: true, Limit: limit})
			if err != nil {
				return err
			}
			out[st] = items
		}
		return nil
	})
	return out, err
}

// ErrOutboxBusy is returned when cancelling an item that is being sent or was sent.
var ErrOutboxBusy = errors.New("repo: outbox item is being sent or was sent")

// CancelOutbox removes an item that has not gone out: Queued, Failed, or sent by another
// device (Elsewhere). An item being sent or sent stays (ErrOutboxBusy).
func (r *Repo) CancelOutbox(ctx context.Context, id string) error {
	return r.Update(ctx, OutboxStores, func(tx *Tx) error {
		var it OutboxItem
		if err := tx.getJSON(Outbox, id, &it); err != nil {
			return err
		}
		if it.State == Sending || it.State == Sent {
			return fmt.Errorf("%w (%s is %s)", ErrOutboxBusy, id, it.State)
		}
		return tx.Delete(Outbox, id)
	})
}
