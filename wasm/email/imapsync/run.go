package imapsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"caliopen/wasm/email"
	"caliopen/wasm/store/repo"
)

// Syncer keeps one account in sync: Run connects, syncs every folder, then waits for push on the
// inbox with IDLE, reconnecting with backoff when anything fails.
type Syncer struct {
	Account *email.Account
	Repo    *repo.Repo
	// Progress is told of every stored batch (folder, done, total).
	Progress func(Progress)
	// Health observes the connection's state; read it any time with Health.Get.
	Health email.HealthTracker
	// IdleRestart is how long one IDLE lasts before it is stopped and re-issued, with a NOOP and
	// a sync of every folder in between (servers drop IDLE after 30 minutes). Default 10 min.
	IdleRestart time.Duration
	// KeepAlive is how often an idle connection is checked: IDLE ends and a NOOP goes out,
	// each to be answered within AliveTimeout, or the connection is taken for dead and a new
	// one is made. A silently dead connection (a phone's network gone, a NAT that forgot it)
	// shows as connected for KeepAlive + AliveTimeout at most. Defaults 1 min and 30 s.
	KeepAlive, AliveTimeout time.Duration
	// Backoff between reconnections (default 2 s doubling to 5 min).
	Backoff email.Backoff
	// FirstBatch, BatchSize, OlderPerCall, InboxEvery, Timeout and WholeMessages: see Session.
	FirstBatch, BatchSize int
	OlderPerCall          int
	InboxEvery            time.Duration
	Timeout               time.Duration
	WholeMessages         bool
	// Synced is called after each completed sync round, the inbox's last look included, just
	// before waiting for push (for tests and the UI's "up to date").
	Synced func(folders []Folder)

	mu      sync.Mutex
	folders []Folder
	moved   map[string]bool // folders messages were moved to, to sync
	wake    chan struct{}   // Refresh
	flush   chan struct{}   // Record: changes to push
	ping    chan struct{}   // Ping
}

func (s *Syncer) channel(c *chan struct{}) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *c == nil {
		*c = make(chan struct{}, 1)
	}
	return *c
}

func (s *Syncer) wakeCh() chan struct{}  { return s.channel(&s.wake) }
func (s *Syncer) flushCh() chan struct{} { return s.channel(&s.flush) }
func (s *Syncer) pingCh() chan struct{}  { return s.channel(&s.ping) }

func (s *Syncer) signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Refresh asks Run to sync every folder now: when the network comes back (the browser's
// online event), it cuts a backoff wait short; when connected, it ends IDLE for a full sync
// (pull to refresh).
func (s *Syncer) Refresh() { s.signal(s.wakeCh()) }

// Ping asks Run to make sure its connection is alive now (the page came back into view): a
// waiting reconnection is tried at once, an idle connection is checked (IDLE ends, a NOOP
// goes out) without a sync.
func (s *Syncer) Ping() { s.signal(s.pingCh()) }

// Folders returns the folders seen at the last sync.
func (s *Syncer) Folders() []Folder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slicesClone(s.folders)
}

func slicesClone(f []Folder) []Folder { return append([]Folder(nil), f...) }

func (s *Syncer) setFolders(fs []Folder) {
	s.mu.Lock()
	s.folders = fs
	s.mu.Unlock()
}

// loadFolders reads the folders the last sync saw (before this Syncer synced itself: a
// change made offline right after a start needs their roles).
func (s *Syncer) loadFolders(ctx context.Context) {
	if len(s.Folders()) > 0 {
		return
	}
	var fs []Folder
	if b, err := s.Repo.Cursor(ctx, s.Account.ID, folderRolesCursor); err == nil && json.Unmarshal(b, &fs) == nil {
		s.mu.Lock()
		if len(s.folders) == 0 {
			s.folders = fs
		}
		s.mu.Unlock()
	}
}

