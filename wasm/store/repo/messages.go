package repo

import (
	"context"
	"errors"
	"strings"

	"caliopen/wasm/model"
	"caliopen/wasm/store"
)

// MessageWrite is one message to store: its metadata and, when known, its body.
type MessageWrite struct {
	Message *model.Message
	Body    *model.Body
	// Blobs are attachment bytes (or other bytes kept with the message) by id, stored with it.
	Blobs map[string][]byte
}

// NormalizeMessageID returns a Message-ID header value without angle brackets and spaces, the
// form the message_id index uses.
func NormalizeMessageID(id string) string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(id), "<"), ">")
}

func messageIndex(m *model.Message) map[string]string {
	date := store.TimeKey(m.Date)
	ix := map[string]string{
		"account_date": store.Tuple(m.AccountID, date),
		"date":         date,
	}
	if m.Folder != "" {
		ix["folder"] = store.Tuple(m.AccountID, m.Folder, date)
	}
	if m.ConversationID != "" {
		ix["conversation"] = store.Tuple(m.AccountID, m.ConversationID, date)
	}
	if id := NormalizeMessageID(m.MessageID); id != "" {
		ix["message_id"] = store.Tuple(id)
	}
	return ix
}

// PutMessage writes a message's metadata and, if body is not nil, its body. An empty m.ID is
// set from the account and remote ids. A direct message written again (a connector's new
// look at it) keeps the box and the star the user gave it: its network keeps neither (nor,
// on X, the read mark). Needs
// the stores Messages and Bodies.
func (tx *Tx) PutMessage(m *model.Message, body *model.Body) error {
	if m.AccountID == "" || m.RemoteID == "" {
		return errors.New("repo: message without account or remote id")
	}
	if m.ID == "" {
		m.ID = model.MessageID(m.AccountID, m.RemoteID)
	}
	if m.Network != model.Email {
		if old, err := tx.Message(m.ID); err == nil {
			m.Box, m.Flags.Flagged = old.Box, old.Flags.Flagged
			if m.Network == model.X {
				m.Flags.Seen = m.Flags.Seen || old.Flags.Seen // X keeps no read state: the user's stays
			}
		}
	}
	return tx.putMessage(m, body)
}

// putMessage writes a message as it is.
func (tx *Tx) putMessage(m *model.Message, body *model.Body) error {
	if err := tx.putJSON(Messages, m.ID, m, messageIndex(m)); err != nil {
		return err
	}
	tx.written = append(tx.written, *m)
	if body == nil {
		return nil
	}
	body.MessageID = m.ID
	if tx.bodies == nil {
		tx.bodies = map[string]*model.Body{}
	}
	tx.bodies[m.ID] = body
	return tx.putJSON(Bodies, m.ID, body, nil)
}

// PutMessageWrite writes a message, its body and its blobs. Needs MessageStores.
func (tx *Tx) PutMessageWrite(w MessageWrite) error {
	if err := tx.PutMessage(w.Message, w.Body); err != nil {
		return err
	}
	for id, data := range w.Blobs {
		if err := tx.Put(Blobs, store.Record{Key: store.Tuple(w.Message.ID, id), Value: data}); err != nil {
			return err
		}
	}
	return nil
}

// SaveMessages writes messages, each with its body, blobs and index entries, in one
// transaction.
func (r *Repo) SaveMessages(ctx context.Context, msgs []MessageWrite) error {
	return r.Update(ctx, MessageStores, func(tx *Tx) error {
		for _, w := range msgs {
			if err := tx.PutMessageWrite(w); err != nil {
				return err
			}
		}
		return nil
	})
}

// SaveMessage writes one message and its body (may be nil) in one transaction.
func (r *Repo) SaveMessage(ctx context.Context, m *model.Message, body *model.Body) error {
	return r.SaveMessages(ctx, []MessageWrite{{Message: m, Body: body}})
}

// Message returns a message's metadata.
func (r *Repo) Message(ctx context.Context, id string) (m model.Message, err error) {
	err = r.View(ctx, []string{Messages}, func(tx *Tx) error { return tx.getJSON(Messages, id, &m) })
	return m, err
}

// Body returns a message's body, or ErrNotFound when it was not fetched yet.
func (r *Repo) Body(ctx context.Context, id string) (b model.Body, err error) {
	err = r.View(ctx, []string{Bodies}, func(tx *Tx) error { return tx.getJSON(Bodies, id, &b) })
	return b, err
}

// UpdateMessage reads a message, lets fn change it and writes it back (with its new index
// entries) in one transaction.
func (r *Repo) UpdateMessage(ctx context.Context, id string, fn func(*model.Message) error) error {
	return r.Update(ctx, []string{Messages}, func(tx *Tx) error { return tx.UpdateMessage(id, fn) })
}

