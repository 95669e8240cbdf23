package app

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"caliopen/wasm/email"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// Mail signed with a key not held here ("Signed by a key not yet known", or a signature that
// cannot be checked for want of the key) does not keep that state for ever:
//
//   - its raw form is kept with it (as an undecrypted message keeps its own), within bounds,
//     and the message is listed under its sender's address, with the key its signature names;
//   - in the background, once stored, the sender's Web Key Directory is asked for that key
//     (through the tunnel, at most once a day per address, one lookup at a time, never for
//     mailing-list or bulk mail), and a key published there is kept only when it is the
//     signature's issuer;
//   - whenever a key becomes known for the address (from a Web Key Directory, Autocrypt, an
//     import, an attached key, another device), the listed messages whose issuer it is are
//     read again from their raw form: good from a known key, or bad. The raw form is dropped
//     once settled, and the discussion's live query and the privacy grades follow the
//     message's new state as any message write.
//
// The raw form is kept rather than fetched again from the server: a message may have moved
// or gone there, the account may be offline or its password locked in the vault, and keeping
// it costs little within the bounds below.
const (
	// maxUnverifiedRaw: a bigger message is not kept (its state stays as first read).
	maxUnverifiedRaw = 1 << 20
	// maxUnverifiedPerSender: at most this many messages of one sender are kept.
	maxUnverifiedPerSender = 100
	// maxUnverifiedBytes bounds the raw messages kept for all senders together.
	maxUnverifiedBytes = 64 << 20
	// unverifiedLifetime: a message whose key never came is no longer kept after this.
	unverifiedLifetime = 90 * 24 * time.Hour
	// unstoredGrace: a listed message not stored after this is forgotten (its sync failed,
	// or it was deleted since).
	unstoredGrace = 24 * time.Hour
	// signerLookupEvery: an address's Web Key Directory is asked at most this often.
	signerLookupEvery = 24 * time.Hour
)

// The background pass waits settle before it starts (the messages just read are stored
// meanwhile, and a sync's key changes come together), and pace between two lookups.
var (
	signerSettle = time.Second
	signerPace   = 500 * time.Millisecond
)

// unverifiedKey is the key, in the meta store, of a sender's list (device-local: device sync
// never carries it, each device keeps its own messages).
func unverifiedKey(address string) string { return store.Tuple("pgp.unverified", address) }

// unverifiedSender lists one sender's messages waiting for a key.
type unverifiedSender struct {
	Address  string              `json:"address"`
	LookedUp time.Time           `json:"lookedUp,omitzero"` // the last Web Key Directory lookup
	Messages []unverifiedMessage `json:"messages,omitempty"`
}

// unverifiedMessage is a message (each of its copies: the same Message-ID in several folders
// or accounts) whose signature waits for its issuer's key.
type unverifiedMessage struct {
	MessageID string     `json:"messageId"` // as the message_id index holds it
	Issuer    pgp.Issuer `json:"issuer"`
	Bytes     int64      `json:"bytes"` // raw bytes kept, all copies
	Since     time.Time  `json:"since"`
}

// signerHunt keeps the lists, and the background pass that looks keys up and reads the
// listed messages again.
type signerHunt struct {
	k *keys

	mu        sync.Mutex
	loaded    bool
	senders   map[string]*unverifiedSender
	total     int64           // raw bytes kept, all senders
	reverify  map[string]bool // addresses whose messages to read again
	lookups   []string        // addresses to look up, in order
	lookingUp map[string]bool
	running   bool
}

func newSignerHunt(k *keys) *signerHunt {
	return &signerHunt{k: k, senders: map[string]*unverifiedSender{}, reverify: map[string]bool{}, lookingUp: map[string]bool{}}
}

