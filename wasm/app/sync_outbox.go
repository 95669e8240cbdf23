package app

import (
	"context"
	"encoding/json"
	"errors"
	"time"

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
