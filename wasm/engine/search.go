package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"caliopen/wasm/discussions"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
	"caliopen/wasm/search"
	"caliopen/wasm/store/repo"
)

// Search in message text. Every body stored is cut into words (package search) in the
// transaction that stores it, and the words kept in the repository's terms store beside
// it; the engine holds them in an in-memory index (rebuilt at load from those small
// records, never from the bodies) that answers a query in the time it takes to look up its
// words. Messages stored before the index existed, or cut by another version of the
// tokenizer, are indexed in the background after the load, a batch at a time.

// backfillBatch is how many messages one background indexing transaction reads.
const backfillBatch = 100

// messageWords are the words a message is found by: its subject, its text (the HTML's
// when it has no plain text; its snippet while the body is not fetched) and the names of
// its attachments.
func messageWords(m *model.Message, b *model.Body) []string {
	texts := []string{m.Subject}
	switch {
	case b == nil:
		texts = append(texts, m.Snippet)
	case b.Text != "":
		texts = append(texts, b.Text)
	case b.HTML != "":
		texts = append(texts, mail.HTMLToText(b.HTML))
	}
	if b != nil {
		for _, a := range b.Attachments {
			texts = append(texts, a.Name)
		}
	}
	return search.Tokens(texts...)
}

// indexWritten keeps the words of the messages a transaction wrote (those with a body, and
// those not indexed yet, with their stored body if any) and deleted. Caller holds e.mu,
// inside the transaction.
func (e *Engine) indexWritten(tx *repo.Tx, written []model.Message, deleted []string) error {
	for i := range written {
		m := &written[i]
		body := tx.WrittenBody(m.ID)
		if body == nil && e.search.Has(m.ID) {
			continue // a change of flags or folder: the words stay
		}
		if body == nil { // not indexed yet (the background indexing has not come to it)
			if b, err := tx.Body(m.ID); err == nil {
				body = &b
			} else if !errors.Is(err, repo.ErrNotFound) {
				return err
			}
		}
		words := messageWords(m, body)
		if err := tx.PutTerms(m.ID, search.Version, words); err != nil {
			return err
		}
		e.search.Set(m.ID, words)
	}
	for _, id := range deleted {
		if err := tx.DeleteTerms(id); err != nil {
			return err
		}
		e.search.Remove(id)
	}
	return nil
}

// loadTerms reads the stored words of every message into a new index and returns it with
// the messages whose words are missing or from another version of the tokenizer.
func loadTerms(ctx context.Context, r *repo.Repo, ids []string) (*search.Index, []string, error) {
	ix := search.NewIndex()
	err := r.EachTerms(ctx, func(id string, version int, words []string) {
		if version == search.Version {
			ix.Set(id, words)
		}
	})
	if err != nil {
		return nil, nil, fmt.Errorf("engine: read the search index: %w", err)
	}
	var missing []string
	for _, id := range ids {
		if !ix.Has(id) {
			missing = append(missing, id)
		}
	}
	return ix, missing, nil
}

// backfill indexes messages stored without their words, a batch per transaction, holding
// the engine's lock for each (so that no write of a message comes in between).
func (e *Engine) backfill(ctx context.Context, ids []string) {
	started, done := time.Now(), 0
	for len(ids) > 0 {
		batch := ids[:min(backfillBatch, len(ids))]
		ids = ids[len(batch):]
		if err := e.lock(ctx); err != nil {
			return
		}
		err := e.indexBatch(ctx, batch)
		e.unlock()
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("engine: indexing message text failed", "error", err)
			}
			return
		}
		done += len(batch)
	}
	e.log.Info("engine: message text indexed", "messages", done, "ms", time.Since(started).Milliseconds())
}

// indexBatch indexes the messages not indexed yet among ids. Caller holds e.mu.
func (e *Engine) indexBatch(ctx context.Context, ids []string) error {
	found := map[string][]string{}
	err := e.Repo.Update(ctx, []string{repo.Bodies, repo.Terms}, func(tx *repo.Tx) error {
		clear(found)
		for _, id := range ids {
			m, ok := e.index.Message(id)
			if !ok || e.search.Has(id) {
				continue // gone, or indexed as it was written since the load
			}
			var body *model.Body
			if b, err := tx.Body(id); err == nil {
				body = &b
			} else if !errors.Is(err, repo.ErrNotFound) {
				return err
			}
			words := messageWords(&m, body)
			if err := tx.PutTerms(id, search.Version, words); err != nil {
				return err
			}
			found[id] = words
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id, words := range found {
		e.search.Set(id, words)
	}
	return nil
}

// TextMatch is the passage of a message where the words searched were found.
type TextMatch struct {
	MessageID string        `json:"messageId"`
	Parts     []search.Part `json:"parts"`
}

// passageWidth is the length of a passage shown in the list, in characters.
const passageWidth = 90

// findText fills f.Found from the search index. Caller holds e.mu.
func (e *Engine) findText(f *discussions.Filter) {
	if f.Text != "" {
		f.Found = e.index.Holding(e.search.Find(f.Text))
	}
}

// passages cuts, for each discussion of the page found by its words, the passage of its
// latest message found, from the stored body (or the subject and snippet without one).
// msgs are those messages as the index holds them.
func (e *Engine) passages(ctx context.Context, text string, page []Stored, found map[discussions.Key]string, msgs map[string]model.Message) error {
	bodies := map[string]model.Body{}
	err := e.Repo.View(ctx, []string{repo.Bodies}, func(tx *repo.Tx) error {
		for _, s := range page {
			id := found[s.Key]
			if id == "" {
				continue
			}
			b, err := tx.Body(id)
			if err == nil {
				bodies[id] = b
			} else if !errors.Is(err, repo.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range page {
		id := found[page[i].Key]
		if id == "" {
			continue
		}
		b, m := bodies[id], msgs[id]
		body := b.Text
		if body == "" && b.HTML != "" {
			body = mail.HTMLToText(b.HTML)
		}
		for _, t := range []string{body, m.Snippet, m.Subject} {
			if parts := search.Highlight(t, text, passageWidth); parts != nil {
				page[i].Match = &TextMatch{MessageID: id, Parts: parts}
				break
			}
		}
	}
	return nil
}
