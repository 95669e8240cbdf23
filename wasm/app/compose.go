package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	gomail "github.com/emersion/go-message/mail"

	"caliopen/wasm/api"
	"caliopen/wasm/contacts"
	"caliopen/wasm/core"
	"caliopen/wasm/email"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/engine"
	"caliopen/wasm/identity"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/privacy"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/x"
)

// Writing a new message: the recipients (contacts, or addresses and handles typed), the
// channels that reach all of them ranked by privacy with why, and sending on the one chosen
// through the durable outbox.

// maxAttachments bounds what one composed email carries (the browser holds it in memory,
// and most servers refuse more than 25 MB).
const maxAttachments = 25 << 20

// maxXGroup is how many people besides the user an X group conversation may have (X's
// limit is 50 members).
const maxXGroup = 49

func (a *app) registerCompose() {
	c := a.c
	core.Handle(c, api.Suggest, a.suggest)
	core.Handle(c, api.Channels, a.channels)
	core.Handle(c, api.Send, a.send)
	core.Handle(c, api.SaveDraft, a.saveDraft)
	core.Handle(c, api.GetDraft, a.getDraft)
	core.Handle(c, api.DeleteDraft, a.deleteDraft)
	core.Live(c, api.OutboxQuery, a.outboxList, topicAccounts)
	core.Handle(c, api.RetryOutbox, a.retryOutbox)
	core.Handle(c, api.CancelOutbox, a.cancelOutbox)
}

func (a *app) suggest(ctx context.Context, p api.SuggestParams) (api.Suggestions, error) {
	limit := p.Limit
	if limit <= 0 || limit > 50 {
		limit = 8
	}
	found, err := a.eng.FindRecipients(ctx, p.Text, limit)
	if err != nil {
		return api.Suggestions{}, err
	}
	out := api.Suggestions{People: make([]api.Recipient, 0, len(found))}
	for _, r := range found {
		out.People = append(out.People, recipientView(r))
	}
	return out, nil
}

func recipientView(r engine.Recipient) api.Recipient {
	v := api.Recipient{Name: r.Name, Identities: make([]api.RecipientIdentity, 0, len(r.Identities))}
	if r.Contact != "" {
		v.Ref = "contact:" + string(r.Contact)
	} else if len(r.Identities) > 0 {
		v.Ref = string(r.Identities[0].URI)
	}
	for _, id := range r.Identities {
		v.Identities = append(v.Identities, api.RecipientIdentity{URI: id.URI, Label: identityLabel(id)})
	}
	return v
}

// identityLabel writes an identity as people do.
func identityLabel(id model.Identity) string {
	switch id.URI.Network() {
	case model.Mastodon:
		return "@" + id.URI.Address()
	case model.X:
		if id.Handle != "" {
			return "@" + strings.TrimPrefix(id.Handle, "@")
		}
	}
	return id.URI.Address()
}

// resolve understands one recipient: a contact ref, an identity URI, an email address,
// @user@instance (Mastodon) or @handle (X, looked up with the user's X account when no
// identity with that handle is known yet).
func (a *app) resolve(ctx context.Context, ref string) (engine.Recipient, error) {
	ref = strings.TrimSpace(ref)
	bad := api.Errorf("bad_recipient", fmt.Sprintf("%q is not an email address, a Mastodon address (@name@instance) or an X handle (@name).", ref)).With("recipient", ref)
	if id, ok := strings.CutPrefix(ref, "contact:"); ok {
		r, found, err := a.eng.RecipientContact(ctx, contacts.ContactID(id))
		if err != nil {
			return r, err
		}
		if !found || len(r.Identities) == 0 {
			return r, api.Errorf("unknown_recipient", "This contact is gone.").With("recipient", ref)
		}
		return r, nil
	}
	var uri model.IdentityURI
	switch {
	case strings.HasPrefix(ref, "email:") || strings.HasPrefix(ref, "mastodon:") || strings.HasPrefix(ref, "x:"):
		uri = model.IdentityURI(ref)
	case strings.HasPrefix(ref, "@") && strings.Count(ref, "@") == 2:
		acct, err := identity.Mastodon(ref, "")
		if err != nil {
			return engine.Recipient{}, bad
		}
		uri = acct.URI
	case strings.HasPrefix(ref, "@"):
		id, err := a.xIdentity(ctx, ref)
		if err != nil {
			return engine.Recipient{}, err
		}
		uri = id
	default:
		u, err := identity.Email(ref)
		if err != nil {
			return engine.Recipient{}, bad
		}
		uri = u
	}
	return a.eng.RecipientOf(ctx, uri)
}