// noteMoved records that messages went to folder (created with role, unless RoleNone) for
// the running session to store them there.
func (s *Syncer) noteMoved(folder string, created Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.moved == nil {
		s.moved = map[string]bool{}
	}
	s.moved[folder] = true
	if created != RoleNone && roleOf(s.folders, folder) == RoleNone {
		s.folders = append(slicesClone(s.folders), Folder{Name: folder, Role: created})
	}
}

// takeMoved returns the folders messages were moved to since the last call.
func (s *Syncer) takeMoved() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.moved))
	for f := range s.moved {
		out = append(out, f)
	}
	s.moved = nil
	slices.Sort(out)
	return out
}

func (s *Syncer) session(c *imapclient.Client) *Session {
	return &Session{C: c, Account: s.Account, Repo: s.Repo, FirstBatch: s.FirstBatch, BatchSize: s.BatchSize,
		OlderPerCall: s.OlderPerCall, InboxEvery: s.InboxEvery, WholeMessages: s.WholeMessages, Progress: s.Progress, Timeout: s.Timeout, Activity: s.Health.Activity, Folders: s.Folders(), Moved: s.noteMoved}
}

// SyncOnce connects, syncs every folder once and disconnects.
func (s *Syncer) SyncOnce(ctx context.Context) error {
	c, err := s.Account.DialIMAP(ctx, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := s.session(c).Flush(ctx); err != nil {
		return err
	}
	fs, err := s.session(c).SyncAll(ctx)
	if fs != nil {
		s.setFolders(fs)
	}
	if err == nil {
		c.Logout().Wait()
	}
	return err
}

// Run keeps the account in sync until ctx ends. It does not return for a network error: it
// reports it in Health and retries after a backoff. It returns, with Health in the error
// state, when the user must act (email.NeedsUser: wrong password, insecure server, untrusted
// certificate): retrying a refused password could get the account locked.
func (s *Syncer) Run(ctx context.Context) error {
	attempt := 0
	for {
		s.Health.Connecting()
		connected, err := s.runSession(ctx)
		if ctx.Err() != nil {
			s.Health.Stopped()
			return ctx.Err()
		}
		if email.NeedsUser(err) {
			s.Health.Failed(err, time.Time{})
			return err
		}
		if connected {
			attempt = 0
		}
		attempt++
		d := s.Backoff.Delay(attempt)
		if err == nil {
			err = errors.New("connection closed")
		}
		s.Health.Failed(err, time.Now().Add(d))
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			s.Health.Stopped()
			return ctx.Err()
		case <-s.wakeCh():
			t.Stop()
			attempt = 0
		case <-s.pingCh():
			t.Stop()
			attempt = 0
		case <-t.C:
		}
	}
}

func (s *Syncer) idleRestart() time.Duration {
	if s.IdleRestart > 0 {
		return s.IdleRestart
	}
	return 10 * time.Minute
}

func (s *Syncer) keepAlive() time.Duration {
	if s.KeepAlive > 0 {
		return s.KeepAlive
	}
	return time.Minute
}

func (s *Syncer) aliveTimeout() time.Duration {
	if s.AliveTimeout > 0 {
		return s.AliveTimeout
	}
	return 30 * time.Second
}

