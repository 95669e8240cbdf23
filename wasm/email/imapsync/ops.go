package imapsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// FlagChange says which flags to set (true), clear (false) or leave (nil).
type FlagChange struct {
	Seen     *bool `json:"seen,omitempty"`
	Flagged  *bool `json:"flagged,omitempty"`
	Answered *bool `json:"answered,omitempty"`
	Deleted  *bool `json:"deleted,omitempty"`
}

// Bool is a helper for FlagChange literals.
func Bool(b bool) *bool { return &b }

func (fc FlagChange) split() (add, del []imap.Flag) {
	for _, x := range []struct {
		v *bool
		f imap.Flag
	}{{fc.Seen, imap.FlagSeen}, {fc.Flagged, imap.FlagFlagged}, {fc.Answered, imap.FlagAnswered}, {fc.Deleted, imap.FlagDeleted}} {
		switch {
		case x.v == nil:
		case *x.v:
			add = append(add, x.f)
		default:
			del = append(del, x.f)
		}
	}
	return add, del
}

func (fc FlagChange) apply(f *model.Flags) {
	for _, x := range []struct {
		v *bool
		f *bool
	}{{fc.Seen, &f.Seen}, {fc.Flagged, &f.Flagged}, {fc.Answered, &f.Answered}, {fc.Deleted, &f.Deleted}} {
		if x.v != nil {
			*x.f = *x.v
		}
	}
}

// ErrStale is returned when a message's folder changed UIDVALIDITY since it was stored: sync
// first.
var ErrStale = errors.New("imapsync: the folder changed on the server since the message was synced")

// change is a user's change waiting to reach the server, durable in the store: made offline,
// or while the server was unreachable, it is applied at the next connection, before any sync
// could undo it locally.
type change struct {
	Remote []string   `json:"remote"`          // RemoteIDs
	Local  []string   `json:"local,omitempty"` // local ids (flag changes: kept until pushed)
	Flags  FlagChange `json:"flags,omitzero"`
	MoveTo string     `json:"moveTo,omitempty"`
}

const pendingCursor = "imap:pending"

func loadPending(tx *repo.Tx, account string) ([]change, error) {
	b, err := tx.Cursor(account, pendingCursor)
	if errors.Is(err, repo.ErrNotFound) || (err == nil && len(b) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cs []change
	return cs, json.Unmarshal(b, &cs)
}

func savePending(tx *repo.Tx, account string, cs []change) error {
	b, _ := json.Marshal(cs)
	return tx.SetCursor(account, pendingCursor, b)
}

// pendingLocal returns the local ids of messages whose flags have a change not pushed yet.
func (s *Session) pendingLocal(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.Repo.View(ctx, []string{repo.Cursors}, func(tx *repo.Tx) error {
		cs, err := loadPending(tx, s.Account.ID)
		for _, c := range cs {
			for _, id := range c.Local {
				out[id] = true
			}
		}
		return err
	})
	return out, err
}

// SetFlags changes flags of stored messages (by local id): at once in the store, and on the
// server now or, when it cannot be reached, at the next connection. The error is nil when the
// change is recorded; a failure to reach the server shows in Health and Pending.
func (s *Syncer) SetFlags(ctx context.Context, ids []string, fc FlagChange) error {
	return s.record(ctx, ids, change{Flags: fc})
}

// Move moves stored messages to another folder: at once in the store (they leave their
// folder; the destination's next sync stores them there), and on the server now or at the next
// connection (UID MOVE, or COPY + \Deleted + EXPUNGE where MOVE is missing).
func (s *Syncer) Move(ctx context.Context, ids []string, dest string) error {
	return s.record(ctx, ids, change{MoveTo: dest})
}

// MoveToRole moves messages to the folder with a role (RoleArchive, RoleTrash, RoleJunk),
// as seen at the last sync.
func (s *Syncer) MoveToRole(ctx context.Context, ids []string, r Role) error {
	f, ok := FolderByRole(s.Folders(), r)
	if !ok {
		return fmt.Errorf("imapsync: this account has no %s folder", r)
	}
	return s.Move(ctx, ids, f.Name)
}

// Pending returns the number of changes not yet on the server.
func (s *Syncer) Pending(ctx context.Context) (n int, err error) {
	err = s.Repo.View(ctx, []string{repo.Cursors}, func(tx *repo.Tx) error {
		cs, err := loadPending(tx, s.Account.ID)
		n = len(cs)
		return err
	})
	return n, err
}

func (s *Syncer) record(ctx context.Context, ids []string, c change) error {
	if len(ids) == 0 {
		return nil
	}
	acct := s.Account.ID
	err := s.Repo.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Blobs, repo.Cursors}, func(tx *repo.Tx) error {
		for _, id := range ids {
			m, err := tx.Message(id)
			if err != nil {
				return fmt.Errorf("imapsync: message %s: %w", id, err)
			}
			if m.AccountID != acct {
				return fmt.Errorf("imapsync: message %s is not of account %s", id, acct)
			}
			if c.MoveTo != "" && m.Folder == c.MoveTo {
				continue
			}
			c.Remote = append(c.Remote, m.RemoteID)
			if c.MoveTo != "" {
				if err := tx.DeleteMessage(id); err != nil {
					return err
				}
				continue
			}
			c.Local = append(c.Local, id)
			c.Flags.apply(&m.Flags)
			if err := tx.PutMessage(&m, nil); err != nil {
				return err
			}
		}
		if len(c.Remote) == 0 {
			return nil
		}
		cs, err := loadPending(tx, acct)
		if err != nil {
			return err
		}
		return savePending(tx, acct, append(cs, c))
	})
	if err != nil {
		return err
	}
	// Push now on a connection of our own; if the server is unreachable the change waits.
	cl, err := s.Account.DialIMAP(ctx, nil)
	if err != nil {
		return nil
	}
	defer cl.Close()
	if err := s.session(cl).Flush(ctx); err == nil {
		cl.Logout().Wait()
	}
	return nil
}

