package imapsync

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// FlagChange says which flags to set (true), clear (false) or leave (nil).
type FlagChange struct {
	Seen, Flagged, Answered, Deleted *bool
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

// target is a group of messages of one folder.
type target struct {
	folder string
	uidv   uint32
	uids   []imap.UID
	ids    []string
}

func (s *Syncer) targets(ctx context.Context, ids []string) ([]*target, error) {
	by := map[string]*target{}
	var out []*target
	for _, id := range ids {
		m, err := s.Repo.Message(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("imapsync: message %s: %w", id, err)
		}
		folder, uidv, uid, err := ParseRemoteID(m.RemoteID)
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
		t.uids, t.ids = append(t.uids, uid), append(t.ids, id)
	}
	return out, nil
}

func selectRW(c *imapclient.Client, t *target) error {
	sel, err := c.Select(t.folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("imapsync: select %s: %w", t.folder, err)
	}
	if sel.UIDValidity != t.uidv {
		return ErrStale
	}
	return nil
}

// SetFlags changes flags of stored messages (by local id) on the server, then in the store.
func (s *Syncer) SetFlags(ctx context.Context, ids []string, fc FlagChange) error {
	ts, err := s.targets(ctx, ids)
	if err != nil || len(ts) == 0 {
		return err
	}
	add, del := fc.split()
	c, err := s.Account.DialIMAP(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, t := range ts {
		if err := selectRW(c, t); err != nil {
			return err
		}
		set := imap.UIDSetNum(t.uids...)
		for _, op := range []struct {
			op    imap.StoreFlagsOp
			flags []imap.Flag
		}{{imap.StoreFlagsAdd, add}, {imap.StoreFlagsDel, del}} {
			if len(op.flags) == 0 {
				continue
			}
			if err := c.Store(set, &imap.StoreFlags{Op: op.op, Silent: true, Flags: op.flags}, nil).Close(); err != nil {
				return fmt.Errorf("imapsync: store flags in %s: %w", t.folder, err)
			}
		}
		err := s.Repo.Update(ctx, []string{repo.Messages}, func(tx *repo.Tx) error {
			for _, id := range t.ids {
				m, err := tx.Message(id)
				if err != nil {
					return err
				}
				fc.apply(&m.Flags)
				if err := tx.PutMessage(&m, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	c.Logout().Wait()
	return nil
}

// Move moves stored messages to another folder on the server (UID MOVE, or COPY + \Deleted +
// EXPUNGE where MOVE is missing) and removes them from their old folder in the store; the next
// sync of the destination stores them there.
func (s *Syncer) Move(ctx context.Context, ids []string, dest string) error {
	ts, err := s.targets(ctx, ids)
	if err != nil || len(ts) == 0 {
		return err
	}
	c, err := s.Account.DialIMAP(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	for _, t := range ts {
		if t.folder == dest {
			continue
		}
		if err := selectRW(c, t); err != nil {
			return err
		}
		set := imap.UIDSetNum(t.uids...)
		if c.Caps().Has(imap.CapMove) {
			if _, err := c.Move(set, dest).Wait(); err != nil {
				return fmt.Errorf("imapsync: move to %s: %w", dest, err)
			}
		} else {
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
				exp = c.Expunge()
			}
			if err := exp.Close(); err != nil {
				return fmt.Errorf("imapsync: expunge moved messages: %w", err)
			}
		}
		err := s.Repo.Update(ctx, repo.MessageStores, func(tx *repo.Tx) error {
			for _, id := range t.ids {
				if err := tx.DeleteMessage(id); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	c.Logout().Wait()
	return nil
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