// loadLocked reads the lists once. Caller holds h.mu.
func (h *signerHunt) loadLocked(ctx context.Context) error {
	if h.loaded {
		return nil
	}
	var bad int
	err := h.k.a.eng.Repo.View(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		return tx.Scan(repo.Meta, store.Query{Prefix: store.Tuple("pgp.unverified")}, func(rec store.Record) error {
			var s unverifiedSender
			if json.Unmarshal(rec.Value, &s) != nil || s.Address == "" {
				bad++
				return nil
			}
			h.senders[s.Address] = &s
			for _, m := range s.Messages {
				h.total += m.Bytes
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	h.loaded = true
	if bad > 0 {
		h.k.a.o.Log.Error("keys: unreadable lists of messages waiting for a key skipped", "count", bad)
	}
	return nil
}

// saveLocked writes a sender's list, or deletes it when nothing is left to remember.
// Caller holds h.mu.
func (h *signerHunt) saveLocked(ctx context.Context, s *unverifiedSender) error {
	return h.k.a.eng.Repo.Update(ctx, []string{repo.Meta}, func(tx *repo.Tx) error {
		if len(s.Messages) == 0 && time.Since(s.LookedUp) > signerLookupEvery {
			delete(h.senders, s.Address)
			return tx.Delete(repo.Meta, unverifiedKey(s.Address))
		}
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		return tx.Put(repo.Meta, store.Record{Key: unverifiedKey(s.Address), Value: b})
	})
}

// keep lists a message just read whose signature waits for a key, and says whether its raw
// form is to be kept with it. Mail from the user's own addresses, list and bulk mail, a
// message without Message-ID or too big, and any beyond the bounds are not kept.
func (h *signerHunt) keep(s email.Settings, raw []byte, o *pgp.Opened) bool {
	m := &o.Parsed.Message
	from := o.Sender
	id := repo.NormalizeMessageID(m.MessageID)
	if from == "" || s.Own(from) || id == "" || o.Issuer.IsZero() || len(raw) > maxUnverifiedRaw || isBulk(m, raw) {
		return false
	}
	ctx := h.k.a.ctx
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.loadLocked(ctx); err != nil {
		h.k.a.o.Log.Error("keys: messages waiting for a key not read", "error", err)
		return false
	}
	snd := unverifiedSender{Address: from}
	if old := h.senders[from]; old != nil {
		snd = *old
		snd.Messages = slices.Clone(old.Messages)
	}
	size := int64(len(raw))
	if h.total+size > maxUnverifiedBytes {
		return false
	}
	if i := slices.IndexFunc(snd.Messages, func(u unverifiedMessage) bool { return u.MessageID == id }); i >= 0 {
		snd.Messages[i].Bytes += size // another copy
	} else if len(snd.Messages) >= maxUnverifiedPerSender {
		return false
	} else {
		snd.Messages = append(snd.Messages, unverifiedMessage{MessageID: id, Issuer: o.Issuer, Bytes: size, Since: time.Now()})
	}
	if err := h.saveLocked(ctx, &snd); err != nil {
		h.k.a.o.Log.Error("keys: a message waiting for a key not listed", "error", err)
		return false
	}
	h.senders[from] = &snd
	h.total += size
	if time.Since(snd.LookedUp) > signerLookupEvery && !h.lookingUp[from] {
		h.lookingUp[from] = true
		h.lookups = append(h.lookups, from)
	}
	h.startLocked()
	return true
}

// isBulk says whether a message came through a mailing list or as bulk mail: its signers'
// keys are not looked up (a list's traffic would ask a directory for every poster).
func isBulk(m *model.Message, raw []byte) bool {
	if m.ListID != "" {
		return true
	}
	h, err := readHeader(raw)
	if err != nil {
		return false
	}
	if h.Get("List-Id") != "" || h.Get("List-Post") != "" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "list", "bulk", "junk":
		return true
	}
	return false
}

// reverifySoon has the messages of addresses waiting for a key read again in the
// background (a key came for them).
func (h *signerHunt) reverifySoon(addresses ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range addresses {
		h.reverify[strings.ToLower(a)] = true
	}
	h.startLocked()
}

// resume queues every listed sender for a pass (after the vault opened: an encrypted
// message could not be read again while it was locked; and a message kept too long is
// dropped).
func (h *signerHunt) resume() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.loadLocked(h.k.a.ctx); err != nil {
		h.k.a.o.Log.Error("keys: messages waiting for a key not read", "error", err)
		return
	}
	for a, s := range h.senders {
		if len(s.Messages) > 0 {
			h.reverify[a] = true
		} else if err := h.saveLocked(h.k.a.ctx, s); err != nil { // forgotten once the day is over
			h.k.a.o.Log.Error("keys: a list of messages waiting for a key not saved", "error", err)
		}
	}
	h.startLocked()
}

// startLocked starts the background pass unless it runs, in the tab that syncs (the
// leader) only: another tab's work waits for the next start there. Caller holds h.mu.
func (h *signerHunt) startLocked() {
	if h.running || !h.k.a.leader.Load() || (len(h.reverify) == 0 && len(h.lookups) == 0) {
		return
	}
	h.running = true
	go h.run(h.k.a.ctx)
}

// run reads again the messages of the addresses queued, then looks one address up, until
// nothing is left.
func (h *signerHunt) run(ctx context.Context) {
	t := time.NewTimer(signerSettle)
	for {
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		h.mu.Lock()
		addresses := slices.Sorted(func(yield func(string) bool) {
			for a := range h.reverify {
				if !yield(a) {
					return
				}
			}
		})
		h.reverify = map[string]bool{}
		var lookup string
		if len(addresses) == 0 && len(h.lookups) > 0 {
			lookup, h.lookups = h.lookups[0], h.lookups[1:]
		}
		if len(addresses) == 0 && lookup == "" {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		for _, a := range addresses {
			if err := h.reverifyAddress(ctx, a); err != nil && ctx.Err() == nil {
				h.k.a.o.Log.Error("keys: messages waiting for a key not read again", "address", a, "error", err)
			}
		}
		pause := time.Duration(0)
		if lookup != "" {
			h.lookup(ctx, lookup)
			pause = signerPace
		}
		t.Reset(pause)
	}
}

// lookup asks the address's Web Key Directory for the keys its listed messages were signed
// with, and keeps a key found only when it is one of their issuers.
func (h *signerHunt) lookup(ctx context.Context, addr string) {
	k := h.k
	defer func() {
		h.mu.Lock()
		delete(h.lookingUp, addr)
		h.mu.Unlock()
	}()
	if k.a.accts.dialer() == nil {
		return // no relay: asked again with the next message
	}
	h.mu.Lock()
	snd := h.senders[addr]
	var issuers []pgp.Issuer
	if snd != nil {
		for _, m := range snd.Messages {
			issuers = append(issuers, m.Issuer)
		}
	}
	h.mu.Unlock()
	held := k.heldFor(addr)
	issuers = slices.DeleteFunc(issuers, func(i pgp.Issuer) bool { return slices.ContainsFunc(held, i.Matches) })
	if len(issuers) == 0 {
		return // nothing awaits a key, or the key came meanwhile
	}
	lctx, cancel := context.WithTimeout(ctx, wkdTimeout)
	data, err := k.wkd.Lookup(lctx, addr)
	cancel()
	if ctx.Err() != nil {
		return
	}
	h.mu.Lock()
	if snd = h.senders[addr]; snd != nil {
		snd.LookedUp = time.Now()
		if err := h.saveLocked(ctx, snd); err != nil {
			k.a.o.Log.Error("keys: a Web Key Directory lookup not recorded", "error", err)
		}
	}
	h.mu.Unlock()
	if err != nil {
		return // no key published, or no directory: asked again in a day
	}
	pubs, err := pgp.ParsePublicKeys(data)
	if err != nil {
		return
	}
	taken := false
	for _, pub := range pubs {
		if slices.ContainsFunc(issuers, func(i pgp.Issuer) bool { return i.Matches(pub) }) {
			k.ring.Add(addr, pub, pgp.SourceWKD)
			taken = true
		}
	}
	if taken {
		if err := k.saveContacts(ctx, addr); err != nil { // which has the messages read again
			k.a.o.Log.Error("keys: cannot save a key found in a Web Key Directory", "error", err)
		}
	}
}

// heldFor returns the public keys held for addr: in the contacts' ring, and the Autocrypt
// state's (current and gossiped).
func (k *keys) heldFor(addr string) []*pgp.PublicKey {
	var out []*pgp.PublicKey
	for _, c := range k.ring.ForAddress(addr) {
		out = append(out, c.Key)
	}
	return append(out, pgp.AutocryptKeys(k.peers, addr)...)
}

// reverifyAddress reads again the listed messages of addr signed by a key now held for it,
// and forgets those settled, gone or kept too long.
func (h *signerHunt) reverifyAddress(ctx context.Context, addr string) error {
	k := h.k
	h.mu.Lock()
	if err := h.loadLocked(ctx); err != nil {
		h.mu.Unlock()
		return err
	}
	var listed []unverifiedMessage
	if snd := h.senders[addr]; snd != nil {
		listed = slices.Clone(snd.Messages)
	}
	h.mu.Unlock()
	if len(listed) == 0 {
		return nil
	}
	k.retryMu.Lock() // one pass over stored messages read again at a time
	defer k.retryMu.Unlock()
	held := k.heldFor(addr)
	accts := map[string]*email.Account{}
	done := map[string]int64{} // listed messages forgotten, with the bytes they held
	var errs []error
	for _, u := range listed {
		expired := time.Since(u.Since) > unverifiedLifetime
		if !expired && !slices.ContainsFunc(held, u.Issuer.Matches) {
			continue // its key did not come
		}
		settled, err := h.reread(ctx, accts, addr, u, expired)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if settled {
			done[u.MessageID] = u.Bytes
		}
	}
	if len(done) == 0 {
		return errors.Join(errs...)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	snd := h.senders[addr]
	if snd == nil {
		return errors.Join(errs...)
	}
	snd.Messages = slices.DeleteFunc(snd.Messages, func(u unverifiedMessage) bool {
		bytes, ok := done[u.MessageID]
		if ok {
			h.total -= bytes
		}
		return ok
	})
	return errors.Join(append(errs, h.saveLocked(ctx, snd))...)
}

// reread reads again every stored copy of a listed message; settled is true when none waits
// any more (each is good from a known key, bad, or gone). An expired message is settled by
// dropping its raw form.
func (h *signerHunt) reread(ctx context.Context, accts map[string]*email.Account, addr string, u unverifiedMessage, expired bool) (settled bool, err error) {
	k := h.k
	r := k.a.eng.Repo
	copies, err := r.MessagesByMessageID(ctx, u.MessageID)
	if err != nil {
		return false, err
	}
	copies = slices.DeleteFunc(copies, func(m model.Message) bool {
		return m.Network != model.Email || m.From().Address() != addr
	})
	if len(copies) == 0 {
		return time.Since(u.Since) > unstoredGrace, nil // not stored yet, or deleted
	}
	settled = true
	for _, m := range copies {
		if !pgp.AwaitsKey(m.Security) || expired {
			if err := dropRaw(ctx, r, m); err != nil {
				return false, err
			}
			continue
		}
		acct := accts[m.AccountID]
		if acct == nil {
			if acct, err = k.emailAccount(ctx, m.AccountID); err != nil {
				return false, err
			}
			acct.Reader = k.readerWith(acct.Settings, readPlain)
			accts[m.AccountID] = acct
		}
		raw, err := r.Attachment(ctx, m.ID, email.RawBlob)
		if errors.Is(err, repo.ErrNotFound) {
			continue // not kept (too big, or over the bounds): stays as it is
		}
		if err != nil {
			return false, err
		}
		w, err := imapsync.Reread(acct, m, raw)
		if err != nil {
			return false, err
		}
		if sec := w.Message.Security; sec.Undecrypted || pgp.AwaitsKey(sec) {
			settled = false // the vault is locked, or the key is not the one
			continue
		}
		if _, err := k.rewrite(ctx, w); err != nil {
			return false, err
		}
	}
	return settled, nil
}

// dropRaw deletes a message's kept raw form unless it is needed still (the message waits for
// a key of the user's to be decrypted, or is an Autocrypt Setup Message).
func dropRaw(ctx context.Context, r *repo.Repo, m model.Message) error {
	if m.Security.Undecrypted || m.Security.SetupMessage {
		return nil
	}
	return r.Update(ctx, []string{repo.Blobs}, func(tx *repo.Tx) error {
		return tx.Delete(repo.Blobs, store.Tuple(m.ID, email.RawBlob))
	})
}

// rewrite stores a message read again in place of the stored one, with the user's marks as
// they are now (flags, box, remote content allowed), and drops its raw form unless the new
// reading keeps it. A message deleted meanwhile stays deleted (written is false).
func (k *keys) rewrite(ctx context.Context, w repo.MessageWrite) (written bool, err error) {
	err = k.a.eng.Repo.Update(ctx, repo.MessageStores, func(tx *repo.Tx) error {
		cur, err := tx.Message(w.Message.ID)
		if errors.Is(err, repo.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		w.Message.Flags, w.Message.Box = cur.Flags, cur.Box
		if cur.Mail != nil && w.Message.Mail != nil {
			w.Message.Mail.RemoteAllowed = cur.Mail.RemoteAllowed
		}
		if err := tx.PutMessageWrite(w); err != nil {
			return err
		}
		written = true
		if w.Blobs[email.RawBlob] == nil {
			return tx.Delete(repo.Blobs, store.Tuple(w.Message.ID, email.RawBlob))
		}
		return nil
	})
	return written, err
}
