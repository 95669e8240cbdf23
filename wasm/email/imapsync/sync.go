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
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Progress reports a folder's sync: Done of Total messages stored.
type Progress struct {
	Folder string `json:"folder"`
	Done   int    `json:"done"`
	Total  int    `json:"total"`
}

// Stats counts what one folder sync changed.
type Stats struct {
	New, FlagsChanged, Expunged int
	Resynced                    bool // UIDVALIDITY changed: the folder was dropped and fetched again
	// More: older mail is left for the next call (a folder other than the inbox fetches at
	// most OlderPerCall of it at a time).
	More bool
}

// Session syncs folders over one logged-in connection.
type Session struct {
	C       *imapclient.Client
	Account *email.Account
	Repo    *repo.Repo
	// FirstBatch and BatchSize are the number of messages fetched and stored together: a
	// small first batch so that the newest mail shows at once, then bigger ones.
	FirstBatch, BatchSize int
	Progress              func(Progress)
	// BatchBytes bounds a batch's size too (default 8 MiB); MaxMessageBytes is the most fetched
	// of one message (default 8 MiB; the rest of a bigger one is left on the server).
	BatchBytes, MaxMessageBytes int64
	// WholeMessages fetches every message whole, attachments included (by default a message
	// with attachments is fetched without them: structure.go).
	WholeMessages bool
	// Timeout bounds each command's wait (a dead connection is closed, not waited for).
	Timeout time.Duration
	// Activity is called whenever the server answered.
	Activity func()
	// Folders is the folder list with roles (SyncAll fills it): a message's box is its
	// folder's role.
	Folders []Folder
	// Moved, when set, is told of each folder Flush moved messages to (and the role it was
	// created with, when it was).
	Moved func(folder string, created Role)
	// OlderPerCall bounds how much older mail a folder other than the inbox fetches in one
	// SyncFolder (default 2,000 messages), and InboxEvery how long SyncAll goes without
	// looking at the inbox again (default 30 s): on a large mailbox, new mail shows while the
	// first sync of the other folders goes on, instead of after it.
	OlderPerCall int
	InboxEvery   time.Duration
}

func (s *Session) olderPerCall() int {
	if s.OlderPerCall > 0 {
		return s.OlderPerCall
	}
	return 2000
}

func (s *Session) inboxEvery() time.Duration {
	if s.InboxEvery > 0 {
		return s.InboxEvery
	}
	return 30 * time.Second
}

func (s *Session) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 2 * time.Minute
}

// wait runs f, closing the connection if it takes longer than the session's timeout or ctx ends.
func wait[T any](ctx context.Context, s *Session, f func() (T, error)) (T, error) {
	return waitWithin(ctx, s, s.timeout(), f)
}

// waitWithin runs f, closing the connection if it takes longer than d or ctx ends.
func waitWithin[T any](ctx context.Context, s *Session, d time.Duration, f func() (T, error)) (T, error) {
	done := make(chan struct{})
	var v T
	var err error
	go func() {
		defer close(done)
		v, err = f()
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		if err == nil && s.Activity != nil {
			s.Activity()
		}
		return v, err
	case <-t.C:
		s.C.Close()
		<-done
		return v, fmt.Errorf("imapsync: the server did not answer for %s; connection closed", d)
	case <-ctx.Done():
		s.C.Close()
		<-done
		return v, ctx.Err()
	}
}

func (s *Session) batchSizes() (first, rest int) {
	first, rest = s.FirstBatch, s.BatchSize
	if rest <= 0 {
		rest = 200
	}
	if first <= 0 {
		first = min(25, rest)
	}
	return first, rest
}

