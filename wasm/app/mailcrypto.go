package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"maps"
	"mime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message/textproto"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/api"
	"caliopen/wasm/autocrypt"
	"caliopen/wasm/email"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/store/repo"
)

// wkdTimeout bounds the Web Key Directory lookups of one plan.
const wkdTimeout = 10 * time.Second

// readMode says what a reader does besides decrypting and verifying.
type readMode int

const (
	// readLearning is a message's reading as fetched (or decrypted at last): the Autocrypt
	// state learns from it, and a message signed by a key not held is kept to be verified
	// again (unverified.go).
	readLearning readMode = iota
	// readPlain reads a stored message again for its signature: nothing is learnt or kept.
	readPlain
)

// reader reads an account's fetched mail: decrypted and verified with the unlocked keys,
// the Autocrypt state updated from its headers (and the gossip inside), the attachments of
// a decrypted message kept (the server cannot give them back decrypted), and the raw
// message kept when no key opened it yet, or when its signature waits for a key.
func (k *keys) reader(s email.Settings) email.Reader { return k.readerWith(s, readLearning) }

func (k *keys) readerWith(s email.Settings, mode readMode) email.Reader {
	return func(raw []byte) (email.Reading, error) {
		o, err := pgp.Open(raw, k.openingKeys())
		if err != nil {
			return email.Reading{}, err
		}
		if mode == readLearning {
			changed := k.learn(s, raw, o)
			if pgp.AwaitsKey(o.Security) && slices.Contains(changed, o.Sender) &&
				slices.ContainsFunc(k.heldFor(o.Sender), o.Issuer.Matches) {
				// The message brought its signer's key itself (its Autocrypt header), now the
				// sender's: it is read with that key known, as the next ones will be.
				if again, err := pgp.Open(raw, k.openingKeys()); err == nil {
					o = again
				}
			}
		}
		p := o.Parsed
		read := email.Reading{Parsed: p, Blobs: p.AttachmentData}
		keepRaw := false
		if isSetupMessage(raw, s) { // kept whole: its key is imported with the setup code
			p.Message.Security.SetupMessage = true
			read.Blobs, keepRaw = nil, true
		}
		if o.Security.Undecrypted {
			if k.vault.Locked() {
				p.Message.Security.Notes, p.Message.Security.Note = nil, ""
				p.Message.Security.AddNote(pgp.LockedNote())
			}
			read.Blobs, keepRaw = nil, true
		}
		if mode == readLearning && pgp.AwaitsKey(o.Security) && k.hunt.keep(s, raw, o) {
			keepRaw = true
		}
		if keepRaw {
			read.Blobs = maps.Clone(read.Blobs)
			if read.Blobs == nil {
				read.Blobs = map[string][]byte{}
			}
			read.Blobs[email.RawBlob] = raw
		}
		return read, nil
	}
}

// openingKeys are the keys messages are read with now.
func (k *keys) openingKeys() pgp.Keys {
	return pgp.Keys{Own: k.secretKeys(), Contacts: k.ring, Autocrypt: k.peers}
}

// learn updates the Autocrypt state from a received message (Level 1: every incoming
// message counts). The state follows the outer From, the address the Autocrypt header must
// name, never a From claimed inside; gossip counts only from a decrypted message whose
// signature verified (pgp.Open keeps it only then). It returns the addresses whose key
// changed.
func (k *keys) learn(s email.Settings, raw []byte, o *pgp.Opened) []string {
	m := &o.Parsed.Message
	from := o.Sender
	if from == "" || s.Own(from) {
		return nil
	}
	in := autocrypt.Incoming{From: from, Date: m.Date, Autocrypt: o.Parsed.Autocrypt, Gossip: o.Gossip, Report: isReport(raw)}
	for _, p := range m.Participants {
		if p.Role == model.RoleTo || p.Role == model.RoleCc {
			in.Recipients = append(in.Recipients, p.URI.Address())
		}
	}
	touched := []string{from}
	if len(in.Gossip) > 0 {
		touched = append(touched, in.Recipients...)
	}
	keyOf := func(a string) []byte {
		p, _ := k.peers.Peer(a)
		return p.Key()
	}
	before := make([][]byte, len(touched))
	for i, a := range touched {
		before[i] = keyOf(a)
	}
	k.peers.Update(in, time.Now())
	var changed []string
	for i, a := range touched {
		if !bytes.Equal(keyOf(a), before[i]) {
			changed = append(changed, a)
		}
	}
	// This message is graded with the new key state as it is stored; the discussions that
	// name its sender are regraded with the next save of the state.
	k.forgetStates(false, changed...)
	k.regradeLater(changed...)
	k.peersChanged()
	return changed
}

