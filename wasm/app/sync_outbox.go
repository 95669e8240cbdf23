package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
	"caliopen/wasm/vault"
)

// The outbox across devices: a reply queued on one device is carried (sealed) into the
// outbox of the others, and whichever device's dispatcher comes to it first claims it in the
// space's log; the device whose claim the relay ordered first sends it, the others hand it
// off (repo.Elsewhere). Without sync the device sends alone; with sync but out of reach of
// the log, it waits rather than risk a second copy.

const collOutbox = "outbox"

// maxCarriedPayload is the largest outbox item carried to the other devices (a batch holds
// at most syncspace.MaxBatchPlain); a larger one is sent by the device that queued it.
const maxCarriedPayload = 256 << 10

// claimWait bounds how long the dispatcher waits for the log to order a claim.
const claimWait = 10 * time.Second

// carriedItem is an outbox item as it travels: what sending it needs, not its progress.
type carriedItem struct {
	ID             string        `json:"id"`
	AccountID      string        `json:"accountId"`
	Network        model.Network `json:"network"`
	IdempotencyKey string        `json:"idempotencyKey"`
	Payload        []byte        `json:"payload"`
	CreatedAt      time.Time     `json:"createdAt"`
}

func (s *syncer) localOutbox(ctx context.Context) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, state := range []repo.OutboxState{repo.Queued, repo.Sending, repo.Failed} {
		p := repo.Page{Limit: 200}
		for {
			items, next, err := s.a.eng.Repo.OutboxList(ctx, state, p)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				if len(it.Payload) > maxCarriedPayload {
					continue
				}
				b, err := json.Marshal(carriedItem{ID: it.ID, AccountID: it.AccountID, Network: it.Network,
					IdempotencyKey: it.IdempotencyKey, Payload: it.Payload, CreatedAt: it.CreatedAt})
				if err != nil {
					return nil, err
				}
				out[it.ID] = b
			}
			if next == "" {
				break
			}
			p.After = next
		}
	}
	return out, nil
}

func (s *syncer) applyOutbox(ctx context.Context, id string, value []byte) error {
	var c carriedItem
	if err := json.Unmarshal(value, &c); err != nil || c.ID != id || c.AccountID == "" || c.IdempotencyKey == "" {
		return errors.New("sync: an outbox item from another device is unreadable")
	}
	it := &repo.OutboxItem{ID: c.ID, AccountID: c.AccountID, Network: c.Network, IdempotencyKey: c.IdempotencyKey, Payload: c.Payload}
	if _, err := s.a.eng.Repo.Enqueue(ctx, it); err != nil {
		return err
	}
	s.a.accts.queued(ctx, it)
	return nil
}

// outboxTurn is the outbox dispatcher's Gate.
func (s *syncer) outboxTurn(ctx context.Context, it *repo.OutboxItem) outbox.Turn {
	if _, err := s.vault().Get(ctx, secretSyncKey); errors.Is(err, vault.ErrNotFound) {
		return outbox.SendHere // no sync space: this device is the only one
	} else if err != nil {
		return outbox.WaitTurn
	}
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	if client == nil {
		return outbox.WaitTurn
	}
	if err := client.Claim(ctx, collOutbox, it.ID); err != nil {
		s.a.o.Log.Warn("sync: cannot claim an outbox item", "error", err)
		return outbox.WaitTurn
	}
	deadline := time.Now().Add(claimWait)
	for {
		switch client.ClaimStatus(collOutbox, it.ID) {
		case syncspace.ClaimWon:
			return outbox.SendHere
		case syncspace.ClaimLost:
			return outbox.SendsElse
		}
		if time.Now().After(deadline) {
			return outbox.WaitTurn
		}
		select {
		case <-ctx.Done():
			return outbox.WaitTurn
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// outboxDone says whether an item that left this device's outbox (sent, handed off or
// cancelled) is to be deleted from the space: only by the device whose claim won, so that
// a tombstone never races a send on another device. The others hold it as sent elsewhere.
func (s *syncer) outboxDone(ctx context.Context, id string) bool {
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	return client != nil && client.ClaimStatus(collOutbox, id) == syncspace.ClaimWon
}

// outboxGone removes an item the claiming device sent or cancelled (this device's copy is
// still queued or failed; it never sends without winning the claim).
func (s *syncer) outboxGone(ctx context.Context, id string) error {
	err := s.a.eng.Repo.CancelOutbox(ctx, id)
	if err != nil && !errors.Is(err, repo.ErrNotFound) && !errors.Is(err, repo.ErrOutboxBusy) {
		return err
	}
	s.a.accts.changed(ctx, topicAccounts)
	return nil
}

// cancelTurn decides whether this device may cancel an outbox item: with a sync space, only
// after claiming it in the log, as a send would (another device may already be sending it).
// A claim the log has not ordered yet (offline) still lets the cancel go ahead here: if
// another device's earlier claim wins, that device sends the message.
func (s *syncer) cancelTurn(ctx context.Context, id string) error {
	if _, err := s.vault().Get(ctx, secretSyncKey); errors.Is(err, vault.ErrNotFound) {
		return nil
	}
	s.mu.Lock()
	client := s.client
	s.mu.Unlock()
	if client == nil {
		return nil
	}
	if client.ClaimStatus(collOutbox, id) == syncspace.ClaimLost {
		return errSentElsewhere
	}
	if err := client.Claim(ctx, collOutbox, id); err != nil {
		return err
	}
	deadline := time.Now().Add(cancelWait)
	for time.Now().Before(deadline) {
		switch client.ClaimStatus(collOutbox, id) {
		case syncspace.ClaimWon:
			return nil
		case syncspace.ClaimLost:
			return errSentElsewhere
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// cancelWait bounds how long a cancel waits for the log to order its claim.
const cancelWait = 3 * time.Second

var errSentElsewhere = api.Errorf("outbox_sent_elsewhere", "Another of your devices is sending this message: it can no longer be cancelled.")