// SyncFolder brings one folder up to date.
func (s *Session) SyncFolder(ctx context.Context, folder string) (st Stats, err error) {
	condstore := s.C.Caps().Has(imap.CapCondStore)
	sel, err := wait(ctx, s, func() (*imap.SelectData, error) {
		return s.C.Select(folder, &imap.SelectOptions{ReadOnly: true, CondStore: condstore}).Wait()
	})
	if err != nil {
		return st, fmt.Errorf("imapsync: select %s: %w", folder, err)
	}
	acct := s.Account.ID
	cur, err := loadCursor(ctx, s.Repo, acct, folder)
	if err != nil {
		return st, err
	}
	if cur.UIDValidity != 0 && cur.UIDValidity != sel.UIDValidity {
		if err := s.dropFolder(ctx, folder); err != nil {
			return st, err
		}
		cur, st.Resynced = cursor{}, true
	}
	box := roleOf(s.Folders, folder).Box()
	if cur.UIDValidity != 0 && cur.Box != box {
		// The folder's role changed (or was not kept yet): its messages move with it.
		if err := s.rebox(ctx, folder, box); err != nil {
			return st, err
		}
	}
	cur.Box = box
	var all []imap.UID
	if sel.NumMessages > 0 {
		sd, err := wait(ctx, s, func() (*imap.SearchData, error) {
			return s.C.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		})
		if err != nil {
			return st, fmt.Errorf("imapsync: search %s: %w", folder, err)
		}
		all = sd.AllUIDs()
		slices.Sort(all)
	}
	fresh := cur.UIDValidity == 0
	if fresh {
		cur = cursor{UIDValidity: sel.UIDValidity, Box: box}
		if n := len(all); n > 0 {
			cur.Top = uint32(all[n-1])
		}
		cur.Low = cur.Top + 1
	}
	// Known messages: flags and expunges.
	if !fresh && cur.Low <= cur.Top {
		if st.FlagsChanged, st.Expunged, err = s.refreshKnown(ctx, folder, &cur, sel, all, condstore); err != nil {
			return st, err
		}
	}
	if condstore {
		cur.ModSeq = sel.HighestModSeq
	}
	// New messages, then older ones, newest first.
	var newer, older []imap.UID
	for _, u := range all {
		switch {
		case uint32(u) > cur.Top:
			newer = append(newer, u)
		case uint32(u) < cur.Low && !cur.Done:
			older = append(older, u)
		}
	}
	slices.Reverse(newer)
	slices.Reverse(older)
	if folder != "INBOX" && len(older) > s.olderPerCall() {
		older, st.More = older[:s.olderPerCall()], true
	}
	total := len(all)
	batches, stop := s.fetchAhead(ctx, folder, newer, older)
	defer stop()
	// Each batch is converted while the previous one commits (in the browser, IndexedDB
	// commits in another process), and its transaction starts only once that one committed:
	// the cursor a transaction saves never runs ahead of what is stored. The first batch is
	// reported as soon as it is stored, so that the newest mail shows at once.
	var committing *storing
	committed := func() error {
		if committing == nil {
			return nil
		}
		got, err := committing.wait()
		committing = nil
		if err != nil {
			return err
		}
		st.New += got
		if s.Progress != nil {
			s.Progress(Progress{Folder: folder, Done: min(cur.Count, total), Total: total})
		}
		return nil
	}
	defer func() {
		if err2 := committed(); err == nil {
			err = err2
		}
	}()
	for b := range batches {
		if b.err != nil {
			return st, b.err
		}
		if st.New == 0 {
			if err := committed(); err != nil {
				return st, err
			}
		}
		writes, err := s.convertBatch(ctx, folder, cur.Box, cur.UIDValidity, b.msgs)
		if err != nil {
			return st, err
		}
		if err := committed(); err != nil {
			return st, err
		}
		if b.isNew {
			// New mail comes newest first too: Top passes it only once all of it is stored,
			// so that a sync stopped in between leaves the rest above Top for the next one
			// (which fetches the stored part again, and recounts at its next look).
			if b.last {
				cur.Top = max(cur.Top, uint32(newer[0]))
			}
		} else {
			cur.Low = uint32(b.uids[len(b.uids)-1])
			cur.Done = b.last && !st.More
		}
		committing = s.startStore(ctx, folder, &cur, writes)
	}
	if err := committed(); err != nil {
		return st, err
	}
	if !cur.Done && len(older) == 0 {
		cur.Done = true
	}
	// Save the final cursor (modseq, done) even when nothing was fetched.
	err = s.Repo.Update(ctx, []string{repo.Cursors}, func(tx *repo.Tx) error { return cur.save(tx, acct, folder) })
	if s.Progress != nil && st.New == 0 {
		s.Progress(Progress{Folder: folder, Done: min(cur.Count, total), Total: total})
	}
	return st, err
}

func (s *Session) batchBytes() int64 {
	if s.BatchBytes > 0 {
		return s.BatchBytes
	}
	return 8 << 20
}

func (s *Session) maxMessageBytes() int64 {
	if s.MaxMessageBytes > 0 {
		return s.MaxMessageBytes
	}
	return 8 << 20
}