// xIdentity finds the X user with a handle: among the known identities, else through a
// connected X account.
func (a *app) xIdentity(ctx context.Context, handle string) (model.IdentityURI, error) {
	h, err := identity.XHandle(handle)
	if err != nil {
		return "", api.Errorf("bad_recipient", fmt.Sprintf("%q is not an X handle.", handle)).With("recipient", handle)
	}
	if id, ok, err := a.eng.IdentityByHandle(ctx, model.X, h); err != nil || ok {
		return id.URI, err
	}
	for _, acct := range a.accountsOn(ctx, model.X) {
		xc, ok := a.accts.connection(acct.ID).(*xConn)
		if !ok {
			continue
		}
		u, err := xc.conn.Client.UserByUsername(ctx, h)
		if err != nil {
			return "", api.Errorf("unknown_recipient", "No X user @"+h+" was found: "+err.Error()).With("recipient", "@"+h)
		}
		id := model.Identity{URI: model.NewIdentityURI(model.X, u.ID), DisplayName: u.Name, Handle: "@" + u.Username}
		if err := a.eng.Repo.PutIdentity(ctx, &id); err != nil {
			return "", err
		}
		return id.URI, nil
	}
	return "", api.Errorf("unknown_recipient", "@"+h+" is not known yet, and no X account is connected to look it up.").With("recipient", "@"+h)
}

func (a *app) accountsOn(ctx context.Context, n model.Network) []model.Account {
	accts, _ := a.eng.Repo.AccountList(ctx)
	return slices.DeleteFunc(accts, func(acct model.Account) bool { return acct.Network != n })
}

// channels ranks every channel that reaches every recipient.
func (a *app) channels(ctx context.Context, p api.ChannelsParams) (api.ChannelsView, error) {
	var rs []engine.Recipient
	for _, ref := range p.To {
		if strings.TrimSpace(ref) == "" {
			continue
		}
		r, err := a.resolve(ctx, ref)
		if err != nil {
			return api.ChannelsView{}, err
		}
		rs = append(rs, r)
	}
	bcc, err := bccList(p.Bcc)
	if err != nil {
		return api.ChannelsView{}, err
	}
	out := api.ChannelsView{Recipients: make([]api.Recipient, 0, len(rs)), Channels: []api.Channel{}}
	for _, r := range rs {
		out.Recipients = append(out.Recipients, recipientView(r))
	}
	if len(rs) == 0 {
		return out, nil
	}
	accts, err := a.eng.Repo.AccountList(ctx)
	if err != nil {
		return out, err
	}
	for _, acct := range accts {
		ch, why, ok := a.channel(ctx, acct, accts, rs, bcc)
		if ok {
			out.Channels = append(out.Channels, ch)
		} else {
			out.Unreachable = append(out.Unreachable, why)
		}
	}
	order := map[model.Network]int{model.Email: 0, model.Mastodon: 1, model.X: 2}
	slices.SortStableFunc(out.Channels, func(x, y api.Channel) int {
		if x.Rank != y.Rank {
			return y.Rank - x.Rank
		}
		return order[x.Network] - order[y.Network]
	})
	return out, nil
}

// channel is the way acct reaches every recipient, with its rank and why; ok is false (and
// why says so) when it cannot reach them all.
func (a *app) channel(ctx context.Context, acct model.Account, accts []model.Account, rs []engine.Recipient, bcc []*gomail.Address) (api.Channel, api.Reason, bool) {
	n := acct.Network
	ch := api.Channel{AccountID: acct.ID, Network: n, From: accountLabel(acct)}
	if n != model.Email && len(bcc) > 0 {
		return ch, reason("bcc-email-only", "Only email can send blind copies (Bcc).", "network", string(n)), false
	}
	if n == model.X && len(rs) > maxXGroup {
		return ch, reason("x-group-size", fmt.Sprintf("An X group conversation has at most %d people besides you.", maxXGroup),
			"network", string(n), "max", fmt.Sprint(maxXGroup)), false
	}
	var names []string
	for _, r := range rs {
		var on []model.IdentityURI
		for _, id := range r.Identities {
			if id.URI.Network() == n {
				on = append(on, id.URI)
			}
		}
		if len(on) == 0 {
			return ch, reason("no-identity", fmt.Sprintf("%s has no %s address known.", r.Name, networkName(n)),
				"person", r.Name, "network", string(n)), false
		}
		ch.To = append(ch.To, on[0]) // the contact's first identity on the network (sorted)
		names = append(names, r.Name)
	}
	who := strings.Join(names, ", ")
	ranker := privacy.Ranker{Accounts: accts}
	switch n {
	case model.Email:
		a.emailChannel(ctx, acct, &ch, who, bcc)
		return ch, api.Reason{}, true
	case model.Mastodon:
		ch.Rank = 100
		instances := map[string]bool{instanceOf(acct.Identity): true}
		for _, to := range ch.To {
			rank, _ := ranker.Rank(n, to)
			ch.Rank = min(ch.Rank, rank)
			instances[instanceOf(to)] = true
		}
		hosts := make([]string, 0, len(instances))
		for h := range instances {
			hosts = append(hosts, h)
		}
		slices.Sort(hosts)
		list := strings.Join(hosts, " and ")
		if len(hosts) == 1 {
			ch.Why = reason("mastodon-same", "Mastodon direct message: readable by the admins of "+list+".", "instances", list)
		} else {
			ch.Why = reason("mastodon-cross", "Mastodon direct message: readable by the admins of "+list+".", "instances", list)
		}
	case model.X:
		ch.Rank, _ = ranker.Rank(n, ch.To[0])
		ch.Why = reason("x-dm", "X direct message: readable by X.")
	default:
		return ch, reason("no-network", "Sending on "+string(n)+" is not supported.", "network", string(n)), false
	}
	return ch, api.Reason{}, true
}