// UpdateMessage reads a message, lets fn change it and writes it back, inside a transaction
// over Messages.
func (tx *Tx) UpdateMessage(id string, fn func(*model.Message) error) error {
	var m model.Message
	if err := tx.getJSON(Messages, id, &m); err != nil {
		return err
	}
	if err := fn(&m); err != nil {
		return err
	}
	m.ID = id
	return tx.putMessage(&m, nil)
}

// DeleteMessage deletes a message, its body and its attachments' bytes.
func (r *Repo) DeleteMessage(ctx context.Context, id string) error {
	return r.Update(ctx, MessageStores, func(tx *Tx) error { return tx.DeleteMessage(id) })
}

// DeleteMessage deletes a message, its body and its attachments' bytes inside a transaction
// over MessageStores.
func (tx *Tx) DeleteMessage(id string) error {
	tx.deleted = append(tx.deleted, id)
	err := errors.Join(tx.Delete(Messages, id), tx.Delete(Bodies, id))
	var keys []string
	err = errors.Join(err, tx.Scan(Blobs, store.Query{Prefix: store.Tuple(id)}, func(rec store.Record) error {
		keys = append(keys, rec.Key)
		return nil
	}))
	for _, k := range keys {
		err = errors.Join(err, tx.Delete(Blobs, k))
	}
	return err
}

// Message returns a message's metadata inside a transaction over Messages.
func (tx *Tx) Message(id string) (m model.Message, err error) {
	err = tx.getJSON(Messages, id, &m)
	return m, err
}

// Body returns a message's body inside a transaction over Bodies.
func (tx *Tx) Body(id string) (b model.Body, err error) {
	err = tx.getJSON(Bodies, id, &b)
	return b, err
}

// PutAttachment stores the bytes of a message's attachment and marks it fetched in the body.
func (r *Repo) PutAttachment(ctx context.Context, messageID, attachmentID string, data []byte) error {
	return r.Update(ctx, []string{Bodies, Blobs}, func(tx *Tx) error {
		var b model.Body
		if err := tx.getJSON(Bodies, messageID, &b); err != nil {
			return err
		}
		found := false
		for i := range b.Attachments {
			if b.Attachments[i].ID == attachmentID {
				b.Attachments[i].Fetched, found = true, true
			}
		}
		if !found {
			return &store.Error{Op: "put attachment", Store: Bodies, Key: attachmentID, Err: ErrNotFound}
		}
		if err := tx.Put(Blobs, store.Record{Key: store.Tuple(messageID, attachmentID), Value: data}); err != nil {
			return err
		}
		return tx.putJSON(Bodies, messageID, &b, nil)
	})
}

// Attachment returns the bytes of an attachment, or ErrNotFound when not fetched yet.
func (r *Repo) Attachment(ctx context.Context, messageID, attachmentID string) (data []byte, err error) {
	err = r.View(ctx, []string{Blobs}, func(tx *Tx) error {
		rec, err := tx.Get(Blobs, store.Tuple(messageID, attachmentID))
		data = rec.Value
		return err
	})
	return data, err
}

// AllMessages pages through the messages of every account by date (the unified inbox).
func (r *Repo) AllMessages(ctx context.Context, p Page) ([]model.Message, string, error) {
	return page[model.Message](ctx, r, Messages, "date", "", p)
}

// AccountMessages pages through an account's messages by date.
func (r *Repo) AccountMessages(ctx context.Context, accountID string, p Page) ([]model.Message, string, error) {
	return page[model.Message](ctx, r, Messages, "account_date", store.Tuple(accountID), p)
}

// FolderMessages pages through the messages of an account's folder by date.
func (r *Repo) FolderMessages(ctx context.Context, accountID, folder string, p Page) ([]model.Message, string, error) {
	return page[model.Message](ctx, r, Messages, "folder", store.Tuple(accountID, folder), p)
}

// ConversationMessages pages through the messages of a network conversation by date.
func (r *Repo) ConversationMessages(ctx context.Context, accountID, conversationID string, p Page) ([]model.Message, string, error) {
	return page[model.Message](ctx, r, Messages, "conversation", store.Tuple(accountID, conversationID), p)
}

// MessagesByMessageID returns the messages carrying a Message-ID header value (one per account
// that received it), for threading and to find out whether a sent mail already arrived.
func (r *Repo) MessagesByMessageID(ctx context.Context, messageID string) (ms []model.Message, err error) {
	err = r.View(ctx, []string{Messages}, func(tx *Tx) error {
		ms, err = scanJSON[model.Message](tx, Messages, store.Query{Index: "message_id", Prefix: store.Tuple(NormalizeMessageID(messageID))})
		return err
	})
	return ms, err
}

// CountMessages returns the number of messages of an account ("" for all).
func (r *Repo) CountMessages(ctx context.Context, accountID string) (n int, err error) {
	err = r.View(ctx, []string{Messages}, func(tx *Tx) error {
		q := store.Query{}
		if accountID != "" {
			q = store.Query{Index: "account_date", Prefix: store.Tuple(accountID)}
		}
		n, err = tx.Count(Messages, q)
		return err
	})
	return n, err
}