// msgInfo is what the first look at a message tells: how much of it will be fetched, and
// how (whole, or in parts without its attachments: structure.go).
type msgInfo struct {
	size int64      // RFC822.SIZE
	plan *partsPlan // nil: fetched whole
}

// fetchBytes is about what fetching the message moves: its size, less the attachments left
// out, at most MaxMessageBytes.
func (s *Session) fetchBytes(i msgInfo) int64 {
	n := i.size
	if i.plan != nil {
		for _, size := range i.plan.skipped {
			n -= size
		}
	}
	return max(0, min(n, s.maxMessageBytes()))
}

// fetchInfo learns the sizes of messages (to cut batches by bytes as well as by count) and
// the structure of those big enough to hold attachments worth leaving on the server (asked
// apart: parsing a structure costs the client more than the rest of a small message's look).
func (s *Session) fetchInfo(ctx context.Context, uids []imap.UID, into map[imap.UID]msgInfo) error {
	bufs, err := wait(ctx, s, func() ([]*imapclient.FetchMessageBuffer, error) {
		return s.C.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	})
	if err != nil {
		return fmt.Errorf("imapsync: fetch sizes: %w", err)
	}
	for _, u := range uids {
		into[u] = msgInfo{}
	}
	var big []imap.UID
	for _, b := range bufs {
		into[b.UID] = msgInfo{size: b.RFC822Size}
		if b.RFC822Size >= lazyMinBytes {
			big = append(big, b.UID)
		}
	}
	if len(big) == 0 || s.WholeMessages {
		return nil
	}
	bufs, err = wait(ctx, s, func() ([]*imapclient.FetchMessageBuffer, error) {
		return s.C.Fetch(imap.UIDSetNum(big...), &imap.FetchOptions{UID: true, BodyStructure: &imap.FetchItemBodyStructure{Extended: true}}).Collect()
	})
	if err != nil {
		return fmt.Errorf("imapsync: fetch structures: %w", err)
	}
	for _, b := range bufs {
		i, ok := into[b.UID]
		if !ok || b.BodyStructure == nil {
			continue
		}
		if i.plan = planParts(b.BodyStructure, lazyMinBytes); i.plan != nil && s.fetchBytes(i) >= s.maxMessageBytes() {
			i.plan = nil // its text alone is too big: fetched in part
		}
		into[b.UID] = i
	}
	return nil
}

// fetched is one batch of messages fetched from the server, in the order they are stored.
type fetched struct {
	uids  []imap.UID // newest first
	isNew bool       // above the cursor's top (else below its low end)
	last  bool       // the last batch of its kind
	msgs  []fetchedMessage
	err   error
}

type fetchedMessage struct {
	buf     *imapclient.FetchMessageBuffer
	partial bool       // only the first MaxMessageBytes were fetched
	plan    *partsPlan // fetched without its attachments
}

// fetchAhead fetches the batches of new (newer), then old (older) messages in a goroutine of
// its own, up to two batches ahead of the caller, which converts and stores them: the waits
// for the network and for the store's commits overlap instead of adding up (in the browser,
// where one thread runs all of it, they are a third of a first sync's time). The FETCH of a
// batch is sent before the answer to the previous one is read, so that the server never
// waits for the next command: its answer comes while the caller is busy. stop ends the
// fetching and waits for it; the batches channel closes after the last batch or an error.
func (s *Session) fetchAhead(ctx context.Context, folder string, newer, older []imap.UID) (batches <-chan fetched, stop func()) {
	out := make(chan fetched, 1)
	quit, done := make(chan struct{}), make(chan struct{})
	stopped := func() bool {
		select {
		case <-quit:
			return true
		default:
			return false
		}
	}
	go func() {
		defer close(done)
		defer close(out)
		emit := func(f fetched) bool {
			select {
			case out <- f:
				return f.err == nil
			case <-quit:
				return false
			}
		}
		// sent is the batch whose FETCH is sent and not read yet.
		var sent *fetched
		var sentCmd *sentFetch
		defer func() {
			if sentCmd != nil {
				sentCmd.discard()
			}
		}()
		readSent := func() bool {
			if sent == nil {
				return true
			}
			f := *sent
			f.msgs, f.err = s.readFetch(ctx, folder, sentCmd)
			sent, sentCmd = nil, nil
			return emit(f)
		}
		first, rest := s.batchSizes()
		n := first
		infos := map[imap.UID]msgInfo{}
		for _, phase := range []struct {
			uids  []imap.UID
			isNew bool
		}{{newer, true}, {older, false}} {
			part := phase.uids
			for len(part) > 0 && !stopped() {
				f := fetched{isNew: phase.isNew}
				if _, ok := infos[part[0]]; !ok {
					// The sizes would be answered after the batch sent: read it first.
					if !readSent() {
						return
					}
					if f.err = s.fetchInfo(ctx, part[:min(len(part), 2000)], infos); f.err != nil {
						emit(f)
						return
					}
				}
				k, bytes := 0, int64(0)
				for k < min(n, len(part)) {
					sz := s.fetchBytes(infos[part[k]])
					if k > 0 && bytes+sz > s.batchBytes() {
						break
					}
					bytes += sz
					k++
				}
				f.uids, part, n = part[:k], part[k:], rest
				f.last = len(part) == 0
				cmd := s.sendFetch(f.uids, infos)
				if !readSent() {
					cmd.discard()
					return
				}
				sent, sentCmd = &f, cmd
			}
		}
		if !stopped() {
			readSent()
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() {
			close(quit)
			for range out {
			}
			<-done
		})
	}
}

