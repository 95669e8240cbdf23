// Package outbox sends the mail waiting in the store's durable outbox, once: a message written
// offline or while the server is unreachable is queued and goes out when it can, with backoff.
// An item left "in doubt" by a crash between submitting and recording it is looked up in the
// Sent folder by Message-ID before it is ever submitted again.
//
// Who files the copy in Sent is found out at an account's first send: the server (Gmail,
// Outlook) when the message shows up in Sent by itself, else the client, with APPEND; the
// answer is kept (Email.Learned) so that a server that files sent mail never gets a second
// copy. On such a server the copy exists as soon as the submission is accepted, so an item in
// doubt is always found: sending is exactly once. The remaining window is on servers where
// the client files the copy: a crash after the SMTP server accepted the message and before
// the APPEND completed leaves no trace to find, and the message is sent again.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"

	"caliopen/wasm/email"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Handler sends one network's outbox items for one account.
type Handler interface {
	// Send submits a claimed item and returns the network's id for it.
	Send(ctx context.Context, it *repo.OutboxItem) (remoteID string, err error)
	// Check says whether an in-doubt item already went out.
	Check(ctx context.Context, it *repo.OutboxItem) (sent bool, err error)
}

// Email is the Handler of an email account.
type Email struct {
	Account *email.Account
	// Repo, when set, receives the Sent copy at once (servers with UIDPLUS, or the server's own
	// copy), so that a sent message shows in its discussion without waiting for the next sync
	// of Sent.
	Repo *repo.Repo
	// Learned, when set, is told who files sent mail once a send found out (the account's
	// Settings.SentFiling was unknown): the app keeps it with the account.
	Learned func(email.SentFiling)
	// SentWait are the pauses while looking for the server's own copy after a send (default
	// 0.5 s, 1 s, 1.5 s: Gmail and Outlook file at once); an empty slice looks once.
	SentWait []time.Duration

	mu     sync.Mutex
	filing email.SentFiling // learned here, when the settings did not say
}

// Enqueue queues a composed message for the account.
func Enqueue(ctx context.Context, r *repo.Repo, accountID string, env *smtpsend.Envelope) (*repo.OutboxItem, error) {
	return r.Enqueue(ctx, &repo.OutboxItem{AccountID: accountID, Network: model.Email, IdempotencyKey: env.MessageID, Payload: env.Marshal()})
}

// SentFiling is who files sent mail for this account, as far as is known.
func (e *Email) SentFiling() email.SentFiling {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.filing != email.SentFilingUnknown {
		return e.filing
	}
	return e.Account.Settings.SentFiling
}

func (e *Email) learn(f email.SentFiling) {
	e.mu.Lock()
	e.filing = f
	e.mu.Unlock()
	if e.Learned != nil {
		e.Learned(f)
	}
}

func (e *Email) sentWait() []time.Duration {
	if e.SentWait != nil {
		return e.SentWait
	}
	return []time.Duration{500 * time.Millisecond, time.Second, 1500 * time.Millisecond}
}

// Send submits the message, then makes sure one copy is in Sent: the server's own, or one
// filed with APPEND.
func (e *Email) Send(ctx context.Context, it *repo.OutboxItem) (string, error) {
	env, err := smtpsend.UnmarshalEnvelope(it.Payload)
	if err != nil {
		return "", &smtpsend.PermanentError{Err: err}
	}
	if err := smtpsend.Submit(ctx, e.Account, env); err != nil {
		return "", err
	}
	now := time.Now()
	switch e.SentFiling() {
	case email.ServerFilesSent:
		// Stored at once when the server's copy comes; else the next sync of Sent brings it.
		if f, err := smtpsend.LookInSent(ctx, e.Account, env.MessageID, e.sentWait()); err == nil && f.UID != 0 {
			e.store(ctx, f, env, now)
		}
		return env.MessageID, nil
	case email.SentFilingUnknown:
		// The first send: did the server file it? Then never APPEND on this account.
		f, err := smtpsend.LookInSent(ctx, e.Account, env.MessageID, e.sentWait())
		switch {
		case err == nil && f.UID != 0:
			e.learn(email.ServerFilesSent)
			e.store(ctx, f, env, now)
			return env.MessageID, nil
		case errors.Is(err, smtpsend.ErrNoSentFolder):
			return env.MessageID, &SentCopyError{err}
		case err == nil:
			e.learn(email.ClientFilesSent)
		}
		// Not known (Sent could not be searched): a copy is filed, and it is asked again
		// at the next send.
	}
	filed, err := smtpsend.AppendSent(ctx, e.Account, env.SentCopy(), now)
	if err != nil {
		// Sent, but without a copy: not a reason to send again.
		return env.MessageID, &SentCopyError{err}
	}
	e.store(ctx, filed, env, now)
	return env.MessageID, nil
}

