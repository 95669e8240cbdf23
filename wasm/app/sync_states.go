package app

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/syncspace"
)

// The state the user gives direct messages — read or unread, starred, archived, in the
// trash — travels between devices: Mastodon and X keep none of it (but a Mastodon
// conversation's read mark, which each device also gets from the instance). An email's state
// does not travel this way: its IMAP server holds it, and every device syncs from there.
//
// One entry per message, named by its account and its id on the network (the same on every
// device), with a field per state, last writer wins: "seen" and "flagged" (booleans) and
// "box", the last move ("archive", "inbox" or "trash", as repo.MessageStateOp says it). A
// device applies what changed as the batches arrive; a message it has not fetched yet gets
// its state once it arrives.

const collMessageState = "message.state"

// retryPendingStates is how often states of messages not stored yet here are tried again.
const retryPendingStates = 5 * time.Second

// messageStates tracks which entries to apply.
type messageStates struct {
	mu        sync.Mutex
	all       bool            // apply every entry (the client just started)
	changed   map[string]bool // entries other devices changed
	pending   map[string]bool // entries whose message is not stored here yet
	nextRetry time.Time
}

func messageStateKey(account, remote string) string { return account + " " + remote }

// noteStates records the message-state entries other devices changed (syncspace OnChange).
func (s *syncer) noteStates(changes []syncspace.Change) {
	st := &s.states
	st.mu.Lock()
	defer st.mu.Unlock()
	noteKeys(&st.changed, collMessageState, changes)
}

// noteKeys adds to *keys the keys of the entries of coll that changed.
func noteKeys(keys *map[string]bool, coll string, changes []syncspace.Change) {
	for _, c := range changes {
		if c.Coll == coll {
			if *keys == nil {
				*keys = map[string]bool{}
			}
			(*keys)[c.Key] = true
		}
	}
}

// messageStateOps turns the user's change of direct messages into sync operations: a field
// per message, skipped where the space holds that value already. A change applied from the
// space is not carried back.
func messageStateOps(op repo.Op, state *syncspace.State) []syncspace.Op {
	if op.Kind != repo.OpMessageState {
		return nil
	}
	var ms repo.MessageStateOp
	if json.Unmarshal(op.Data, &ms) != nil || ms.Origin == repo.OriginSync {
		return nil
	}
	var out []syncspace.Op
	set := func(key, field string, v any) {
		raw, _ := json.Marshal(v)
		var have json.RawMessage
		if ok, _ := state.Field(collMessageState, key, field, &have); ok && string(have) == string(raw) {
			return
		}
		out = append(out, syncspace.Op{Kind: syncspace.Set, Coll: collMessageState, Key: key, Field: field, Value: raw})
	}
	for _, ref := range ms.Messages {
		if ref.Network == model.Email || ref.Account == "" || ref.Remote == "" {
			continue
		}
		key := messageStateKey(ref.Account, ref.Remote)
		if ms.Seen != nil {
			set(key, "seen", *ms.Seen)
		}
		if ms.Flagged != nil {
			set(key, "flagged", *ms.Flagged)
		}
		if ms.Move != "" {
			set(key, "box", ms.Move)
		}
	}
	return out
}

// applyMessageStates gives this device's copies of direct messages the state other devices
// gave them.
func (s *syncer) applyMessageStates(ctx context.Context, client *syncspace.Client) error {
	st := &s.states
	st.mu.Lock()
	keys := st.changed
	st.changed = nil
	if st.all {
		st.all = false
		keys = map[string]bool{}
		client.View(func(state *syncspace.State) {
			for _, k := range state.Keys(collMessageState) {
				keys[k] = true
			}
		})
	}
	if len(st.pending) > 0 && time.Now().After(st.nextRetry) {
		if keys == nil {
			keys = map[string]bool{}
		}
		for k := range st.pending {
			keys[k] = true
		}
		st.pending = nil
		st.nextRetry = time.Now().Add(retryPendingStates)
	}
	st.mu.Unlock()

	var errs []error
	var missing []string
	for key := range keys {
		found, err := s.applyMessageState(ctx, client, key)
		if err != nil {
			errs = append(errs, err)
		}
		if !found && err == nil {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		st.mu.Lock()
		if st.pending == nil {
			st.pending = map[string]bool{}
		}
		for _, k := range missing {
			st.pending[k] = true
		}
		st.mu.Unlock()
	}
	return errors.Join(errs...)
}

// applyMessageState applies one entry; found is false when the message is not stored here.
func (s *syncer) applyMessageState(ctx context.Context, client *syncspace.Client, key string) (found bool, err error) {
	account, remote, ok := strings.Cut(key, " ")
	if !ok {
		return true, nil // not an entry this version writes: nothing to do
	}
	var seen, flagged *bool
	var box string
	client.View(func(state *syncspace.State) {
		var b bool
		if ok, _ := state.Field(collMessageState, key, "seen", &b); ok {
			seen = &b
		}
		var f bool
		if ok, _ := state.Field(collMessageState, key, "flagged", &f); ok {
			flagged = &f
		}
		_, _ = state.Field(collMessageState, key, "box", &box)
	})
	id := model.MessageID(account, remote)
	msg, err := s.a.eng.Repo.Message(ctx, id)
	if errors.Is(err, repo.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return true, err
	}
	change := func(m *model.Message) bool {
		changed := false
		if seen != nil && m.Flags.Seen != *seen {
			m.Flags.Seen, changed = *seen, true
		}
		if flagged != nil && m.Flags.Flagged != *flagged {
			m.Flags.Flagged, changed = *flagged, true
		}
		// The move as the user made it: to the archive from the inbox, back to the inbox
		// from the archive, to the trash from anywhere (see moving in messages.go).
		if box != "" {
			if to := movedBox(m.Box, box); to != m.Box {
				m.Box, changed = to, true
			}
		}
		return changed
	}
	op := repo.MessageStateOp{Messages: []repo.MessageRef{repo.RefOf(msg)}, Seen: seen, Flagged: flagged, Move: box, Origin: repo.OriginSync}
	return true, s.a.eng.Repo.ChangeMessages(ctx, []string{id}, change, op)
}

// movedBox is where a move puts a message that is in box from.
func movedBox(from model.Box, move string) model.Box {
	switch move {
	case repo.MoveArchive:
		if from == model.BoxInbox {
			return model.BoxArchive
		}
	case repo.MoveInbox:
		if from == model.BoxArchive {
			return model.BoxInbox
		}
	case repo.MoveTrash:
		return model.BoxTrash
	}
	return from
}