// sentFetch is a FETCH of messages sent to the server (one command for the messages fetched
// whole, one for those fetched in part), its answer read by a goroutine of its own as it
// comes: a server may answer the next command before it ends this one (Dovecot does).
type sentFetch struct {
	done chan struct{}
	msgs []fetchedMessage
	err  error
}

// sendFetch sends the FETCH of messages by UID: one command for the messages fetched whole,
// one for those fetched in part, one per shape of message fetched without its attachments
// (structure.go). A message bigger than MaxMessageBytes that cannot be taken apart is fetched
// only up to that size (its text usually comes first): a 200 MB attachment must not exhaust
// a browser tab's memory.
func (s *Session) sendFetch(uids []imap.UID, infos map[imap.UID]msgInfo) *sentFetch {
	type group struct {
		uids     []imap.UID
		sections []*imap.FetchItemBodySection
		partial  bool
	}
	whole := &group{sections: []*imap.FetchItemBodySection{s.section(false)}}
	part := &group{sections: []*imap.FetchItemBodySection{s.section(true)}, partial: true}
	groups := []*group{whole, part}
	shapes := map[string]*group{}
	for _, u := range uids {
		i := infos[u]
		switch {
		case i.plan != nil:
			g := shapes[i.plan.key]
			if g == nil {
				g = &group{sections: i.plan.sections}
				shapes[i.plan.key] = g
				groups = append(groups, g)
			}
			g.uids = append(g.uids, u)
		case i.size > s.maxMessageBytes():
			part.uids = append(part.uids, u)
		default:
			whole.uids = append(whole.uids, u)
		}
	}
	type sent struct {
		*group
		cmd *imapclient.FetchCommand
	}
	var cmds []sent
	for _, g := range groups {
		if len(g.uids) > 0 {
			opts := &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true, BodySection: g.sections}
			cmds = append(cmds, sent{g, s.C.Fetch(imap.UIDSetNum(g.uids...), opts)})
		}
	}
	// Each command's answer is read by a goroutine of its own: the client hands a FETCH
	// response to the command it belongs to and waits until it is taken, and the server
	// answers pipelined commands in its own order.
	sf := &sentFetch{done: make(chan struct{})}
	results := make([][]fetchedMessage, len(cmds))
	errs := make([]error, len(cmds))
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bufs, err := collect(c.cmd, s.maxMessageBytes())
			if err != nil {
				errs[i] = err // the others end too: on their own answers, or the connection's end
				return
			}
			for _, b := range bufs {
				if b.UID == 0 {
					continue
				}
				// a message with a plan is in its shape's group, one without in another
				results[i] = append(results[i], fetchedMessage{buf: b, partial: c.partial, plan: infos[b.UID].plan})
			}
		}()
	}
	go func() {
		defer close(sf.done)
		wg.Wait()
		if sf.err = errors.Join(errs...); sf.err != nil {
			return
		}
		sf.msgs = slices.Concat(results...)
		// the batch's order, newest first, whatever command brought each message
		order := make(map[imap.UID]int, len(uids))
		for i, u := range uids {
			order[u] = i
		}
		slices.SortFunc(sf.msgs, func(a, b fetchedMessage) int { return order[a.buf.UID] - order[b.buf.UID] })
	}()
	return sf
}