// runSession is one connection's life: sync everything, then IDLE on the inbox.
func (s *Syncer) runSession(ctx context.Context) (connected bool, err error) {
	events := make(chan struct{}, 1)
	signal := func() {
		s.Health.Activity()
		select {
		case events <- struct{}{}:
		default:
		}
	}
	opts := &imapclient.Options{UnilateralDataHandler: &imapclient.UnilateralDataHandler{
		Expunge: func(uint32) { signal() },
		Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil || d.Flags != nil {
				signal()
			}
		},
		Fetch: func(*imapclient.FetchMessageData) { signal() },
	}}
	c, err := s.Account.DialIMAP(ctx, opts)
	if err != nil {
		return false, err
	}
	defer c.Close()
	s.Health.Connected()
	sess := s.session(c)
	full := true
	for {
		if err := sess.Flush(ctx); err != nil {
			return true, err
		}
		if full {
			fs, err := sess.SyncAll(ctx)
			if err != nil {
				return true, err
			}
			s.setFolders(fs)
			s.takeMoved() // synced with the rest
		} else {
			// Messages moved (here or by another connection): store them in their new folder.
			sess.Folders = s.Folders()
			for _, f := range s.takeMoved() {
				if _, err := sess.SyncFolder(ctx, f); err != nil {
					return true, err
				}
			}
		}
		// Drain the signals the sync itself caused, then sync the inbox once more so that
		// nothing that arrived meanwhile is missed, and select it for IDLE.
		select {
		case <-events:
		default:
		}
		if _, err := sess.SyncFolder(ctx, "INBOX"); err != nil {
			return true, err
		}
		if s.Synced != nil { // the round is over: next, IDLE (or the poll's wait)
			s.Synced(s.Folders())
		}
		full = false
		if !c.Caps().Has(imap.CapIdle) {
			// No push: poll.
			t := time.NewTimer(min(s.idleRestart(), 2*time.Minute))
			select {
			case <-ctx.Done():
				t.Stop()
				return true, ctx.Err()
			case <-s.wakeCh():
				full = true
			case <-s.flushCh():
			case <-s.pingCh():
			case <-t.C:
				full = true
			}
			t.Stop()
			continue
		}
		if full, err = s.idle(ctx, c, sess, events); err != nil {
			return true, err
		}
		if ctx.Err() != nil {
			c.Logout().Wait()
			return true, ctx.Err()
		}
	}
}

// idle waits on the inbox with IDLE until there is work: mail or flags changed on the server,
// changes of the user's to push, a full sync due (full is then true), or ctx ends. Every
// KeepAlive (and on Ping) it makes sure the connection is alive: IDLE ends and a NOOP goes
// out, each to be answered within AliveTimeout; then IDLE goes on.
func (s *Syncer) idle(ctx context.Context, c *imapclient.Client, sess *Session, events <-chan struct{}) (full bool, err error) {
	restart := time.NewTimer(s.idleRestart())
	defer restart.Stop()
	for {
		idle, err := c.Idle()
		if err != nil {
			return false, fmt.Errorf("imapsync: IDLE: %w", err)
		}
		keepAlive := time.NewTimer(s.keepAlive())
		check, closed := false, false
		select {
		case <-ctx.Done():
		case <-events:
		case <-s.flushCh():
		case <-s.wakeCh():
			full = true
		case <-restart.C:
			full = true
		case <-s.pingCh():
			check = true
		case <-keepAlive.C:
			check = true
		case <-c.Closed():
			closed = true
		}
		keepAlive.Stop()
		if closed {
			return false, errors.New("imapsync: the server closed the connection")
		}
		// A live server answers the end of IDLE at once.
		if _, err := waitWithin(ctx, sess, s.aliveTimeout(), func() (struct{}, error) {
			if err := idle.Close(); err != nil {
				return struct{}{}, err
			}
			return struct{}{}, idle.Wait()
		}); err != nil {
			return false, fmt.Errorf("imapsync: ending IDLE: %w", err)
		}
		if ctx.Err() != nil {
			return false, nil
		}
		if check || full { // a sign of life, before going on or before the long work
			if _, err := waitWithin(ctx, sess, s.aliveTimeout(), func() (struct{}, error) { return struct{}{}, c.Noop().Wait() }); err != nil {
				return false, fmt.Errorf("imapsync: NOOP: %w", err)
			}
		}
		if !check {
			return full, nil
		}
		s.Health.Alive()
		if n, err := s.Pending(ctx); err == nil && n > 0 {
			return false, nil // changes recorded where Record could not signal (another tab)
		}
	}
}
