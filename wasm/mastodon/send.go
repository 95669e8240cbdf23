package mastodon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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
}

// idempotencyWindow is how long Mastodon remembers an Idempotency-Key (1 hour), minus a margin.
const idempotencyWindow = 50 * time.Minute

// Send posts the reply with the item's Idempotency-Key: a retry after a lost answer returns the
// status the first attempt created instead of posting twice. The sent status is stored at
// once so it shows in its conversation.
func (h *Handler) Send(ctx context.Context, it *repo.OutboxItem) (string, error) {
	var r Reply
	if err := json.Unmarshal(it.Payload, &r); err != nil {
		return "", &smtpsend.PermanentError{Err: err}
	}
	c := h.Connector
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
	if msg, body, _, err := c.m.message(st, r.ConversationID, true); err == nil {
		if c.cfg.Repo.SaveMessage(ctx, msg, body) == nil {
			c.changed([]string{msg.ID})
		}
	}
	return string(st.ID), nil
}

// Check decides about an item left in doubt. Within the instance's Idempotency-Key window,
// sending again is safe (the instance answers with the first status), so it reports not sent.
// Past it, it looks in the conversation's thread for a status of the user with the same text.
func (h *Handler) Check(ctx context.Context, it *repo.OutboxItem) (bool, error) {
	if time.Since(it.UpdatedAt) < idempotencyWindow {
		return false, nil
	}
	var r Reply
	if err := json.Unmarshal(it.Payload, &r); err != nil || r.InReplyToID == "" {
		return false, err
	}
	thread, err := h.Connector.thread(ctx, gomastodon.ID(r.InReplyToID))
	if err != nil {
		return false, err
	}
	want := strings.Join(strings.Fields(r.Text), " ")
	for _, st := range thread {
		msg, _, _, err := h.Connector.m.message(st, "", true)
		if err == nil && msg.Outgoing && strings.Contains(strings.Join(strings.Fields(mail.HTMLToText(st.Content)), " "), want) {
			return true, nil
		}
	}
	return false, nil
}