// readFetch waits for the answer to a sent FETCH (the session's timeout counts from this call).
func (s *Session) readFetch(ctx context.Context, folder string, sf *sentFetch) ([]fetchedMessage, error) {
	_, err := wait(ctx, s, func() (struct{}, error) {
		<-sf.done
		return struct{}{}, sf.err
	})
	if err != nil {
		return nil, fmt.Errorf("imapsync: fetch from %s: %w", folder, err)
	}
	return sf.msgs, nil
}

// discard waits until the answer to a sent FETCH has been read (and drops it).
func (sf *sentFetch) discard() { <-sf.done }

// fetchMessages fetches messages by UID (see sendFetch).
func (s *Session) fetchMessages(ctx context.Context, folder string, uids []imap.UID, infos map[imap.UID]msgInfo) ([]fetchedMessage, error) {
	return s.readFetch(ctx, folder, s.sendFetch(uids, infos))
}

// section is the body section fetched: the whole message, or its first MaxMessageBytes.
func (s *Session) section(partial bool) *imap.FetchItemBodySection {
	if !partial {
		return bodySection
	}
	return &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: s.maxMessageBytes()}}
}

// convertBatch turns fetched messages into what the store keeps. A message fetched without
// its attachments that does not read as its structure said, or whose raw form the Reader
// keeps (to read it again later), is fetched again whole.
func (s *Session) convertBatch(ctx context.Context, folder string, box model.Box, uidValidity uint32, msgs []fetchedMessage) ([]repo.MessageWrite, error) {
	writes := make([]repo.MessageWrite, 0, len(msgs))
	var again []imap.UID
	at := map[imap.UID]int{}
	infos := map[imap.UID]msgInfo{} // of those fetched again: their size (sendFetch cuts a huge one)
	for _, m := range msgs {
		if m.plan != nil {
			raw, err := m.plan.assemble(m.buf)
			if err == nil {
				w := convert(s.Account, folder, box, uidValidity, m.buf, raw)
				if m.plan.fits(w.Body) && w.Blobs[email.RawBlob] == nil {
					writes = append(writes, w)
					continue
				}
			}
			at[m.buf.UID] = len(writes)
			again = append(again, m.buf.UID)
			infos[m.buf.UID] = msgInfo{size: m.buf.RFC822Size}
			writes = append(writes, repo.MessageWrite{})
			continue
		}
		w := convert(s.Account, folder, box, uidValidity, m.buf, m.buf.FindBodySection(s.section(m.partial)))
		if m.partial {
			w.Body.Notes = append(w.Body.Notes, mail.NoteTruncated(m.buf.RFC822Size, s.maxMessageBytes()))
		}
		writes = append(writes, w)
	}
	if len(again) == 0 {
		return writes, nil
	}
	whole, err := s.fetchMessages(ctx, folder, again, infos)
	if err != nil {
		return nil, err
	}
	redone, err := s.convertBatch(ctx, folder, box, uidValidity, whole)
	if err != nil {
		return nil, err
	}
	for i, m := range whole {
		writes[at[m.buf.UID]] = redone[i]
	}
	// a message gone from the server meanwhile is not stored
	return slices.DeleteFunc(writes, func(w repo.MessageWrite) bool { return w.Message == nil }), nil
}

// storeBatch converts fetched messages and stores them with the cursor in one transaction.
func (s *Session) storeBatch(ctx context.Context, folder string, cur *cursor, msgs []fetchedMessage) (int, error) {
	writes, err := s.convertBatch(ctx, folder, cur.Box, cur.UIDValidity, msgs)
	if err != nil {
		return 0, err
	}
	return s.startStore(ctx, folder, cur, writes).wait()
}

// storing is a batch of messages being committed.
type storing struct {
	commit func() error
	folder string
	cur    *cursor
	n      int
}

// wait waits for the commit and returns the number of messages stored (on failure, the
// cursor no longer counts them).
func (b *storing) wait() (int, error) {
	if err := b.commit(); err != nil {
		b.cur.Count -= b.n
		return 0, fmt.Errorf("imapsync: storing messages of %s: %w", b.folder, err)
	}
	return b.n, nil
}

