// Package engine is the core's data layer at work: it owns the repository (IndexedDB in a
// browser), the contact book and the discussion index, applies every change to all three
// together, and answers the UI's queries.
//
// Reads for the UI never load the mailbox: the discussion list is paged from the stored
// summaries (the discussions store, ordered by last message), which every change keeps up to
// date. The in-memory discussion index and contact book are rebuilt in the background when the
// core starts (from the stored messages and the operation log); changes wait for that, reads
// do not.
package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"caliopen/wasm/contacts"
	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/search"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// Topics name what changed, for live queries and other tabs.
const (
	TopicDiscussions = "discussions"
	TopicContacts    = "contacts"
	// TopicProfiles says identities learnt facts that may link them (an email signature
	// naming handles): time to look for link evidence (FindLinks).
	TopicProfiles = "profiles"
)

// opContact is the operation-log kind of contact book operations.
const opContact = "contact.op"

// Engine is the core's data layer.
type Engine struct {
	Repo *repo.Repo
	log  *slog.Logger
	now  func() time.Time

	// Notify is called after every committed change with the topic that changed.
	Notify func(topic string)
	// KeyFacts, when set, gives FindLinks the OpenPGP keys known for others (their user ids
	// may name several addresses of one person). Set it before the first FindLinks.
	KeyFacts func() []contacts.Key
	// Keys, when set, tells the privacy index which OpenPGP keys are known (see KeyStates).
	// Set it before the first query.
	Keys KeyStates

	mu     sync.Mutex // guards book and index, which are not safe for concurrent use
	book   *contacts.Book
	index  *discussions.Index
	search *search.Index // the words of messages (see search.go)
	// unindexed are the messages the load found without their words, for the background
	// indexing (backfill).
	unindexed []string
	ctx       context.Context
	loadOnce  sync.Once
	ready     chan struct{}
	loadEr    error
	stale     bool // another tab changed the store: rebuild before the next change or read of the index
	// changed collects the topics a change touched while e.mu is held; unlock announces
	// them after releasing it (live queries read the engine, so they must not run under it).
	changed []string
	// wroteTo holds the identities the user wrote to (they make a contact "known").
	wroteTo map[model.IdentityURI]bool
}

// New returns an engine over db (opened with repo.Schema()). Its index loads on first use,
// or when StartLoad is called: a page of discussions needs no index, so the core can show the
// first page before doing that work.
func New(ctx context.Context, db store.DB, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.Default()
	}
	e := &Engine{Repo: repo.New(db), log: log, now: time.Now, Notify: func(string) {}, ready: make(chan struct{}), ctx: ctx}
	e.Repo.Observer = e
	return e
}

// StartLoad starts loading the contact book and the discussion index, once, then indexes
// the text of the messages stored without their words.
func (e *Engine) StartLoad() {
	e.loadOnce.Do(func() {
		go func() {
			e.load(e.ctx)
			if e.loadEr == nil && len(e.unindexed) > 0 {
				e.backfill(e.ctx, e.unindexed)
			}
		}()
	})
}