// isReport says whether the message is a delivery or read report (multipart/report), which
// Autocrypt ignores.
func isReport(raw []byte) bool {
	h, err := readHeader(raw)
	if err != nil {
		return false
	}
	t, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return t == "multipart/report"
}

// readHeader reads a raw message's header.
func readHeader(raw []byte) (textproto.Header, error) {
	return textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
}

// retrySoon reads again, in the background, the messages that waited for a key.
func (k *keys) retrySoon() {
	go func() {
		if n, err := k.retry(k.a.ctx); err != nil && k.a.ctx.Err() == nil {
			k.a.o.Log.Error("keys: reading waiting messages", "error", err, "decrypted", n)
		}
	}()
}

// retry decrypts the stored messages no key opened before (they arrived while the keys were
// locked, or before the key was imported), from their kept raw form. It pages through the
// messages' metadata, never loading the mailbox at once.
func (k *keys) retry(ctx context.Context) (int, error) {
	if len(k.secretKeys()) == 0 {
		return 0, nil
	}
	k.retryMu.Lock()
	defer k.retryMu.Unlock()
	r := k.a.eng.Repo
	accts := map[string]*email.Account{}
	done := 0
	var errs []error
	for page := (repo.Page{Limit: 500}); ; {
		msgs, next, err := r.AllMessages(ctx, page)
		if err != nil {
			return done, err
		}
		for _, m := range msgs {
			if !m.Security.Undecrypted || m.Network != model.Email {
				continue
			}
			ok, err := k.reread(ctx, accts, m)
			if ok {
				done++
			}
			errs = append(errs, err)
		}
		if next == "" {
			return done, errors.Join(errs...)
		}
		page.After = next
	}
}

// reread decrypts one waiting message; ok is false when still no key opens it.
func (k *keys) reread(ctx context.Context, accts map[string]*email.Account, m model.Message) (ok bool, err error) {
	r := k.a.eng.Repo
	acct := accts[m.AccountID]
	if acct == nil {
		if acct, err = k.emailAccount(ctx, m.AccountID); err != nil {
			return false, err
		}
		accts[m.AccountID] = acct
	}
	raw, err := r.Attachment(ctx, m.ID, email.RawBlob)
	if err != nil {
		return false, err
	}
	w, err := imapsync.Reread(acct, m, raw)
	if err != nil || w.Message.Security.Undecrypted {
		return false, err
	}
	return k.rewrite(ctx, w)
}

// plan is how a message from the account s will be sent.
type plan struct {
	pgp.SendPlan
	me *pgp.SecretKey // the user's key for the sender address, nil when none is unlocked
}

// plan decides whether d will be encrypted. Recipients without a key known here are looked
// up in their Web Key Directory first (through the tunnel; answers cached).
func (k *keys) plan(ctx context.Context, s email.Settings, d *smtpsend.Draft) plan {
	recipients := d.Recipients()
	k.lookupKeys(ctx, s, recipients)
	p := plan{me: k.secretFor(s.Address)}
	p.SendPlan = pgp.Plan(pgp.PlanInput{Recipients: recipients, Contacts: k.ring, Autocrypt: k.peers, Self: s.Address,
		OwnPreference: k.preference(), ReplyToEncrypted: d.Parent != nil && d.Parent.Security.Encrypted}, time.Now())
	if p.me == nil {
		p.Encrypt, p.CanEncrypt = false, false
		switch k.ownProblem(s.Address) {
		case pgp.ProblemRevoked:
			p.ReasonCode, p.Reason = "own-key-revoked", "Not encrypted: your key for "+s.Address+" was revoked (make or import a new one under Keys)."
		case pgp.ProblemExpired:
			p.ReasonCode, p.Reason = "own-key-expired", "Not encrypted: your key for "+s.Address+" has expired (make or import a new one under Keys)."
		default:
			p.ReasonCode, p.Reason = "no-own-key", "Not encrypted: you have no key for "+s.Address+" yet (create or import one under Keys)."
		}
	}
	return p
}

