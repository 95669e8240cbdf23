package mastodon

import (
	"context"
	"errors"
	"time"

	gomastodon "github.com/mattn/go-mastodon"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Edits and deletions leave no trace the conversation list would show: an edit does not change
// a conversation's last_status_id, and a deleted last status moves it back below the sync
// cursor, so the min_id sync never brings either back. While the streams are open they arrive
// as events (see streams in live.go); what happened while they were down, and the edits no
// stream tells a token without read:notifications, Reconcile repairs by reading again the
// threads of the most recently active conversations.

// reconcileConversations bounds how many conversations one reconciliation reads again (two
// requests each, plus one per status missing from its thread, up to maxDeleteChecks).
const reconcileConversations = 20

// Reconcile rereads the threads of the most recently active stored conversations and repairs
// them: statuses edited since they were stored are stored again, statuses the instance no
// longer has (a 404) are removed. It returns how many messages changed.
func (c *Connector) Reconcile(ctx context.Context) (int, error) {
	convs, err := c.recentConversations(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, conv := range convs {
		k, err := c.reconcileConversation(ctx, conv)
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// recentConversations returns the ids of the stored conversations with the newest messages.
func (c *Connector) recentConversations(ctx context.Context) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	p := repo.Page{Limit: 200}
	for len(out) < reconcileConversations {
		msgs, next, err := c.cfg.Repo.AccountMessages(ctx, c.cfg.AccountID, p)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.ConversationID != "" && !seen[m.ConversationID] && len(out) < reconcileConversations {
				seen[m.ConversationID] = true
				out = append(out, m.ConversationID)
			}
		}
		if next == "" {
			return out, nil
		}
		p.After = next
	}
	return out, nil
}

// reconcileConversation repairs one conversation. Its newest stored status that still exists
// anchors the thread (GET /api/v1/statuses/:id, then its context); the stored statuses found
// deleted on the way, and those missing from the thread that a lookup confirms deleted, go.
func (c *Connector) reconcileConversation(ctx context.Context, conversationID string) (int, error) {
	stored, _, err := c.cfg.Repo.ConversationMessages(ctx, c.cfg.AccountID, conversationID, repo.Page{Limit: 500})
	if err != nil || len(stored) == 0 {
		return 0, err
	}
	var gone []string
	var anchor *gomastodon.Status
	for i := 0; i < len(stored) && i < maxDeleteChecks && anchor == nil; i++ {
		st, err := c.status(ctx, stored[i].RemoteID)
		switch {
		case errors.Is(err, errStatusGone):
			gone = append(gone, stored[i].ID)
		case err != nil:
			return 0, err
		default:
			anchor = st
		}
	}
	var thread []*gomastodon.Status
	if anchor != nil {
		t, err := c.thread(ctx, anchor.ID)
		if err != nil {
			return 0, err
		}
		thread = append(t, anchor)
		g, err := c.deleted(ctx, conversationID, thread)
		if err != nil {
			return 0, err
		}
		gone = append(gone, g...)
	}
	byID := map[string]model.Message{}
	for _, m := range stored {
		byID[m.RemoteID] = m
	}
	var changed []string
	err = c.cfg.Repo.Update(ctx, syncStores, func(tx *repo.Tx) error {
		changed = changed[:0]
		for _, id := range gone {
			if err := tx.DeleteMessage(id); err != nil && !errors.Is(err, repo.ErrNotFound) {
				return err
			}
			changed = append(changed, id)
		}
		for _, st := range thread {
			old, ok := byID[string(st.ID)]
			if !ok || old.EditedAt.Equal(st.EditedAt.UTC()) {
				continue // new statuses are Sync's; unchanged ones stay
			}
			msg, body, _, err := c.m.message(st, conversationID, old.Flags.Seen)
			if err != nil {
				continue
			}
			msg.Flags = old.Flags
			if err := tx.PutMessage(msg, body); err != nil {
				return err
			}
			changed = append(changed, msg.ID)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	c.changed(changed)
	return len(changed), nil
}

// errStatusGone is a status the instance answers 404 for: deleted (or no longer visible).
var errStatusGone = errors.New("mastodon: status deleted")

// status reads one status (GET /api/v1/statuses/:id).
func (c *Connector) status(ctx context.Context, id string) (*gomastodon.Status, error) {
	bctx, cancel := c.client.bound(ctx)
	defer cancel()
	st, err := c.client.api.GetStatus(bctx, gomastodon.ID(id))
	var ae *APIError
	if err := asAPIError(err); errors.As(err, &ae) && ae.Status == 404 {
		return nil, errStatusGone
	} else if err != nil {
		return nil, err
	}
	return st, nil
}

// missedEvents records that the streams were down: the next connection reconciles.
func (c *Connector) missedEvents() {
	c.recMu.Lock()
	c.missed = true
	c.recMu.Unlock()
}

// reconcileEvery returns the period of the safety-net reconciliation and the least time
// between two reconciliations.
func (c *Connector) reconcileEvery() (every, gap time.Duration) {
	every = durationOr(c.cfg.ReconcileEvery, 30*time.Minute)
	return every, every / 30
}

// reconcileIfDue reconciles when the period has passed, or, connected says the streams are
// open, when events were missed while they were down (at most once per gap, so that a
// flapping stream does not reread threads on every reconnection).
func (c *Connector) reconcileIfDue(ctx context.Context, connected bool) error {
	every, gap := c.reconcileEvery()
	c.recMu.Lock()
	since := time.Since(c.lastReconcile)
	due := since >= every || connected && c.missed && since >= gap
	c.recMu.Unlock()
	if !due {
		return nil
	}
	if _, err := c.Reconcile(ctx); err != nil {
		return err
	}
	c.recMu.Lock()
	c.lastReconcile = time.Now()
	if connected {
		c.missed = false
	}
	c.recMu.Unlock()
	return nil
}

// reconcileWhileLive runs the reconciliations that come due while the streams are open: at
// once when events were missed while they were down, then the period, and a repair put off
// because the previous one was too recent. It runs beside the streams, so that rereading
// threads does not delay going live; a failure is tried again at the next tick.
func (c *Connector) reconcileWhileLive(ctx context.Context) {
	_, gap := c.reconcileEvery()
	t := time.NewTicker(max(gap, 10*time.Millisecond))
	defer t.Stop()
	for {
		c.reconcileIfDue(ctx, true)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
