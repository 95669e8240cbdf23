package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"

	gomastodon "github.com/mattn/go-mastodon"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// cursorName is the repository cursor of the conversation list.
const cursorName = "mastodon.conversations"

// cursor remembers both ends of what was synced, as Mastodon's list pages on last_status_id.
type cursor struct {
	Newest string `json:"newest,omitempty"` // newest last_status_id stored (min_id for newer)
	Older  string `json:"older,omitempty"`  // max_id of the next older page
	Done   bool   `json:"done,omitempty"`   // no older page left
}

const pageSize = 40 // Mastodon's maximum for conversations

var syncStores = []string{repo.Messages, repo.Bodies, repo.Blobs, repo.Identities, repo.Cursors}

func (c *Connector) cursor(ctx context.Context) (cursor, error) {
	var cur cursor
	b, err := c.cfg.Repo.Cursor(ctx, c.cfg.AccountID, cursorName)
	if err != nil || b == nil {
		return cur, err
	}
	return cur, json.Unmarshal(b, &cur)
}

// Sync fetches what is new since the last sync (the first time: the newest page) and stores
// it with each changed conversation's thread. It returns how many conversations changed.
func (c *Connector) Sync(ctx context.Context) (int, error) {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	cur, err := c.cursor(ctx)
	if err != nil {
		return 0, err
	}
	if cur.Newest == "" {
		var convs []*gomastodon.Conversation
		pg, err := c.client.getJSON(ctx, "/api/v1/conversations", url.Values{"limit": {strconv.Itoa(pageSize)}}, &convs)
		if err != nil {
			return 0, err
		}
		cur.Older, cur.Done = pg.next.Get("max_id"), pg.next == nil
		return len(convs), c.store(ctx, convs, &cur, true)
	}
	n := 0
	for {
		var convs []*gomastodon.Conversation
		q := url.Values{"limit": {strconv.Itoa(pageSize)}, "min_id": {cur.Newest}}
		pg, err := c.client.getJSON(ctx, "/api/v1/conversations", q, &convs)
		if err != nil || len(convs) == 0 {
			return n, err
		}
		if err := c.store(ctx, convs, &cur, true); err != nil {
			return n, err
		}
		n += len(convs)
		if pg.prev == nil {
			return n, nil
		}
	}
}

// Backfill fetches the next older page of conversations (Link rel=next). It returns false when
// there is nothing older.
func (c *Connector) Backfill(ctx context.Context) (more bool, err error) {
	cur, err := c.cursor(ctx)
	if err != nil {
		return false, err
	}
	if cur.Newest == "" {
		_, err := c.Sync(ctx)
		return err == nil, err
	}
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	if cur, err = c.cursor(ctx); err != nil {
		return false, err
	}
	if cur.Done {
		return false, nil
	}
	var convs []*gomastodon.Conversation
	q := url.Values{"limit": {strconv.Itoa(pageSize)}}
	if cur.Older != "" {
		q.Set("max_id", cur.Older)
	}
	pg, err := c.client.getJSON(ctx, "/api/v1/conversations", q, &convs)
	if err != nil {
		return false, err
	}
	cur.Older, cur.Done = pg.next.Get("max_id"), pg.next == nil || len(convs) == 0
	return !cur.Done, c.store(ctx, convs, &cur, true)
}

