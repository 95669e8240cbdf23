package imapsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	// Create is the role of MoveTo when the account had no folder with it: it is created
	// first.
	Create Role `json:"create,omitempty"`
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
// as seen at the last sync (see RoleFolder).
func (s *Syncer) MoveToRole(ctx context.Context, ids []string, r Role) error {
	s.loadFolders(ctx)
	return s.record(ctx, ids, s.roleMove(r))
}

// Change is what Record does to messages: flags to change, or a folder to move them to.
type Change struct {
	Flags FlagChange
	// MoveTo is a role (RoleInbox, RoleArchive, RoleTrash, RoleJunk): the messages move to its
	// folder (see RoleFolder).
	MoveTo Role
}

// Record makes a change to stored messages at once in the store, and queues it for the
// server: Run pushes it at once when it is connected (it leaves IDLE for it), else at its
// next connection; a message moved shows in its new folder as soon as the move is done.
// op, when set, is logged in the operation log in the same transaction (the user's action,
// for their other devices). Record returns once the change is stored.
func (s *Syncer) Record(ctx context.Context, ids []string, c Change, op *repo.MessageStateOp) error {
	ch := change{Flags: c.Flags}
	if c.MoveTo != RoleNone {
		s.loadFolders(ctx)
		ch = s.roleMove(c.MoveTo)
	}
	if err := s.store(ctx, ids, ch, op); err != nil {
		return err
	}
	s.signal(s.flushCh())
	return nil
}

// RoleFolder returns the folder of a role as seen at the last sync. The archive is Gmail's
// All Mail where no folder is the archive. An account without such a folder gets one of the
// usual name, created before the first move to it (create is true).
func (s *Syncer) RoleFolder(r Role) (name string, create bool) {
	fs := s.Folders()
	if f, ok := FolderByRole(fs, r); ok {
		return f.Name, false
	}
	if f, ok := FolderByRole(fs, RoleAll); ok && r == RoleArchive {
		return f.Name, false
	}
	if r == RoleInbox {
		return "INBOX", false
	}
	name = strings.ToUpper(string(r[:1])) + string(r[1:]) // Archive, Trash, Junk
	return underInbox(fs) + name, true
}

// underInbox is "INBOX." (with the server's delimiter) on servers whose folders all live
// under INBOX (Courier, older Cyrus), else "".
func underInbox(fs []Folder) string {
	prefix, others := "", 0
	for _, f := range fs {
		if f.Role == RoleInbox {
			prefix = "INBOX" + f.Delim
			continue
		}
		others++
		if f.Delim == "" || !strings.HasPrefix(f.Name, "INBOX"+f.Delim) {
			return ""
		}
	}
	if others == 0 {
		return ""
	}
	return prefix
}

func (s *Syncer) roleMove(r Role) change {
	name, create := s.RoleFolder(r)
	c := change{MoveTo: name}
	if create {
		c.Create = r
	}
	return c
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
	if err := s.store(ctx, ids, c, nil); err != nil {
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
	s.signal(s.flushCh()) // a running session stores what moved in its new folder
	return nil
}

// store applies a change to the stored messages and queues it for the server, with op in the
// operation log, in one transaction.
func (s *Syncer) store(ctx context.Context, ids []string, c change, op *repo.MessageStateOp) error {
	if len(ids) == 0 {
		return nil
	}
	acct := s.Account.ID
	stores := []string{repo.Messages, repo.Bodies, repo.Blobs, repo.Cursors}
	if op != nil {
		stores = append(stores, repo.OpLogStores...)
	}
	return s.Repo.Update(ctx, stores, func(tx *repo.Tx) error {
		for _, id := range ids {
			m, err := tx.Message(id)
			if errors.Is(err, repo.ErrNotFound) {
				continue // gone meanwhile (moved, expunged): nothing left to change
			}
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
		if op != nil {
			if err := tx.LogMessageState(*op); err != nil {
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
		var refused *imap.Error
		switch err := s.apply(ctx, cs[0]); {
		case err == nil:
			if cs[0].MoveTo != "" && s.Moved != nil {
				s.Moved(cs[0].MoveTo, cs[0].Create)
			}
		case errors.Is(err, ErrStale):
		case errors.As(err, &refused):
			// The server refused it for good (its folder gone, say): retrying would stop
			// every sync before it starts. It is dropped; messages it moved away here come
			// back from where they still are.
			if cs[0].MoveTo != "" {
				if err := s.refetch(ctx, cs[0].Remote); err != nil {
					return err
				}
			}
		default:
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
	if ch.Create != RoleNone {
		if err := s.create(ctx, ch.MoveTo, ch.Create); err != nil {
			return err
		}
	}
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

// create makes the folder of a role the account lacked (with its special use where the
// server takes it); one made meanwhile by another client is fine.
func (s *Session) create(ctx context.Context, name string, r Role) error {
	fs, err := wait(ctx, s, func() ([]Folder, error) { return ListFolders(s.C) })
	if err != nil {
		return fmt.Errorf("imapsync: list folders: %w", err)
	}
	if slices.ContainsFunc(fs, func(f Folder) bool { return f.Name == name }) {
		return nil
	}
	var opts *imap.CreateOptions
	for attr, role := range attrRoles {
		if role == r && s.C.Caps().Has(imap.CapCreateSpecialUse) {
			opts = &imap.CreateOptions{SpecialUse: []imap.MailboxAttr{attr}}
		}
	}
	if _, err := wait(ctx, s, func() (struct{}, error) { return struct{}{}, s.C.Create(name, opts).Wait() }); err != nil {
		return fmt.Errorf("imapsync: create %s: %w", name, err)
	}
	return nil
}

// refetch stores again messages still on the server that a change removed here.
func (s *Session) refetch(ctx context.Context, remote []string) error {
	ts, err := targets(remote)
	if errors.Is(err, ErrStale) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, t := range ts {
		sel, err := wait(ctx, s, func() (*imap.SelectData, error) {
			return s.C.Select(t.folder, &imap.SelectOptions{ReadOnly: true}).Wait()
		})
		if err != nil || sel.UIDValidity != t.uidv {
			continue // the folder is gone or was renewed: its next sync says what is left
		}
		cur, err := loadCursor(ctx, s.Repo, s.Account.ID, t.folder)
		if err != nil {
			return err
		}
		infos := map[imap.UID]msgInfo{}
		if err := s.fetchInfo(ctx, t.uids, infos); err != nil {
			return err
		}
		msgs, err := s.fetchMessages(ctx, t.folder, t.uids, infos)
		if err != nil {
			return err
		}
		if _, err := s.storeBatch(ctx, t.folder, &cur, msgs); err != nil {
			return err
		}
	}
	return nil
}
