package mastodon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomastodon "github.com/mattn/go-mastodon"

	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Reply is a direct message to send in a conversation: the outbox item's payload.
type Reply struct {
	ConversationID string `json:"conversationId,omitempty"`
	// InReplyToID is the conversation's last status, so the reply stays in the thread.
	InReplyToID string `json:"inReplyToId,omitempty"`
	// To are the recipients' accts (user@host); each is mentioned at the start of the text,
	// as a direct status reaches only the accounts it mentions.
	To          []string `json:"to"`
	Text        string   `json:"text"`
	SpoilerText string   `json:"spoilerText,omitempty"`
}

// Status returns the text to post: the mentions, then the text.
func (r *Reply) Status() string {
	var b strings.Builder
	for _, a := range r.To {
		a = strings.TrimPrefix(strings.TrimSpace(a), "@")
		if a == "" || strings.Contains(r.Text, "@"+a) {
			continue
		}
		b.WriteString("@" + a + " ")
	}
	b.WriteString(r.Text)
	return b.String()
}

// ErrNoRecipient refuses a direct message that mentions nobody (only its author would see it).
var ErrNoRecipient = errors.New("mastodon: a direct message needs at least one recipient")

// Enqueue queues a reply in the durable outbox with a fresh Idempotency-Key.
func Enqueue(ctx context.Context, r *repo.Repo, accountID string, reply *Reply) (*repo.OutboxItem, error) {
	if len(reply.To) == 0 {
		return nil, ErrNoRecipient
	}
	payload, err := json.Marshal(reply)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	return r.Enqueue(ctx, &repo.OutboxItem{AccountID: accountID, Network: model.Mastodon,
		IdempotencyKey: "caliopen-" + hex.EncodeToString(key), Payload: payload})
}

// Handler sends a Mastodon account's outbox items; it is the outbox.Handler of the account,
// so one dispatcher runs every network.
type Handler struct {
	Connector *Connector
	// Now is the clock (default time.Now); tests move it past the Idempotency-Key window.
	Now func() time.Time
}

// idempotencyWindow is how long Mastodon remembers an Idempotency-Key (1 hour after the status
// was created), minus a margin.
const idempotencyWindow = 50 * time.Minute

// clockSkew is the difference allowed between this device's clock and the instance's when
// looking for a status posted by an earlier attempt.
const clockSkew = 2 * time.Minute

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// keyRemembered says whether the instance still remembers the item's Idempotency-Key for any
// status an earlier attempt may have created: every attempt came after the item was queued,
// so within the window of CreatedAt, it is within the window of that attempt too.
func (h *Handler) keyRemembered(it *repo.OutboxItem) bool {
	return h.now().Sub(it.CreatedAt) < idempotencyWindow
}

// Send posts the reply with the item's Idempotency-Key: a retry after a lost answer returns the
// status the first attempt created instead of posting twice. Past the hour the instance
// remembers keys, a retry first looks for a status of the user with the same text posted
// since the item was queued (a lost answer followed by a long outage). Attempts counts this
// one; attempts the rate limit put off do not count (outbox.Deferral). The sent status is
// stored at once so it shows in its conversation.
func (h *Handler) Send(ctx context.Context, it *repo.OutboxItem) (string, error) {
	var r Reply
	if err := json.Unmarshal(it.Payload, &r); err != nil {
		return "", &smtpsend.PermanentError{Err: err}
	}
	c := h.Connector
	if it.Attempts > 1 && !h.keyRemembered(it) {
		st, err := h.find(ctx, it, &r)
		if err != nil {
			return "", err
		}
		if st != nil {
			h.storeSent(ctx, st, r.ConversationID)
			return string(st.ID), nil
		}
	}
	toot := &gomastodon.Toot{Status: r.Status(), InReplyToID: gomastodon.ID(r.InReplyToID),
		Visibility: "direct", SpoilerText: r.SpoilerText, Sensitive: r.SpoilerText != ""}
	bctx, cancel := c.client.bound(withIdempotencyKey(ctx, it.IdempotencyKey))
	defer cancel()
	st, err := c.client.api.PostStatus(bctx, toot)
	if err != nil {
		err = asAPIError(err)
		if Permanent(err) {
			return "", &smtpsend.PermanentError{Err: err}
		}
		return "", err
	}
	h.storeSent(ctx, st, r.ConversationID)
	return string(st.ID), nil
}

// storeSent stores a sent status in its conversation (best effort: the next sync stores it).
func (h *Handler) storeSent(ctx context.Context, st *gomastodon.Status, conversationID string) {
	c := h.Connector
	if msg, body, _, err := c.m.message(st, conversationID, true); err == nil {
		if c.cfg.Repo.SaveMessage(ctx, msg, body) == nil {
			c.changed([]string{msg.ID})
		}
	}
}

// Check decides about an item left in doubt (the app stopped while sending it). Within the
// instance's Idempotency-Key window, sending again is safe (the instance answers with the
// first status), so it reports not sent; past it, it looks for the status (see find).
func (h *Handler) Check(ctx context.Context, it *repo.OutboxItem) (bool, error) {
	if h.keyRemembered(it) {
		return false, nil
	}
	var r Reply
	if err := json.Unmarshal(it.Payload, &r); err != nil {
		return false, err
	}
	st, err := h.find(ctx, it, &r)
	return st != nil, err
}

// find looks for a status of the user with the reply's text, posted since the item was queued
// and not acknowledged for another item. A reply is looked for among its parent's descendants
// (GET /api/v1/statuses/:id/context); a first message among the newest conversations (GET
// /api/v1/conversations) whose last status is that recent, with their threads. The oldest
// match is the first attempt's.
func (h *Handler) find(ctx context.Context, it *repo.OutboxItem, r *Reply) (*gomastodon.Status, error) {
	c := h.Connector
	since := it.CreatedAt.Add(-clockSkew)
	var candidates []*gomastodon.Status
	if r.InReplyToID != "" {
		t, err := c.thread(ctx, gomastodon.ID(r.InReplyToID))
		if err != nil {
			return nil, err
		}
		candidates = t
	}
	if len(candidates) == 0 {
		var convs []*gomastodon.Conversation
		if _, err := c.client.getJSON(ctx, "/api/v1/conversations", url.Values{"limit": {strconv.Itoa(pageSize)}}, &convs); err != nil {
			return nil, err
		}
		for _, cv := range convs {
			if cv.LastStatus == nil || cv.LastStatus.CreatedAt.Before(since) {
				continue
			}
			t, err := c.thread(ctx, cv.LastStatus.ID)
			if err != nil {
				return nil, err
			}
			candidates = append(append(candidates, t...), cv.LastStatus)
		}
	}
	acked, err := c.cfg.Repo.SentRemoteIDs(ctx, it.AccountID, it.ID)
	if err != nil {
		return nil, err
	}
	want := strings.Join(strings.Fields(r.Text), " ")
	var found *gomastodon.Status
	for _, st := range candidates {
		if st.CreatedAt.Before(since) || acked[string(st.ID)] || r.InReplyToID != "" && idString(st.InReplyToID) != r.InReplyToID {
			continue
		}
		if a, err := IdentityOf(&st.Account, c.info.Domain); err != nil || a.URI != c.cfg.Self {
			continue
		}
		text := strings.Join(strings.Fields(mail.HTMLToText(st.Content)), " ")
		if strings.Contains(text, want) && (found == nil || idLess(string(st.ID), string(found.ID))) {
			found = st
		}
	}
	return found, nil
}