// startStore stores converted messages with the cursor (counting them) in one transaction,
// and returns without waiting for its commit.
func (s *Session) startStore(ctx context.Context, folder string, cur *cursor, writes []repo.MessageWrite) *storing {
	cur.Count += len(writes)
	commit := s.Repo.StartUpdate(ctx, []string{repo.Messages, repo.Bodies, repo.Blobs, repo.Cursors}, func(tx *repo.Tx) error {
		for _, w := range writes {
			if err := tx.PutMessageWrite(w); err != nil {
				return err
			}
		}
		return cur.save(tx, s.Account.ID, folder)
	})
	return &storing{commit: commit, folder: folder, cur: cur, n: len(writes)}
}

// storedUIDs returns the UIDs of the folder's stored messages, by local id.
func (s *Session) storedUIDs(ctx context.Context, folder string) (map[imap.UID]model.Message, error) {
	out := map[imap.UID]model.Message{}
	p := repo.Page{Limit: 500}
	for {
		ms, next, err := s.Repo.FolderMessages(ctx, s.Account.ID, folder, p)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if _, _, uid, err := ParseRemoteID(m.RemoteID); err == nil {
				out[uid] = m
			}
		}
		if next == "" {
			return out, nil
		}
		p.After = next
	}
}

// refreshKnown updates the flags of the stored messages and deletes the expunged ones.
func (s *Session) refreshKnown(ctx context.Context, folder string, cur *cursor, sel *imap.SelectData, all []imap.UID, condstore bool) (changed, expunged int, err error) {
	onServer := 0
	for _, u := range all {
		if uint32(u) >= cur.Low && uint32(u) <= cur.Top {
			onServer++
		}
	}
	useModSeq := condstore && cur.ModSeq > 0 && sel.HighestModSeq > 0
	if useModSeq && sel.HighestModSeq == cur.ModSeq && onServer == cur.Count {
		return 0, 0, nil // nothing changed since the last sync
	}
	var stored map[imap.UID]model.Message
	if !useModSeq || onServer != cur.Count {
		if stored, err = s.storedUIDs(ctx, folder); err != nil {
			return 0, 0, err
		}
	}
	// Messages with a change of ours not on the server yet keep their local flags.
	pending, err := s.pendingLocal(ctx)
	if err != nil {
		return 0, 0, err
	}
	var updates []model.Message
	var gone []string
	if !useModSeq || sel.HighestModSeq != cur.ModSeq {
		opts := &imap.FetchOptions{UID: true, Flags: true}
		if useModSeq {
			opts.ChangedSince, opts.ModSeq = cur.ModSeq, true
		}
		set := imap.UIDSet{imap.UIDRange{Start: imap.UID(cur.Low), Stop: imap.UID(cur.Top)}}
		bufs, err := wait(ctx, s, func() ([]*imapclient.FetchMessageBuffer, error) {
			return s.C.Fetch(set, opts).Collect()
		})
		if err != nil {
			return 0, 0, fmt.Errorf("imapsync: fetch flags of %s: %w", folder, err)
		}
		for _, b := range bufs {
			if b.UID == 0 || uint32(b.UID) < cur.Low || uint32(b.UID) > cur.Top {
				continue
			}
			f := toFlags(b.Flags)
			if pending[model.MessageID(s.Account.ID, RemoteID(folder, cur.UIDValidity, b.UID))] {
				continue
			}
			if stored != nil {
				m, ok := stored[b.UID]
				if !ok || m.Flags == f {
					continue
				}
				m.Flags = f
				updates = append(updates, m)
			} else {
				updates = append(updates, model.Message{ID: model.MessageID(s.Account.ID, RemoteID(folder, cur.UIDValidity, b.UID)), Flags: f})
			}
		}
	}
	if stored != nil {
		present := make(map[imap.UID]bool, len(all))
		for _, u := range all {
			present[u] = true
		}
		for uid, m := range stored {
			if !present[uid] {
				gone = append(gone, m.ID)
			}
		}
		cur.Count = len(stored) // the store is the truth (messages moved away locally)
	}
	if len(updates) == 0 && len(gone) == 0 {
		return 0, 0, nil
	}
	err = s.Repo.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Blobs, repo.Cursors}, func(tx *repo.Tx) error {
		for _, u := range updates {
			m, err := tx.Message(u.ID)
			if err != nil {
				continue // not stored (a failed fetch): the next sync fetches it
			}
			if m.Flags == u.Flags {
				continue
			}
			m.Flags = u.Flags
			if err := tx.PutMessage(&m, nil); err != nil {
				return err
			}
			changed++
		}
		for _, id := range gone {
			if err := tx.DeleteMessage(id); err != nil {
				return err
			}
		}
		cur.Count -= len(gone)
		return cur.save(tx, s.Account.ID, folder)
	})
	if err != nil {
		cur.Count += len(gone)
		return 0, 0, err
	}
	return changed, len(gone), nil
}