// store keeps the Sent copy under the id the next sync will give it (best effort: that sync
// stores it anyway).
func (e *Email) store(ctx context.Context, f smtpsend.Filed, env *smtpsend.Envelope, date time.Time) {
	if e.Repo != nil && f.UID != 0 {
		imapsync.StoreCopy(ctx, e.Repo, e.Account, f.Folder, f.UIDValidity, f.UID, env.SentCopy(), []imap.Flag{imap.FlagSeen}, date)
	}
}

// Check looks for the message in Sent. An account without a Sent folder cannot say: the
// error is then ErrUncheckable.
func (e *Email) Check(ctx context.Context, it *repo.OutboxItem) (bool, error) {
	found, err := smtpsend.FindSent(ctx, e.Account, it.IdempotencyKey)
	if errors.Is(err, smtpsend.ErrNoSentFolder) {
		return false, fmt.Errorf("%w: %w", ErrUncheckable, err)
	}
	return found, err
}

// ErrUncheckable is what a Handler's Check returns when nothing can tell whether an item in
// doubt went out (an email account without a Sent folder). Such an item is Failed at once,
// with the code CodeInDoubt: sending it again could make a second copy, not sending it could
// lose it, and only the user can tell.
var ErrUncheckable = errors.New("outbox: nothing can tell whether this message went out")

// Error codes the outbox gives failed items (repo.OutboxItem.LastErrorCode) besides those of
// email.UserProblem.
const CodeInDoubt = "outbox_in_doubt"

// codedError is an error with the code (and parameters) the UI translates.
type codedError struct {
	code   string
	params map[string]string
	err    error
}

func (e *codedError) Error() string                                      { return e.err.Error() }
func (e *codedError) Unwrap() error                                      { return e.err }
func (e *codedError) ErrorCode() (code string, params map[string]string) { return e.code, e.params }

// coded gives err the code the user is told: what only they can fix (email.UserProblem), or
// the outbox's own.
func coded(err error) error {
	if code, params, ok := email.UserProblem(err); ok {
		return &codedError{code: code, params: params, err: err}
	}
	if errors.Is(err, ErrUncheckable) {
		return &codedError{code: CodeInDoubt, err: err}
	}
	return err
}

// SentCopyError says that a message went out but its copy could not be filed in Sent.
type SentCopyError struct{ Err error }

func (e *SentCopyError) Error() string {
	return "outbox: sent, but the copy in Sent failed: " + e.Err.Error()
}
func (e *SentCopyError) Unwrap() error { return e.Err }

// Deferral is an error by which a Handler says that nothing went out and when to try again:
// the network's rate limit is spent until ResumeAt (the Mastodon and X connectors' rate-limit
// errors are Deferrals). The item waits until then without the attempt counting, and the
// outbox shows that time as its next attempt.
type Deferral interface {
	error
	ResumeAt() time.Time
}

// Event tells the app what happened to an item.
type Event struct {
	Item    repo.OutboxItem
	Sent    bool
	Err     error     // the attempt's error, if any
	RetryAt time.Time // when it will be tried again (zero: sent or given up)
}

