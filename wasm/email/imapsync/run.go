package imapsync

import (
	"context"
	"errors"
	"fmt"
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
	// a sync of every folder in between (servers drop IDLE after 30 minutes). It is also how
	// soon a silently dead connection is noticed (plus Timeout). Default 10 min.
	IdleRestart time.Duration
	// Backoff between reconnections (default 2 s doubling to 5 min).
	Backoff email.Backoff
	// FirstBatch, BatchSize and Timeout: see Session.
	FirstBatch, BatchSize int
	Timeout               time.Duration
	// Synced is called after each completed sync round, the inbox's last look included, just
	// before waiting for push (for tests and the UI's "up to date").
	Synced func(folders []Folder)

	mu      sync.Mutex
	folders []Folder
	wake    chan struct{}
}

func (s *Syncer) wakeCh() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wake == nil {
		s.wake = make(chan struct{}, 1)
	}
	return s.wake
}

// Refresh asks Run to sync every folder now: when the network comes back (the browser's
// online event), it cuts a backoff wait short; when connected, it ends IDLE for a full sync
// (pull to refresh).
func (s *Syncer) Refresh() {
	select {
	case s.wakeCh() <- struct{}{}:
	default:
	}
}

// Folders returns the folders seen at the last sync.
func (s *Syncer) Folders() []Folder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slicesClone(s.folders)
}

func slicesClone(f []Folder) []Folder { return append([]Folder(nil), f...) }

func (s *Syncer) session(c *imapclient.Client) *Session {
	return &Session{C: c, Account: s.Account, Repo: s.Repo, FirstBatch: s.FirstBatch, BatchSize: s.BatchSize,
		Progress: s.Progress, Timeout: s.Timeout, Activity: s.Health.Activity}
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
		s.mu.Lock()
		s.folders = fs
		s.mu.Unlock()
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
		var inbox string
		if err := sess.Flush(ctx); err != nil {
			return true, err
		}
		if full {
			fs, err := sess.SyncAll(ctx)
			if err != nil {
				return true, err
			}
			s.mu.Lock()
			s.folders = fs
			s.mu.Unlock()
		}
		inbox = "INBOX"
		// Drain the signals the sync itself caused, then sync the inbox once more so that
		// nothing that arrived meanwhile is missed, and select it for IDLE.
		select {
		case <-events:
		default:
		}
		if _, err := sess.SyncFolder(ctx, inbox); err != nil {
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
				t.Stop()
				full = true
			case <-t.C:
				full = true
			}
			continue
		}
		idle, err := c.Idle()
		if err != nil {
			return true, fmt.Errorf("imapsync: IDLE: %w", err)
		}
		t := time.NewTimer(s.idleRestart())
		var closed bool
		select {
		case <-ctx.Done():
		case <-events:
		case <-s.wakeCh():
			full = true
		case <-t.C:
			full = true
		case <-c.Closed():
			closed = true
		}
		t.Stop()
		if closed {
			return true, errors.New("imapsync: the server closed the connection")
		}
		if _, err := wait(ctx, sess, func() (struct{}, error) {
			if err := idle.Close(); err != nil {
				return struct{}{}, err
			}
			return struct{}{}, idle.Wait()
		}); err != nil {
			return true, fmt.Errorf("imapsync: ending IDLE: %w", err)
		}
		if ctx.Err() != nil {
			c.Logout().Wait()
			return true, ctx.Err()
		}
		if full { // a sign of life before the long work
			if _, err := wait(ctx, sess, func() (struct{}, error) { return struct{}{}, c.Noop().Wait() }); err != nil {
				return true, fmt.Errorf("imapsync: NOOP: %w", err)
			}
		}
	}
}