// Flush sends the recorded changes to the server, in order, each removed once applied. A
// change whose folder changed UIDVALIDITY is dropped (the messages it named no longer exist).
func (s *Session) Flush(ctx context.Context) error {
	mu := flushLock(s.Account.ID)
	mu.Lock()
	defer mu.Unlock()
	for {
		var cs []change
		err := s.Repo.View(ctx, []string{repo.Cursors}, func(tx *repo.Tx) (err error) {
			cs, err = loadPending(tx, s.Account.ID)
			return err
		})
		if err != nil || len(cs) == 0 {
			return err
		}
		if err := s.apply(ctx, cs[0]); err != nil && !errors.Is(err, ErrStale) {
			return err
		}
		err = s.Repo.Update(ctx, []string{repo.Cursors}, func(tx *repo.Tx) error {
			cs, err := loadPending(tx, s.Account.ID)
			if err != nil || len(cs) == 0 {
				return err
			}
			return savePending(tx, s.Account.ID, cs[1:])
		})
		if err != nil {
			return err
		}
	}
}

var flushLocks sync.Map // account id -> *sync.Mutex

func flushLock(account string) *sync.Mutex {
	m, _ := flushLocks.LoadOrStore(account, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// target is a group of messages of one folder.
type target struct {
	folder string
	uidv   uint32
	uids   []imap.UID
}

func targets(remote []string) ([]*target, error) {
	by := map[string]*target{}
	var out []*target
	for _, rid := range remote {
		folder, uidv, uid, err := ParseRemoteID(rid)
		if err != nil {
			return nil, err
		}
		t := by[folder]
		if t == nil {
			t = &target{folder: folder, uidv: uidv}
			by[folder] = t
			out = append(out, t)
		}
		if t.uidv != uidv {
			return nil, ErrStale
		}
		t.uids = append(t.uids, uid)
	}
	return out, nil
}

func (s *Session) apply(ctx context.Context, ch change) error {
	ts, err := targets(ch.Remote)
	if err != nil {
		return err
	}
	c := s.C
	for _, t := range ts {
		sel, err := wait(ctx, s, func() (*imap.SelectData, error) { return c.Select(t.folder, nil).Wait() })
		if err != nil {
			return fmt.Errorf("imapsync: select %s: %w", t.folder, err)
		}
		if sel.UIDValidity != t.uidv {
			return ErrStale
		}
		set := imap.UIDSetNum(t.uids...)
		if ch.MoveTo != "" {
			if _, err := wait(ctx, s, func() (struct{}, error) { return struct{}{}, move(c, set, ch.MoveTo) }); err != nil {
				return err
			}
			continue
		}
		add, del := ch.Flags.split()
		for _, op := range []struct {
			op    imap.StoreFlagsOp
			flags []imap.Flag
		}{{imap.StoreFlagsAdd, add}, {imap.StoreFlagsDel, del}} {
			if len(op.flags) == 0 {
				continue
			}
			if _, err := wait(ctx, s, func() (struct{}, error) {
				return struct{}{}, c.Store(set, &imap.StoreFlags{Op: op.op, Silent: true, Flags: op.flags}, nil).Close()
			}); err != nil {
				return fmt.Errorf("imapsync: store flags in %s: %w", t.folder, err)
			}
		}
	}
	return nil
}

func move(c *imapclient.Client, set imap.UIDSet, dest string) error {
	if c.Caps().Has(imap.CapMove) {
		if _, err := c.Move(set, dest).Wait(); err != nil {
			return fmt.Errorf("imapsync: move to %s: %w", dest, err)
		}
		return nil
	}
	if _, err := c.Copy(set, dest).Wait(); err != nil {
		return fmt.Errorf("imapsync: copy to %s: %w", dest, err)
	}
	if err := c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return fmt.Errorf("imapsync: mark moved messages deleted: %w", err)
	}
	var exp *imapclient.ExpungeCommand
	if c.Caps().Has(imap.CapUIDPlus) {
		exp = c.UIDExpunge(set)
	} else {
		exp = c.Expunge() // also expunges other \Deleted messages, as any client would
	}
	if err := exp.Close(); err != nil {
		return fmt.Errorf("imapsync: expunge moved messages: %w", err)
	}
	return nil
}