// Dispatcher runs the outbox: it recovers in-doubt items, then sends due ones through the
// Handler of their account, with exponential backoff on failure. One dispatcher per store
// (the leader tab's): Claim is a transaction, so two never send the same item.
type Dispatcher struct {
	Repo     *repo.Repo
	Handlers map[string]Handler // by account id
	// Handler, when set, is asked for an account's Handler instead of Handlers: the set of
	// running accounts may change while the dispatcher runs (an account added, removed or
	// restarted with new settings) without stopping it, and so without cutting short a send
	// in flight. An item whose account has no Handler now waits (Poll) for one.
	Handler func(accountID string) Handler
	Backoff email.Backoff // default 5 s doubling to 30 min
	// MaxAttempts before an item is Failed for good (the user may retry); default 20.
	MaxAttempts int
	// Lease is how long an item may be Sending before it is in doubt (default 5 min).
	Lease time.Duration
	// Notify observes every outcome.
	Notify func(Event)
	// Poll is the longest wait between runs (default 1 min).
	Poll time.Duration
	// Wake makes Run try at once (network back, message queued).
	Wake chan struct{}
	// Gate, when set, says whether this device may send a claimed item. With device sync,
	// the user's devices share their outbox, and one of them sends each item: the one whose
	// claim the sync log ordered first.
	Gate func(ctx context.Context, it *repo.OutboxItem) Turn
	// Describe, when set, names why an item was not sent, for the user: the error it returns
	// is what the item keeps as its last error (with a code when it has an ErrorCode method,
	// see repo.OutboxItem.LastErrorCode). The decisions (retry, give up) are made on the
	// sender's own error.
	Describe func(it *repo.OutboxItem, err error) error
}

// explain is why an item was not sent, for the user: the outbox's own codes (a problem the
// user must fix, a send that cannot be checked), else Describe's.
func (d *Dispatcher) explain(it *repo.OutboxItem, err error) error {
	if c := coded(err); c != err {
		return c
	}
	return d.describe(it, err)
}

// describe is Describe, or err itself.
func (d *Dispatcher) describe(it *repo.OutboxItem, err error) error {
	if d.Describe == nil {
		return err
	}
	return d.Describe(it, err)
}

// Turn is a Gate's answer.
type Turn int

const (
	SendHere  Turn = iota // this device sends the item
	WaitTurn              // not decided yet (the sync log is out of reach): ask again later
	SendsElse             // another device sends it: never send it here
)

// waitHandler is how long an item whose account does not run waits before it is looked at
// again.
const waitHandler = 5 * time.Second

// waitTurn is how long an item whose turn is not decided waits before the Gate is asked again.
const waitTurn = 2 * time.Second

func (d *Dispatcher) lease() time.Duration {
	if d.Lease > 0 {
		return d.Lease
	}
	return 5 * time.Minute
}

func (d *Dispatcher) backoff() email.Backoff {
	b := d.Backoff
	if b.Min == 0 {
		b.Min = 5 * time.Second
	}
	if b.Max == 0 {
		b.Max = 30 * time.Minute
	}
	return b
}

func (d *Dispatcher) handler(accountID string) Handler {
	if d.Handler != nil {
		return d.Handler(accountID)
	}
	return d.Handlers[accountID]
}

func (d *Dispatcher) poll() time.Duration {
	if d.Poll > 0 {
		return d.Poll
	}
	return time.Minute
}

func (d *Dispatcher) notify(ev Event) {
	if d.Notify != nil {
		d.Notify(ev)
	}
}