// emailChannel ranks email with the OpenPGP send plan: end-to-end encrypted when the user
// and every recipient have keys (verified keys rank highest), else over TLS only.
func (a *app) emailChannel(ctx context.Context, acct model.Account, ch *api.Channel, who string, bcc []*gomail.Address) {
	s, err := email.SettingsFromModel(acct)
	if err != nil {
		s = email.Settings{Address: acct.Identity.Address()}
	}
	d := &smtpsend.Draft{Bcc: bcc}
	for _, to := range ch.To {
		d.To = append(d.To, &gomail.Address{Address: to.Address()})
	}
	pl := a.keys.plan(ctx, s, d)
	view := sendPlanView(pl, s.Address, d.Recipients())
	ch.Plan = &view
	people := privacy.PeopleMap{}
	for _, to := range ch.To {
		st := privacy.KeyNone
		if pl.Keys[strings.ToLower(to.Address())] != nil {
			st = privacy.KeyKnown
			if ck := a.keys.ring.EncryptionKey(to.Address()); ck != nil && ck.Verified {
				st = privacy.KeyVerified
			}
		}
		people[to] = privacy.Person{Key: st}
	}
	ranker := privacy.Ranker{People: people, OwnKey: pl.me != nil}
	ch.Rank = 100
	for _, to := range ch.To {
		rank, _ := ranker.Rank(model.Email, to)
		ch.Rank = min(ch.Rank, rank)
	}
	ch.Encrypted = pl.CanEncrypt && pl.me != nil
	switch {
	case ch.Encrypted && ch.Rank >= privacy.RankEmailVerifiedKey:
		ch.Why = reason("email-verified", "Email, encrypted: "+who+"'s key is verified.", "person", who)
	case ch.Encrypted:
		ch.Why = reason("email-encrypted", "Email, encrypted: "+who+"'s key is known.", "person", who)
	case pl.ReasonCode == "own-key-revoked" || pl.ReasonCode == "own-key-expired":
		ch.Why = reason("email-"+pl.ReasonCode, "Email, not end-to-end encrypted: your key for "+s.Address+" can no longer be used; mail servers can read it.", "address", s.Address)
	case pl.me == nil:
		ch.Why = reason("email-no-own-key", "Email, not end-to-end encrypted: you have no key for "+s.Address+" yet; mail servers can read it.", "address", s.Address)
	case len(pl.Revoked)+len(pl.Expired) > 0:
		unusable := strings.Join(slices.Concat(pl.Revoked, pl.Expired), ", ")
		ch.Why = reason("email-key-unusable", "Email, not end-to-end encrypted: the key of "+unusable+" was revoked or has expired; mail servers can read it.",
			"unusable", unusable, "revoked", strings.Join(pl.Revoked, ", "), "expired", strings.Join(pl.Expired, ", "))
	default:
		missing := strings.Join(pl.Missing, ", ")
		ch.Why = reason("email-no-key", "Email, not end-to-end encrypted: no key is known for "+missing+"; mail servers can read it.", "missing", missing)
	}
}

// bccList reads the blind-copy addresses the user typed.
func bccList(list []string) ([]*gomail.Address, error) {
	var out []*gomail.Address
	for _, b := range list {
		if strings.TrimSpace(b) == "" {
			continue
		}
		a, err := gomail.ParseAddress(strings.TrimSpace(b))
		if err != nil {
			return nil, api.Errorf("bad_recipient", fmt.Sprintf("%q is not an email address.", b)).With("recipient", b)
		}
		out = append(out, a)
	}
	return out, nil
}

func reason(code, text string, params ...string) api.Reason {
	r := api.Reason{Code: code, Text: text}
	for i := 0; i+1 < len(params); i += 2 {
		if r.Params == nil {
			r.Params = map[string]string{}
		}
		r.Params[params[i]] = params[i+1]
	}
	return r
}