// lookupKeys asks the Web Key Directories of the recipients for whom no usable key is known,
// in parallel, and keeps the keys found.
func (k *keys) lookupKeys(ctx context.Context, s email.Settings, recipients []string) {
	if k.a.accts.dialer() == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, wkdTimeout)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var found []string
	for _, r := range recipients {
		if s.Own(r) || k.ring.EncryptionKey(r) != nil || k.hasAutocryptKey(r) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, err := k.wkd.Lookup(ctx, r)
			if err != nil {
				return
			}
			pubs, err := pgp.ParsePublicKeys(data)
			if err != nil {
				return
			}
			for _, pub := range pubs {
				k.ring.Add(r, pub, pgp.SourceWKD)
			}
			if len(pubs) > 0 {
				mu.Lock()
				found = append(found, r)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(found) > 0 {
		if err := k.saveContacts(ctx, found...); err != nil {
			k.a.o.Log.Error("keys: cannot save keys found in Web Key Directories", "error", err)
		}
	}
}

func (k *keys) hasAutocryptKey(addr string) bool {
	p, ok := k.peers.Peer(addr)
	return ok && len(p.Key()) > 0
}

// planReply answers the composer: how a reply would be sent.
func (k *keys) planReply(ctx context.Context, p api.ReplyParams) (api.SendPlan, error) {
	parent, err := k.a.eng.Repo.Message(ctx, p.MessageID)
	if err != nil {
		return api.SendPlan{}, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	if parent.Network != model.Email {
		return api.SendPlan{Reason: "Not encrypted: end-to-end encryption is for email.", ReasonCode: "not-email", Recipients: []api.PlanRecipient{}}, nil
	}
	d, s, err := k.a.accts.emailReplyDraft(ctx, parent, p)
	if err != nil {
		return api.SendPlan{}, err
	}
	return sendPlanView(k.plan(ctx, s, d), s.Address, d.Recipients()), nil
}

// sendPlanView is a plan as the composer shows it.
func sendPlanView(pl plan, sender string, recipients []string) api.SendPlan {
	out := api.SendPlan{Encrypt: pl.Encrypt, CanEncrypt: pl.CanEncrypt, Reason: pl.Reason, ReasonCode: pl.ReasonCode, Sender: sender,
		Missing: pl.Missing, Revoked: pl.Revoked, Expired: pl.Expired, NoKey: pl.NoKey(),
		Recommendation: string(pl.Recommendation), Recipients: []api.PlanRecipient{}}
	for _, r := range recipients {
		pr := api.PlanRecipient{Address: strings.ToLower(r)}
		if key := pl.Keys[pr.Address]; key != nil {
			pr.Fingerprint = key.Fingerprint()
		}
		out.Recipients = append(out.Recipients, pr)
	}
	return out
}

// queueEmail puts an email in the account's outbox: with the Autocrypt header when the user
// has a key for the sender address, encrypted and signed (to every recipient and to the
// user) when the plan says so or the user asks, else as written. choice overrides the plan.
// The account need not run in this tab: the outbox is shared, and the tab that syncs sends.
func (k *keys) queueEmail(ctx context.Context, accountID string, s email.Settings, d *smtpsend.Draft, choice *bool) (*repo.OutboxItem, error) {
	if d.From == nil {
		d.From = &gomail.Address{Name: s.Name, Address: s.Address}
	}
	if err := k.ensureOwnKey(ctx, s); err != nil { // every mail carries the sender's key
		k.a.o.Log.Error("keys: no key could be made for the sender", "address", s.Address, "error", err)
	}
	p := k.plan(ctx, s, d)
	encrypt := p.Encrypt
	if choice != nil {
		if *choice && !p.CanEncrypt {
			return nil, api.Errorf("cannot_encrypt", p.Reason)
		}
		encrypt = *choice
	}
	if p.me == nil {
		return k.queuePlain(ctx, accountID, d)
	}
	header, err := pgp.AutocryptHeader(p.me, k.preference())
	if err != nil {
		return nil, err
	}
	if !encrypt {
		if d.ExtraHeaders == nil {
			d.ExtraHeaders = map[string]string{}
		}
		d.ExtraHeaders["Autocrypt"] = header
		return k.queuePlain(ctx, accountID, d)
	}
	env, err := encryptedEnvelope(d, p, header)
	if err != nil {
		return nil, err
	}
	return outbox.Enqueue(ctx, k.a.eng.Repo, accountID, env)
}

// queuePlain puts d, as written, in the account's outbox.
func (k *keys) queuePlain(ctx context.Context, accountID string, d *smtpsend.Draft) (*repo.OutboxItem, error) {
	env, err := smtpsend.Compose(d)
	if err != nil {
		return nil, err
	}
	return outbox.Enqueue(ctx, k.a.eng.Repo, accountID, env)
}

// encryptedEnvelope writes d as PGP/MIME, encrypted to the plan's keys and the sender's,
// signed by the sender; a message to several recipients carries their keys as Autocrypt
// gossip inside. To and Cc get one message, encrypted to their keys; each Bcc recipient gets
// a copy encrypted to their key alone (an OpenPGP message names the keys it is encrypted to,
// so one message for all would show the Bcc recipients' keys to everyone), naming them as
// Bcc inside; the Sent folder gets a copy encrypted to the sender alone that names every Bcc
// recipient.
func encryptedEnvelope(d *smtpsend.Draft, p plan, autocryptHeader string) (*smtpsend.Envelope, error) {
	out := pgp.Outgoing{From: d.From, To: d.To, Cc: d.Cc, Subject: d.Subject, Date: d.Date,
		MessageID: strings.Trim(smtpsend.NewMessageID(domainOf(d.From.Address)), "<>"),
		Text:      d.Text, HTML: d.HTML, Autocrypt: autocryptHeader}
	if out.Date.IsZero() {
		out.Date = time.Now() // one date for every copy
	}
	if irt, refs := smtpsend.ReplyHeaders(d.Parent); irt != "" {
		out.InReplyTo = []string{strings.Trim(irt, "<>")}
		for _, r := range refs {
			out.References = append(out.References, strings.Trim(r, "<>"))
		}
	}
	for _, a := range d.Attachments {
		out.Attachments = append(out.Attachments, pgp.Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data})
	}
	visible := slices.Concat(d.To, d.Cc)
	if len(visible) > 1 {
		for _, a := range visible {
			addr := strings.ToLower(a.Address)
			if key := p.Keys[addr]; key != nil {
				if kd, err := key.Bytes(); err == nil {
					out.Gossip = append(out.Gossip, autocrypt.Header{Addr: addr, KeyData: kd}.GossipString())
				}
			}
		}
	}
	// build writes one copy: naming bcc inside, encrypted to the keys of to (and the sender's).
	build := func(bcc, to []*gomail.Address) ([]byte, error) {
		m := out
		m.Bcc = bcc
		var keys []*pgp.PublicKey
		for _, a := range to {
			if key := p.Keys[strings.ToLower(a.Address)]; key != nil && !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		}
		return pgp.BuildEncrypted(m, p.me, keys)
	}
	env := &smtpsend.Envelope{MessageID: "<" + out.MessageID + ">", From: d.From.Address}
	if len(visible) > 0 {
		raw, err := build(nil, visible)
		if err != nil {
			return nil, err
		}
		env.Rcpt, env.Raw = addresses(visible), raw
	}
	for _, b := range d.Bcc {
		one := []*gomail.Address{b}
		raw, err := build(one, one)
		if err != nil {
			return nil, err
		}
		env.Copies = append(env.Copies, smtpsend.Copy{Rcpt: addresses(one), Raw: raw})
	}
	if len(d.Bcc) > 0 {
		sent, err := build(d.Bcc, nil)
		if err != nil {
			return nil, err
		}
		env.Sent = sent
	}
	if len(env.Rcpt) == 0 && len(env.Copies) > 0 { // Bcc only: the first copy leads
		env.Rcpt, env.Raw, env.Copies = env.Copies[0].Rcpt, env.Copies[0].Raw, env.Copies[1:]
	}
	return env, nil
}

func addresses(list []*gomail.Address) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(d)
}