// Ready starts the load if needed and waits until the index is loaded (or ctx ends).
func (e *Engine) Ready(ctx context.Context) error {
	e.StartLoad()
	select {
	case <-e.ready:
		return e.loadEr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Loaded reports, without waiting, whether the index is loaded, and the load's error.
func (e *Engine) Loaded() (bool, error) {
	select {
	case <-e.ready:
		return true, e.loadEr
	default:
		return false, nil
	}
}

// load rebuilds the contact book from the operation log and the discussion index from the
// stored messages. The stored summaries need no rewrite: every change wrote them in the
// transaction that made it.
func (e *Engine) load(ctx context.Context) {
	defer close(e.ready)
	started := time.Now()
	book := contacts.NewBook()
	var after uint64
	for {
		ops, err := e.Repo.Ops(ctx, after, 1000)
		if err != nil {
			e.loadEr = fmt.Errorf("engine: read the operation log: %w", err)
			return
		}
		for _, op := range ops {
			after = op.Seq
			if op.Kind != opContact {
				continue
			}
			var cop contacts.Op
			if err := json.Unmarshal(op.Data, &cop); err != nil {
				e.log.Warn("engine: unreadable contact operation", "seq", op.Seq, "error", err)
				continue
			}
			if _, err := book.Apply(cop); err != nil {
				e.log.Warn("engine: contact operation does not apply", "seq", op.Seq, "error", err)
			}
		}
		if len(ops) < 1000 {
			break
		}
	}
	if err := e.Repo.EachIdentity(ctx, func(id model.Identity) {
		book.PutIdentity(id)
		if id.Own {
			book.SetOwn(id.URI)
		}
	}); err != nil {
		e.loadEr = fmt.Errorf("engine: read identities: %w", err)
		return
	}
	if err := restoreSuggestions(ctx, e.Repo, book); err != nil {
		e.loadEr = err
		return
	}
	index := discussions.NewIndex(book)
	if err := e.Repo.EachSetTags(ctx, func(set string, tags []string) {
		index.SetTags(discussions.SetKey(set), tags)
	}); err != nil {
		e.loadEr = fmt.Errorf("engine: read tags: %w", err)
		return
	}
	written := &Engine{} // collects the identities the user wrote to
	count := 0
	var ids []string
	p := repo.Page{Limit: 500, Oldest: true}
	for {
		msgs, next, err := e.Repo.AllMessages(ctx, p)
		if err != nil {
			e.loadEr = fmt.Errorf("engine: read messages: %w", err)
			return
		}
		written.noteWritten(msgs)
		for i := range msgs {
			ids = append(ids, msgs[i].ID)
		}
		if _, err := index.AddBatch(msgs); err != nil {
			e.loadEr = err
			return
		}
		count += len(msgs)
		if next == "" {
			break
		}
		p.After = next
	}
	words, unindexed, err := loadTerms(ctx, e.Repo, ids)
	if err != nil {
		e.loadEr = err
		return
	}
	e.mu.Lock()
	e.book, e.index, e.wroteTo, e.search, e.unindexed = book, index, written.wroteTo, words, unindexed
	e.mu.Unlock()
	e.log.Info("engine: index loaded", "messages", count, "unindexed", len(unindexed), "ms", time.Since(started).Milliseconds())
}

// rewriteSummaries replaces the stored summaries by the index's inbox. Caller holds e.mu.
func (e *Engine) rewriteSummaries(ctx context.Context) error {
	var all []discussions.Summary
	cur := discussions.Cursor("")
	for {
		page, next, err := e.index.Page(cur, 1000)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cur = next
	}
	return e.Repo.Update(ctx, []string{repo.Discussions}, func(tx *repo.Tx) error {
		if err := tx.ClearDiscussions(); err != nil {
			return err
		}
		for i := range all {
			s := e.stored(all[i])
			if err := tx.PutDiscussion(string(s.Key), s.LastDate, &s); err != nil {
				return err
			}
		}
		return nil
	})
}

// lock waits for the index and takes the engine's lock, rebuilding the index first when
// another tab changed the store.
func (e *Engine) lock(ctx context.Context) error {
	if err := e.Ready(ctx); err != nil {
		return err
	}
	e.mu.Lock()
	if e.stale {
		e.stale = false
		e.reloadLocked(ctx, false)
	}
	return nil
}

// unlock releases the engine's lock, then announces the topics changed meanwhile.
func (e *Engine) unlock() {
	topics := e.changed
	e.changed = nil
	e.mu.Unlock()
	seen := map[string]bool{}
	for _, t := range topics {
		if !seen[t] {
			seen[t] = true
			e.Notify(t)
		}
	}
}

// changedLocked records a changed topic. Caller holds e.mu.
func (e *Engine) changedLocked(topic string) { e.changed = append(e.changed, topic) }

// Invalidate tells the engine that another tab changed the store: its in-memory book and
// index are rebuilt before they are next used. Pages read from the store need nothing.
func (e *Engine) Invalidate() {
	e.mu.Lock()
	e.stale = true
	e.mu.Unlock()
}

// Stored is a discussion summary as stored for the list: with its people already named, so
// that showing a page reads nothing else.
type Stored struct {
	discussions.Summary
	People []Person `json:"people"`
	// Match is, in a search, the passage where the words searched were found (never stored).
	Match *TextMatch `json:"-"`
}

// stored names a summary's people from the book and grades it. Caller holds e.mu.
func (e *Engine) stored(s discussions.Summary) Stored {
	s.Privacy = e.discussionPrivacy(s.Key)
	return Stored{Summary: s, People: e.namesLocked(s.Participants)}
}

// writeChanges stores what a change did to the discussion summaries, in tx. Caller holds e.mu.
func (e *Engine) writeChanges(tx *repo.Tx, chs ...discussions.Changes) error {
	for _, ch := range chs {
		for _, k := range ch.Deleted {
			if err := tx.DeleteDiscussion(string(k)); err != nil {
				return err
			}
		}
		for i := range ch.Upserted {
			if ch.Upserted[i].Archived { // the store holds the inbox; the index has the rest
				if err := tx.DeleteDiscussion(string(ch.Upserted[i].Key)); err != nil {
					return err
				}
				continue
			}
			s := e.stored(ch.Upserted[i])
			if err := tx.PutDiscussion(string(s.Key), s.LastDate, &s); err != nil {
				return err
			}
		}
	}
	return nil
}

func appendContactOps(tx *repo.Tx, chs []contacts.Change) error {
	for _, c := range chs {
		if _, err := tx.AppendOp(opContact, c.Op); err != nil {
			return err
		}
	}
	return nil
}

// Ingest stores messages (with their bodies) from a connector in one transaction; the
// engine, as the repository's Observer, files them into discussions in that transaction.
func (e *Engine) Ingest(ctx context.Context, writes []repo.MessageWrite) error {
	if len(writes) == 0 {
		return nil
	}
	return e.Repo.SaveMessages(ctx, writes)
}

// Stores are the stores the engine writes beside messages (repo.Observer), and the bodies
// it reads to index a message written without one.
func (e *Engine) Stores() []string {
	return append([]string{repo.Discussions, repo.Identities, repo.Terms, repo.Bodies}, repo.OpLogStores...)
}

// Begin takes the engine's lock before a transaction that may write messages
// (repo.Observer): the engine's lock is always taken before the store's.
func (e *Engine) Begin(ctx context.Context) error { return e.lock(ctx) }

// Committed releases the engine's lock once the transaction ended; if it failed, the index,
// which ran ahead of the store, is rebuilt from what is stored (repo.Observer).
func (e *Engine) Committed(err error) {
	if err != nil {
		e.reloadLocked(e.ctx, true)
	}
	e.unlock()
}

// Observe files written messages into discussions and forgets deleted ones, creating
// contacts for new participants, and writes the contact operations, the identities named and
// the changed summaries in the same transaction (repo.Observer). Caller (Begin) holds e.mu.
func (e *Engine) Observe(tx *repo.Tx, written []model.Message, deleted []string) error {
	at := e.now()
	var contactChanges []contacts.Change
	var named []model.Identity
	for i := range written {
		if written[i].Box.Hidden() {
			continue // junk, the trash, drafts: their people do not become contacts
		}
		for _, p := range written[i].Participants {
			if p.Name == "" {
				continue
			}
			if have, ok := e.book.Identity(p.URI); !ok || have.DisplayName == "" {
				id := model.Identity{URI: p.URI, DisplayName: p.Name, UpdatedAt: at}
				if ok {
					have.DisplayName = p.Name
					id = have
				}
				// A connector may have stored it with its profile, in this transaction even:
				// name it without losing what it knows.
				if stored, err := tx.Identity(p.URI); err == nil {
					if stored.DisplayName != "" {
						e.book.PutIdentity(stored)
						continue
					}
					stored.DisplayName = p.Name
					id = stored
				}
				e.book.PutIdentity(id)
				named = append(named, id)
			}
		}
		chs, err := e.book.EnsureAll(discussions.ParticipantSet(&written[i]), at)
		if err != nil {
			return err
		}
		contactChanges = append(contactChanges, chs...)
	}
	changes := []discussions.Changes{e.index.Apply(contactChanges...)}
	for _, id := range deleted {
		changes = append(changes, e.index.Remove(id))
	}
	if len(written) > 0 {
		e.noteWritten(written)
		added, err := e.index.AddBatch(written)
		if err != nil {
			return err
		}
		changes = append(changes, added)
	}
	for i := range named {
		if err := tx.PutIdentity(&named[i]); err != nil {
			return err
		}
	}
	if err := e.indexWritten(tx, written, deleted); err != nil {
		return err
	}
	if signed, err := e.noteSignatures(tx, written); err != nil {
		return err
	} else if signed {
		e.changedLocked(TopicProfiles)
	}
	if err := appendContactOps(tx, contactChanges); err != nil {
		return err
	}
	if err := e.writeChanges(tx, changes...); err != nil {
		return err
	}
	e.changedLocked(TopicDiscussions)
	if len(contactChanges) > 0 {
		e.changedLocked(TopicContacts)
	}
	return nil
}

// reloadLocked rebuilds book and index from the store: after another tab changed it (its
// summaries are already right), or after a failed write (repair: the stored summaries are
// rewritten from the rebuilt index). Caller holds e.mu.
func (e *Engine) reloadLocked(ctx context.Context, repair bool) {
	fresh := &Engine{Repo: e.Repo, log: e.log, now: e.now, Notify: func(string) {}, ready: make(chan struct{}), ctx: ctx}
	fresh.load(ctx)
	if fresh.loadEr != nil {
		e.log.Error("engine: rebuild failed", "error", fresh.loadEr)
		return
	}
	e.book, e.index, e.wroteTo, e.search = fresh.book, fresh.index, fresh.wroteTo, fresh.search
	if len(fresh.unindexed) > 0 {
		go e.backfill(e.ctx, fresh.unindexed)
	}
	if !repair {
		return
	}
	if err := e.rewriteSummaries(ctx); err != nil {
		e.log.Error("engine: cannot repair the stored discussions", "error", err)
	}
	e.changedLocked(TopicDiscussions)
}

// applyContactChange stores a contact change and its effect on discussions. Caller holds e.mu.
func (e *Engine) applyContactChange(ctx context.Context, chs ...contacts.Change) error {
	ixc := e.index.Apply(chs...)
	err := e.Repo.Update(ctx, append([]string{repo.Discussions, repo.Suggestions}, repo.OpLogStores...), func(tx *repo.Tx) error {
		if err := appendContactOps(tx, chs); err != nil {
			return err
		}
		if err := e.saveSuggestions(tx); err != nil {
			return err
		}
		return e.writeChanges(tx, ixc)
	})
	if err != nil {
		e.reloadLocked(ctx, true)
		return err
	}
	e.changedLocked(TopicContacts)
	e.changedLocked(TopicDiscussions)
	return nil
}

// Link says that identities are one person (the user's word: strong evidence): their
// contacts merge, and their discussions become one at once, old messages included.
func (e *Engine) Link(ctx context.Context, ids []model.IdentityURI) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	chs, err := e.book.Link(ids, e.now())
	if err != nil {
		return err
	}
	return e.applyContactChange(ctx, chs...)
}

// Split moves identities out of a contact into a new one.
func (e *Engine) Split(ctx context.Context, from contacts.ContactID, ids []model.IdentityURI) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	ch, err := e.book.Split(from, ids, e.now())
	if err != nil {
		return err
	}
	return e.applyContactChange(ctx, ch)
}

// SetOwnIdentity records one of the user's own identities (their address on an account).
func (e *Engine) SetOwnIdentity(ctx context.Context, id model.Identity) error {
	if err := e.lock(ctx); err != nil {
		return err
	}
	defer e.unlock()
	id.Own = true
	if err := e.Repo.PutIdentity(ctx, &id); err != nil {
		return err
	}
	e.book.PutIdentity(id)
	e.book.SetOwn(id.URI)
	ixc := e.index.Rekey(id.URI)
	if err := e.Repo.Update(ctx, []string{repo.Discussions}, func(tx *repo.Tx) error { return e.writeChanges(tx, ixc) }); err != nil {
		return err
	}
	e.changedLocked(TopicDiscussions)
	return nil
}