func accountLabel(a model.Account) string {
	if a.Label != "" {
		return a.Label
	}
	if a.Network == model.Mastodon {
		return "@" + a.Identity.Address()
	}
	return a.Identity.Address()
}

func networkName(n model.Network) string {
	switch n {
	case model.Email:
		return "email"
	case model.Mastodon:
		return "Mastodon"
	case model.X:
		return "X"
	}
	return string(n)
}

func instanceOf(u model.IdentityURI) string {
	_, host, _ := strings.Cut(u.Address(), "@")
	return strings.ToLower(host)
}

// send queues a new message on the channel chosen.
func (a *app) send(ctx context.Context, p api.SendParams) (api.ReplyResult, error) {
	if strings.TrimSpace(p.Text) == "" {
		return api.ReplyResult{}, api.Errorf(api.CodeBadRequest, "Write something to send.")
	}
	acct, err := a.eng.Repo.Account(ctx, p.AccountID)
	if err != nil {
		return api.ReplyResult{}, api.Errorf(api.CodeNotFound, "This account is gone.")
	}
	var to []model.IdentityURI
	for _, t := range p.To {
		u := model.IdentityURI(strings.TrimSpace(t))
		if u.Network() != acct.Network || u.Address() == "" {
			return api.ReplyResult{}, api.Errorf("bad_recipient", fmt.Sprintf("%q cannot be reached from a %s account.", t, networkName(acct.Network))).With("recipient", t)
		}
		to = append(to, u)
	}
	if len(to) == 0 {
		return api.ReplyResult{}, api.Errorf(api.CodeBadRequest, "Choose who the message goes to.")
	}
	if len(p.Attachments) > 0 && acct.Network != model.Email {
		return api.ReplyResult{}, api.Errorf(api.CodeBadRequest, "Attachments can be sent by email only.")
	}
	var it *repo.OutboxItem
	switch acct.Network {
	case model.Email:
		it, err = a.sendEmail(ctx, acct, to, p)
	case model.Mastodon:
		r := &mastodon.Reply{Text: p.Text}
		for _, u := range to {
			r.To = append(r.To, u.Address())
		}
		it, err = a.accts.enqueueMastodon(ctx, acct, r)
	case model.X:
		out := x.Outgoing{Text: p.Text}
		switch {
		case len(to) == 1:
			out.ParticipantID = to[0].Address()
		case len(to) <= maxXGroup: // a new group conversation
			for _, u := range to {
				out.ParticipantIDs = append(out.ParticipantIDs, u.Address())
			}
		default:
			return api.ReplyResult{}, api.Errorf(api.CodeBadRequest, fmt.Sprintf("An X group conversation has at most %d people besides you.", maxXGroup))
		}
		it, err = x.EnqueueText(ctx, a.eng.Repo, acct.ID, out)
	default:
		err = api.Errorf(api.CodeUnavailable, "Sending on "+string(acct.Network)+" is not supported.")
	}
	if err != nil {
		return api.ReplyResult{}, err
	}
	if p.DraftID != "" {
		if _, err := a.deleteDraft(ctx, api.DraftRef{ID: p.DraftID}); err != nil {
			a.o.Log.Warn("compose: the draft of a queued message stays", "error", err)
		}
	}
	return a.accts.queued(ctx, it), nil
}

func (a *app) sendEmail(ctx context.Context, acct model.Account, to []model.IdentityURI, p api.SendParams) (*repo.OutboxItem, error) {
	settings, err := email.SettingsFromModel(acct)
	if err != nil {
		return nil, err
	}
	d := &smtpsend.Draft{Subject: strings.TrimSpace(p.Subject), Text: p.Text}
	if d.Bcc, err = bccList(p.Bcc); err != nil {
		return nil, err
	}
	for _, u := range to {
		d.To = append(d.To, &gomail.Address{Address: u.Address()})
	}
	if d.Attachments, err = emailAttachments(p.Attachments); err != nil {
		return nil, err
	}
	return a.keys.queueEmail(ctx, acct.ID, settings, d, p.Encrypt)
}

// emailAttachments are the files of a message as an email carries them, with safe names;
// refused when they weigh more than maxAttachments in all.
func emailAttachments(files []api.AttachmentData) ([]smtpsend.Attachment, error) {
	var out []smtpsend.Attachment
	total := 0
	for _, at := range files {
		total += len(at.Data)
		out = append(out, smtpsend.Attachment{Name: fileName(at.Name), ContentType: at.ContentType, Data: at.Data})
	}
	if total > maxAttachments {
		return nil, api.Errorf("too_large", fmt.Sprintf("Attachments may weigh %d MB in all.", maxAttachments>>20))
	}
	return out, nil
}