// rebox files the stored messages of a folder in box.
func (s *Session) rebox(ctx context.Context, folder string, box model.Box) error {
	stored, err := s.storedUIDs(ctx, folder)
	if err != nil {
		return err
	}
	var ids []string
	for _, m := range stored {
		if m.Box != box {
			ids = append(ids, m.ID)
		}
	}
	for len(ids) > 0 {
		b := ids[:min(500, len(ids))]
		ids = ids[len(b):]
		err := s.Repo.Update(ctx, []string{repo.Messages}, func(tx *repo.Tx) error {
			for _, id := range b {
				if err := tx.UpdateMessage(id, func(m *model.Message) error { m.Box = box; return nil }); err != nil && !errors.Is(err, repo.ErrNotFound) {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// dropFolder deletes every stored message of a folder and its cursor (UIDVALIDITY changed).
func (s *Session) dropFolder(ctx context.Context, folder string) error {
	stored, err := s.storedUIDs(ctx, folder)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(stored))
	for _, m := range stored {
		ids = append(ids, m.ID)
	}
	for len(ids) > 0 {
		b := ids[:min(500, len(ids))]
		ids = ids[len(b):]
		err := s.Repo.Update(ctx, []string{repo.Messages, repo.Bodies, repo.Blobs, repo.Cursors}, func(tx *repo.Tx) error {
			for _, id := range b {
				if err := tx.DeleteMessage(id); err != nil {
					return err
				}
			}
			return cursor{}.save(tx, s.Account.ID, folder)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// SyncAll lists the folders and syncs each selectable one, the inbox first.
func (s *Session) SyncAll(ctx context.Context) ([]Folder, error) {
	fs, err := wait(ctx, s, func() ([]Folder, error) { return ListFolders(s.C) })
	if err != nil {
		return nil, fmt.Errorf("imapsync: list folders: %w", err)
	}
	s.Folders = fs
	if err := s.forgetGone(ctx, fs); err != nil {
		return fs, err
	}
	// Every folder in turn, the inbox first; a folder with more older mail than a call takes
	// comes round again, and the inbox is looked at between calls once InboxEvery passed.
	var pending []string
	for _, f := range fs {
		if !f.NoSelect {
			pending = append(pending, f.Name)
		}
	}
	inboxSynced := time.Now()
	for len(pending) > 0 {
		var again []string
		for _, name := range pending {
			st, err := s.SyncFolder(ctx, name)
			if err != nil {
				return fs, err
			}
			if st.More {
				again = append(again, name)
			}
			if name == "INBOX" {
				inboxSynced = time.Now()
			} else if time.Since(inboxSynced) >= s.inboxEvery() {
				if _, err := s.SyncFolder(ctx, "INBOX"); err != nil {
					return fs, err
				}
				inboxSynced = time.Now()
			}
		}
		pending = again
	}
	return fs, nil
}

const (
	foldersCursor     = "imap:folders"      // the selectable folders' names
	folderRolesCursor = "imap:folder-roles" // every folder with its role
)

// forgetGone drops the stored messages of folders deleted (or renamed) on the server, and
// remembers the current list.
func (s *Session) forgetGone(ctx context.Context, fs []Folder) error {
	var known []string
	b, err := s.Repo.Cursor(ctx, s.Account.ID, foldersCursor)
	if err == nil && len(b) > 0 {
		json.Unmarshal(b, &known)
	} else if err != nil && !errors.Is(err, repo.ErrNotFound) {
		return err
	}
	now := map[string]bool{}
	var names []string
	for _, f := range fs {
		if !f.NoSelect {
			now[f.Name] = true
			names = append(names, f.Name)
		}
	}
	for _, name := range known {
		if !now[name] {
			if err := s.dropFolder(ctx, name); err != nil {
				return err
			}
		}
	}
	b, _ = json.Marshal(names)
	if err := s.Repo.SetCursor(ctx, s.Account.ID, foldersCursor, b); err != nil {
		return err
	}
	b, _ = json.Marshal(fs)
	return s.Repo.SetCursor(ctx, s.Account.ID, folderRolesCursor, b)
}