// store writes conversations (with their threads when withThread) and the cursor in one
// transaction, so that a sync interrupted halfway resumes exactly.
func (c *Connector) store(ctx context.Context, convs []*gomastodon.Conversation, cur *cursor, withThread bool) error {
	type write struct {
		msg  *model.Message
		body *model.Body
	}
	var writes []write
	var gone []string // local ids of statuses deleted on the instance
	ids := map[model.IdentityURI]model.Identity{}
	for _, cv := range convs {
		if cv.LastStatus == nil {
			continue
		}
		thread := []*gomastodon.Status{cv.LastStatus}
		if withThread {
			t, err := c.thread(ctx, cv.LastStatus.ID)
			if err != nil {
				return err
			}
			thread = append(t, cv.LastStatus)
			g, err := c.deleted(ctx, string(cv.ID), thread)
			if err != nil {
				return err
			}
			gone = append(gone, g...)
		}
		for _, st := range thread {
			seen := st.ID != cv.LastStatus.ID || !cv.Unread
			msg, body, people, err := c.m.message(st, string(cv.ID), seen)
			if err != nil {
				continue // an account the model cannot name: skip that status, keep the rest
			}
			writes = append(writes, write{msg, body})
			for _, p := range people {
				ids[p.URI] = p
			}
		}
		for _, a := range cv.Accounts {
			if id, err := IdentityOf(a, c.info.Domain); err == nil {
				ids[id.URI] = id
			}
		}
		if last := string(cv.LastStatus.ID); cur.Newest == "" || idLess(cur.Newest, last) {
			cur.Newest = last
		}
	}
	raw, err := json.Marshal(cur)
	if err != nil {
		return err
	}
	var changed []string
	err = c.cfg.Repo.Update(ctx, syncStores, func(tx *repo.Tx) error {
		for _, id := range gone {
			if err := tx.DeleteMessage(id); err != nil {
				return err
			}
			changed = append(changed, id)
		}
		for _, w := range writes {
			if err := tx.PutMessage(w.msg, w.body); err != nil {
				return err
			}
			changed = append(changed, w.msg.ID)
		}
		for _, id := range ids {
			if id.URI == c.cfg.Self {
				id.Own = true
			}
			if err := tx.PutIdentity(&id); err != nil {
				return err
			}
		}
		return tx.SetCursor(c.cfg.AccountID, cursorName, raw)
	})
	if err == nil {
		c.changed(changed)
	}
	return err
}

// maxDeleteChecks bounds the statuses looked up per conversation and sync.
const maxDeleteChecks = 10

// deleted finds the stored statuses of a conversation that the instance no longer has: those
// missing from its fresh thread are looked up one by one (a 404 means deleted). This is how
// deletions made while the stream was down are caught; the stream's delete events do it live.
func (c *Connector) deleted(ctx context.Context, conversationID string, thread []*gomastodon.Status) ([]string, error) {
	present := map[string]bool{}
	for _, st := range thread {
		present[string(st.ID)] = true
	}
	stored, _, err := c.cfg.Repo.ConversationMessages(ctx, c.cfg.AccountID, conversationID, repo.Page{Limit: 500})
	if err != nil {
		return nil, err
	}
	var gone []string
	checks := 0
	for _, m := range stored {
		if present[m.RemoteID] || checks >= maxDeleteChecks {
			continue
		}
		checks++
		switch _, err := c.status(ctx, m.RemoteID); {
		case errors.Is(err, errStatusGone):
			gone = append(gone, m.ID)
		case err != nil:
			return nil, err
		}
	}
	return gone, nil
}

// thread returns the ancestors and descendants of a status (the whole DM thread).
func (c *Connector) thread(ctx context.Context, id gomastodon.ID) ([]*gomastodon.Status, error) {
	ctx, cancel := c.client.bound(ctx)
	defer cancel()
	tc, err := c.client.api.GetStatusContext(ctx, id)
	if err != nil {
		var ae *APIError
		if err := asAPIError(err); errors.As(err, &ae) && ae.Status == 404 {
			return nil, nil // deleted meanwhile
		}
		return nil, asAPIError(err)
	}
	out := append([]*gomastodon.Status{}, tc.Ancestors...)
	for _, d := range tc.Descendants {
		if d.ID != id {
			out = append(out, d)
		}
	}
	return out, nil
}

// MarkRead marks a conversation read on the instance and its messages seen locally.
func (c *Connector) MarkRead(ctx context.Context, conversationID string) error {
	bctx, cancel := c.client.bound(ctx)
	defer cancel()
	if err := c.client.api.MarkConversationAsRead(bctx, gomastodon.ID(conversationID)); err != nil {
		return asAPIError(err)
	}
	msgs, _, err := c.cfg.Repo.ConversationMessages(ctx, c.cfg.AccountID, conversationID, repo.Page{Limit: 500})
	if err != nil {
		return err
	}
	var changed []string
	for _, m := range msgs {
		if m.Flags.Seen {
			continue
		}
		if err := c.cfg.Repo.UpdateMessage(ctx, m.ID, func(m *model.Message) error { m.Flags.Seen = true; return nil }); err != nil {
			return err
		}
		changed = append(changed, m.ID)
	}
	c.changed(changed)
	return nil
}

// idLess orders Mastodon ids (numbers in strings): by length, then lexically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
