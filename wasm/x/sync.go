package x

import (
	"context"
	"slices"
	"strings"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// CursorName is the name of the account's cursor in the store: the newest event id stored.
const CursorName = "dm_events"

// Syncer copies an account's DM events into the store.
type Syncer struct {
	Client    *Client
	Repo      *repo.Repo
	AccountID string
	SelfID    string // the signed-in user's numeric id
	PageSize  int    // 1–100; default 100
	Now       func() time.Time
}

// SyncResult says what one sync did.
type SyncResult struct {
	Pages    int
	Events   int // events read (X bills each one)
	Messages int // messages stored
	Newest   string
	// Complete is false when the sync stopped before reaching the stored cursor (rate limit,
	// error): what was read is stored, the cursor is not moved, and the next sync reads again
	// from the newest event.
	Complete bool
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Sync reads /2/dm_events newest first until it meets the stored cursor (or the end of X's
// 30-day window), stores the new messages and the users they name, and moves the cursor.
func (s *Syncer) Sync(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	cur, err := s.Repo.Cursor(ctx, s.AccountID, CursorName)
	if err != nil {
		return res, err
	}
	cursor := string(cur)
	size := s.PageSize
	if size <= 0 || size > 100 {
		size = 100
	}
	var events []DMEvent
	users := map[string]User{}
	media := map[string]Media{}
	token := ""
	var ferr error
pages:
	for {
		p, err := s.Client.DMEvents(ctx, token, size)
		if err != nil {
			ferr = err
			break
		}
		res.Pages++
		res.Events += len(p.Data)
		for _, u := range p.Includes.Users {
			users[u.ID] = u
		}
		for _, m := range p.Includes.Media {
			media[m.Key] = m
		}
		for _, e := range p.Data {
			if cursor != "" && !idLess(cursor, e.ID) {
				res.Complete = true
				break pages
			}
			events = append(events, e)
		}
		if token = p.Meta.NextToken; token == "" {
			res.Complete = true
			break
		}
	}
	if len(events) > 0 && res.Complete {
		res.Newest = events[0].ID
	}
	n, err := s.store(ctx, events, users, media, res.Newest)
	res.Messages = n
	if ferr != nil {
		return res, ferr
	}
	return res, err
}

func (s *Syncer) store(ctx context.Context, events []DMEvent, users map[string]User, media map[string]Media, newest string) (int, error) {
	if len(events) == 0 && len(users) == 0 {
		return 0, nil
	}
	members := membersOf(s.SelfID, events)
	for conv, ids := range members {
		if isOneToOne(conv) {
			continue
		}
		// A group's members beyond this batch: those of the last stored message.
		prev, _, err := s.Repo.ConversationMessages(ctx, s.AccountID, conv, repo.Page{Limit: 1})
		if err != nil || len(prev) == 0 {
			continue
		}
		for _, p := range prev[0].Participants {
			id := p.URI.Address()
			if p.URI.Network() == model.X && !slices.Contains(ids, id) {
				members[conv] = append(members[conv], id)
			}
		}
	}
	now := s.now()
	stored := 0
	err := s.Repo.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Identities, repo.Cursors}, func(tx *repo.Tx) error {
		stored = 0
		for _, u := range users {
			facts, err := ProfileOf(u, now)
			if err != nil {
				continue
			}
			facts.Identity.Own = u.ID == s.SelfID
			if err := tx.PutIdentity(&facts.Identity); err != nil {
				return err
			}
		}
		for _, e := range events {
			if e.EventType != "" && e.EventType != "MessageCreate" {
				continue
			}
			m, body := toMessage(s.AccountID, s.SelfID, e, users, media, members[e.ConversationID], now)
			if _, err := tx.Message(m.ID); err == nil {
				continue // already stored: keep the user's flags
			}
			if err := tx.PutMessage(m, body); err != nil {
				return err
			}
			stored++
		}
		if newest != "" {
			return tx.SetCursor(s.AccountID, CursorName, []byte(newest))
		}
		return nil
	})
	return stored, err
}

// sameText compares a sent text with the text X returns, where X has replaced links by t.co
// links: every URL counts as the same token.
func sameText(a, b string) bool {
	norm := func(s string) string {
		f := strings.Fields(s)
		for i, w := range f {
			if strings.HasPrefix(w, "http://") || strings.HasPrefix(w, "https://") {
				f[i] = "<url>"
			}
		}
		return strings.Join(f, " ")
	}
	return norm(a) == norm(b)
}

// RefreshProfiles looks users up (GET /2/users?ids=) and stores their identities with the
// profile facts that feed identity merging (bio, expanded links). Sync already stores the
// users its events name; this refreshes them, or fetches ones met elsewhere.
func (s *Syncer) RefreshProfiles(ctx context.Context, ids []string) ([]ProfileFacts, error) {
	users, err := s.Client.Users(ctx, ids)
	var facts []ProfileFacts
	now := s.now()
	for _, u := range users {
		f, ferr := ProfileOf(u, now)
		if ferr != nil {
			continue
		}
		f.Identity.Own = u.ID == s.SelfID
		facts = append(facts, f)
	}
	if len(facts) > 0 {
		werr := s.Repo.Update(ctx, []string{repo.Identities}, func(tx *repo.Tx) error {
			for i := range facts {
				if err := tx.PutIdentity(&facts[i].Identity); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			err = werr
		}
	}
	return facts, err
}
