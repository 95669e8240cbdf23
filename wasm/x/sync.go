package x

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// CursorName is the name of the account's cursor in the store (a syncState in JSON; an older
// version kept only the newest event id).
const CursorName = "dm_events"

// Syncer copies an account's DM events into the store.
//
// X bills every event a lookup returns (the same event once per UTC day) and allows 15
// lookups per 15 minutes, so a sync reads as little as it can: the first page of a poll is
// small (HeadPageSize) and paging stops at the newest event already stored; a sync that stops
// halfway (a spent window) keeps X's pagination token of the part not read yet and resumes
// from it at the next sync, after reading what arrived meanwhile, instead of reading the
// whole inbox again. So a first sync of an inbox larger than one window finishes over a few
// windows, each event read once.
type Syncer struct {
	Client       *Client
	Repo         *repo.Repo
	AccountID    string
	SelfID       string // the signed-in user's numeric id
	PageSize     int    // 1–100; default 100
	HeadPageSize int    // the first page of a poll when events are stored already; default 5
	Now          func() time.Time
}

// syncState is the sync's cursor. Every event from Newest down to the previous syncs is
// stored, except the events of Gap when there is one.
type syncState struct {
	Newest string `json:"newest,omitempty"`
	Gap    *gap   `json:"gap,omitempty"`
}

// gap is a part of the inbox not read yet: from X's pagination token Token (the next page of
// an interrupted sync) down to the event Stop (excluded; "" reaches the end of X's 30 days).
type gap struct {
	Token string `json:"token"`
	Stop  string `json:"stop,omitempty"`
}

// SyncResult says what one sync did.
type SyncResult struct {
	Pages    int
	Events   int // events read (X bills each one)
	Messages int // messages stored
	Newest   string
	// Complete is false when part of the inbox is still to be read (the sync stopped on a
	// rate limit or an error): what was read is stored, and the next sync resumes.
	Complete bool
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) loadState(ctx context.Context) (syncState, error) {
	var st syncState
	raw, err := s.Repo.Cursor(ctx, s.AccountID, CursorName)
	if err != nil || len(raw) == 0 {
		return st, err
	}
	if raw[0] != '{' {
		st.Newest = string(raw) // the older form: the newest event id
		return st, nil
	}
	return st, json.Unmarshal(raw, &st)
}

// batch is what a sync read: the events, newest first, and the users and media they name.
type batch struct {
	events []DMEvent
	users  map[string]User
	media  map[string]Media
}

// Sync reads the events newer than those stored (the head), then, when an earlier sync was
// interrupted, continues the part it did not read (the gap); it stores the messages, the
// users they name and the cursor together.
func (s *Syncer) Sync(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	st, err := s.loadState(ctx)
	if err != nil {
		return res, err
	}
	b := batch{users: map[string]User{}, media: map[string]Media{}}
	headSize := s.pageSize()
	if st.Newest != "" {
		headSize = min(headSize, s.headPageSize())
	}
	top, rest, werr := s.walk(ctx, &b, &res, "", st.Newest, headSize)
	switch {
	case rest == "" && werr == nil: // the head is read
		if top != "" {
			st.Newest = top
		}
	case top != "" && st.Gap == nil: // stopped within the head: what is below is a gap
		st.Gap = &gap{Token: rest, Stop: st.Newest}
		st.Newest = top
	}
	// With a gap already pending, a head read halfway leaves the cursor alone: what was read
	// is stored and read again next time (X bills it once a day).
	if werr == nil && st.Gap != nil {
		_, rest, werr = s.walk(ctx, &b, &res, st.Gap.Token, st.Gap.Stop, s.pageSize())
		var ae *APIError
		switch {
		case werr == nil:
			st.Gap = nil
		case errors.As(werr, &ae) && ae.Status == 400 && strings.Contains(ae.Error(), "pagination_token"):
			// X no longer accepts the token: read from the top down to the gap's end again.
			st.Newest, st.Gap = st.Gap.Stop, nil
		case rest != "":
			st.Gap.Token = rest
		}
	}
	res.Complete = werr == nil && st.Gap == nil
	res.Newest = st.Newest
	raw, err := json.Marshal(st)
	if err != nil {
		return res, err
	}
	n, err := s.store(ctx, b, raw)
	res.Messages = n
	if werr != nil {
		return res, werr
	}
	return res, err
}

// walk reads pages from token ("" for the newest) until an event at or below stop, or the end.
// It returns the first event id read (top), and rest: "" when it reached stop or the end,
// else the token of the page it could not read (err says why).
func (s *Syncer) walk(ctx context.Context, b *batch, res *SyncResult, token, stop string, first int) (top, rest string, err error) {
	size := first
	for {
		p, err := s.Client.DMEvents(ctx, token, size)
		if err != nil {
			return top, token, err
		}
		size = s.pageSize()
		res.Pages++
		res.Events += len(p.Data)
		for _, u := range p.Includes.Users {
			b.users[u.ID] = u
		}
		for _, m := range p.Includes.Media {
			b.media[m.Key] = m
		}
		for _, e := range p.Data {
			if stop != "" && !idLess(stop, e.ID) {
				return top, "", nil
			}
			if top == "" {
				top = e.ID
			}
			b.events = append(b.events, e)
		}
		if token = p.Meta.NextToken; token == "" {
			return top, "", nil
		}
	}
}

func (s *Syncer) pageSize() int {
	if s.PageSize <= 0 || s.PageSize > 100 {
		return 100
	}
	return s.PageSize
}

func (s *Syncer) headPageSize() int {
	if s.HeadPageSize <= 0 {
		return 5
	}
	return min(s.HeadPageSize, 100)
}

func (s *Syncer) store(ctx context.Context, b batch, cursor []byte) (int, error) {
	events, users, media := b.events, b.users, b.media
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
		return tx.SetCursor(s.AccountID, CursorName, cursor)
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