// Recover settles the in-doubt items: those found on the network are acknowledged, the others
// queued again.
func (d *Dispatcher) Recover(ctx context.Context) error {
	items, err := d.Repo.InDoubt(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, it := range items {
		h := d.handler(it.AccountID)
		if h == nil {
			continue
		}
		sent, err := h.Check(ctx, &it)
		switch {
		case errors.Is(err, ErrUncheckable):
			// Neither sent again nor left in doubt for ever: the user decides.
			if err := d.Repo.Fail(ctx, it.ID, coded(err), time.Time{}); err != nil {
				errs = append(errs, err)
			} else {
				d.notify(Event{Item: it, Err: err})
			}
		case err != nil:
			errs = append(errs, fmt.Errorf("outbox: checking %s: %w", it.IdempotencyKey, err))
		case sent:
			if err := d.Repo.Ack(ctx, it.ID, it.IdempotencyKey); err != nil {
				errs = append(errs, err)
			} else {
				d.notify(Event{Item: it, Sent: true})
			}
		default:
			errs = append(errs, d.Repo.Requeue(ctx, it.ID))
		}
	}
	return errors.Join(errs...)
}

// RunOnce recovers in-doubt items, then sends every due item; it returns how many went out.
// An error checking in-doubt items does not stop the others.
func (d *Dispatcher) RunOnce(ctx context.Context) (sent int, err error) {
	rerr := d.Recover(ctx)
	for ctx.Err() == nil {
		it, err := d.Repo.Claim(ctx, d.lease())
		if err != nil {
			return sent, errors.Join(rerr, err)
		}
		if it == nil {
			break
		}
		h := d.handler(it.AccountID)
		if h == nil {
			// Its account does not run here now (not started yet, or restarting): the item
			// waits for it without the attempt counting.
			if err := d.Repo.Release(ctx, it.ID, time.Now().Add(min(waitHandler, d.poll()))); err != nil {
				return sent, errors.Join(rerr, err)
			}
			continue
		}
		if d.Gate != nil {
			switch d.Gate(ctx, it) {
			case WaitTurn:
				if err := d.Repo.Release(ctx, it.ID, time.Now().Add(waitTurn)); err != nil {
					return sent, errors.Join(rerr, err)
				}
				continue
			case SendsElse:
				if err := d.Repo.HandOff(ctx, it.ID); err != nil {
					return sent, errors.Join(rerr, err)
				}
				d.notify(Event{Item: *it})
				continue
			}
		}
		remote, serr := h.Send(ctx, it)
		var copyErr *SentCopyError
		if serr == nil || errors.As(serr, &copyErr) {
			if err := d.Repo.Ack(ctx, it.ID, remote); err != nil {
				return sent, errors.Join(rerr, err)
			}
			sent++
			d.notify(Event{Item: *it, Sent: true, Err: serr})
			continue
		}
		if ctx.Err() != nil {
			break // stopped: the item stays Sending and is checked next time
		}
		if at, ok := resumeAt(serr); ok {
			if err := d.Repo.Defer(ctx, it.ID, d.describe(it, serr), at); err != nil {
				return sent, errors.Join(rerr, err)
			}
			d.notify(Event{Item: *it, Err: serr, RetryAt: at})
			continue
		}
		var perm *smtpsend.PermanentError
		max := d.MaxAttempts
		if max <= 0 {
			max = 20
		}
		var retryAt time.Time
		// A refusal, or an error only the user can fix (password, certificate): Failed, to be
		// requeued by the user, rather than knocking on the server until the account is locked.
		if !errors.As(serr, &perm) && !email.NeedsUser(serr) && it.Attempts < max {
			retryAt = time.Now().Add(d.backoff().Delay(it.Attempts))
		}
		if err := d.Repo.Fail(ctx, it.ID, d.explain(it, serr), retryAt); err != nil {
			return sent, errors.Join(rerr, err)
		}
		d.notify(Event{Item: *it, Err: serr, RetryAt: retryAt})
	}
	return sent, rerr
}

// resumeAt returns when a deferred send may be tried again, if err is a Deferral.
func resumeAt(err error) (time.Time, bool) {
	var d Deferral
	if errors.As(err, &d) && !d.ResumeAt().IsZero() {
		return d.ResumeAt(), true
	}
	return time.Time{}, false
}

// nextDue returns when the next queued item is due (zero if none).
func (d *Dispatcher) nextDue(ctx context.Context) time.Time {
	var next time.Time
	p := repo.Page{Limit: 200}
	for {
		items, tok, err := d.Repo.OutboxList(ctx, repo.Queued, p)
		if err != nil {
			return next
		}
		for _, it := range items {
			if next.IsZero() || it.NextAttempt.Before(next) {
				next = it.NextAttempt
			}
		}
		if tok == "" {
			return next
		}
		p.After = tok
	}
}

// Run sends until ctx ends, waking at the next due item, on Wake, or every Poll.
func (d *Dispatcher) Run(ctx context.Context) error {
	poll := d.poll()
	for {
		d.RunOnce(ctx)
		wait := poll
		if next := d.nextDue(ctx); !next.IsZero() {
			wait = min(wait, max(time.Until(next), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-d.Wake:
		case <-t.C:
		}
		t.Stop()
	}
}
