package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"maps"
	"slices"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"caliopen/wasm/api"
	"caliopen/wasm/core"
	"caliopen/wasm/email"
	"caliopen/wasm/email/imapsync"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// The user's say on messages: read or unread, starred, archived, back in the inbox, in the
// trash. Each change goes to the message's network where the network keeps such a state:
//
//	email     IMAP flags and folders, through the account's durable queue of changes
//	          (imapsync.Syncer.Record): at once when connected, else at the next connection
//	Mastodon  a conversation read is marked read on the instance; the rest (unread again,
//	          starred, archived, trashed) stays with the user: the API has no such state
//	X         nothing: X's API has no read state (nor archive) for direct messages, so all of
//	          it stays with the user
//
// Every change is logged in the operation log (repo.MessageStateOp) in the transaction that
// makes it here, for the user's other devices.

func (a *app) registerMessages(c *core.Core) {
	core.Handle(c, api.SetMessageState, a.setMessageState)
	core.Handle(c, api.SetNetwork, a.accts.network)
}

func (a *app) setMessageState(ctx context.Context, p api.MessageStateParams) (api.Empty, error) {
	if len(p.IDs) == 0 || p.Seen == nil && p.Flagged == nil && p.Move == "" {
		return api.Empty{}, api.Errorf(api.CodeBadRequest, "Name the messages and what to change.")
	}
	if _, ok := moveBoxes[p.Move]; p.Move != "" && !ok {
		return api.Empty{}, api.Errorf(api.CodeBadRequest, "Messages move to the archive, the inbox or the trash.")
	}
	msgs, err := a.eng.Copies(ctx, p.IDs)
	if err != nil {
		return api.Empty{}, err
	}
	if len(msgs) == 0 {
		return api.Empty{}, api.Errorf(api.CodeNotFound, "These messages are not stored on this device.")
	}
	byAccount := map[string][]model.Message{}
	var order []string
	for _, m := range msgs {
		if byAccount[m.AccountID] == nil {
			order = append(order, m.AccountID)
		}
		byAccount[m.AccountID] = append(byAccount[m.AccountID], m)
	}
	var errs []error
	for _, id := range order {
		acct, err := a.eng.Repo.Account(ctx, id)
		switch {
		case err != nil:
			errs = append(errs, api.Errorf(api.CodeNotFound, "The account of these messages is gone."))
		case acct.Network == model.Email:
			errs = append(errs, a.accts.emailState(ctx, acct, byAccount[id], p))
		default:
			errs = append(errs, a.accts.directState(ctx, acct, byAccount[id], p))
		}
	}
	return api.Empty{}, errors.Join(errs...)
}

// flagsChange reports whether p changes m's flags.
func flagsChange(m model.Message, p api.MessageStateParams) bool {
	return p.Seen != nil && m.Flags.Seen != *p.Seen || p.Flagged != nil && m.Flags.Flagged != *p.Flagged
}

// moving returns the messages a move files. Into the archive: those in the inbox, or, in a
// discussion of sent mail alone, the sent mail; an email already sent stays in Sent while
// the mail it answers is archived. Back in the inbox: the archived ones. To the trash: all.
func moving(msgs []model.Message, move string) []model.Message {
	var out []model.Message
	switch move {
	case repo.MoveArchive:
		for _, m := range msgs {
			if m.Box == model.BoxInbox {
				out = append(out, m)
			}
		}
		if len(out) == 0 {
			for _, m := range msgs {
				if m.Box == model.BoxSent {
					out = append(out, m)
				}
			}
		}
	case repo.MoveInbox:
		for _, m := range msgs {
			if m.Box == model.BoxArchive {
				out = append(out, m)
			}
		}
	case repo.MoveTrash:
		for _, m := range msgs {
			if m.Box != model.BoxTrash {
				out = append(out, m)
			}
		}
	}
	return out
}

// Where each move files messages: the folder role of an email, the box of a direct message.
var (
	moveRoles = map[string]imapsync.Role{repo.MoveArchive: imapsync.RoleArchive, repo.MoveInbox: imapsync.RoleInbox, repo.MoveTrash: imapsync.RoleTrash}
	moveBoxes = map[string]model.Box{repo.MoveArchive: model.BoxArchive, repo.MoveInbox: model.BoxInbox, repo.MoveTrash: model.BoxTrash}
)

// emailState records the change in the account's queue of changes for its server.
func (m *accounts) emailState(ctx context.Context, acct model.Account, msgs []model.Message, p api.MessageStateParams) error {
	op := repo.MessageStateOp{Seen: p.Seen, Flagged: p.Flagged, Move: p.Move}
	var flagged, moved []string
	for _, msg := range msgs {
		if flagsChange(msg, p) {
			flagged = append(flagged, msg.ID)
			op.Messages = append(op.Messages, repo.RefOf(msg))
		}
	}
	for _, msg := range moving(msgs, p.Move) {
		moved = append(moved, msg.ID)
		if !slices.Contains(flagged, msg.ID) {
			op.Messages = append(op.Messages, repo.RefOf(msg))
		}
	}
	s, err := m.emailSyncer(acct)
	if err != nil {
		return err
	}
	logged := &op // logged with the first change recorded
	if len(flagged) > 0 {
		fc := imapsync.FlagChange{Seen: p.Seen, Flagged: p.Flagged}
		if err := s.Record(ctx, flagged, imapsync.Change{Flags: fc}, logged); err != nil {
			return err
		}
		logged = nil
	}
	if len(moved) > 0 {
		return s.Record(ctx, moved, imapsync.Change{MoveTo: moveRoles[p.Move]}, logged)
	}
	return nil
}

// emailSyncer is the running account's syncer, or (in a tab that does not run it) one that
// only records: the leader tab's pushes what it finds recorded at its next look.
func (m *accounts) emailSyncer(acct model.Account) (*imapsync.Syncer, error) {
	m.mu.Lock()
	r := m.running[acct.ID]
	m.mu.Unlock()
	if c, ok := r.connection().(*emailConn); ok {
		return c.conn.Syncer, nil
	}
	settings, err := email.SettingsFromModel(acct)
	if err != nil {
		return nil, err
	}
	return &imapsync.Syncer{Account: &email.Account{ID: acct.ID, Settings: settings}, Repo: m.a.eng.Repo}, nil
}

// directState changes direct messages here (their networks keep no such state, but for a
// Mastodon conversation read).
func (m *accounts) directState(ctx context.Context, acct model.Account, msgs []model.Message, p api.MessageStateParams) error {
	moved := map[string]bool{}
	for _, msg := range moving(msgs, p.Move) {
		moved[msg.ID] = true
	}
	change := func(msg *model.Message) bool {
		changed := flagsChange(*msg, p)
		if p.Seen != nil {
			msg.Flags.Seen = *p.Seen
		}
		if p.Flagged != nil {
			msg.Flags.Flagged = *p.Flagged
		}
		if moved[msg.ID] {
			changed, msg.Box = true, moveBoxes[p.Move]
		}
		return changed
	}
	op := repo.MessageStateOp{Seen: p.Seen, Flagged: p.Flagged, Move: p.Move}
	var ids []string
	read := map[string]bool{} // Mastodon conversations read
	for _, msg := range msgs {
		if c := msg; change(&c) {
			ids = append(ids, msg.ID)
			op.Messages = append(op.Messages, repo.RefOf(msg))
			if p.Seen != nil && *p.Seen && !msg.Flags.Seen && msg.ConversationID != "" {
				read[msg.ConversationID] = true
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := m.a.eng.Repo.ChangeMessages(ctx, ids, change, op); err != nil {
		return err
	}
	if acct.Network == model.Mastodon && len(read) > 0 {
		m.markMastodonRead(acct.ID, read)
	}
	return nil
}

// markMastodonRead marks conversations read on the instance, in the background. Done offline
// or before the connection opened, it is not tried again: the instance keeps them unread
// until one is read again here, or on another client.
func (m *accounts) markMastodonRead(accountID string, conversations map[string]bool) {
	m.mu.Lock()
	r := m.running[accountID]
	m.mu.Unlock()
	c, ok := r.connection().(*mastodonConn)
	if !ok {
		return
	}
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return
	}
	go func() {
		for _, id := range slices.Sorted(maps.Keys(conversations)) {
			if err := conn.MarkRead(m.a.ctx, id); err != nil {
				m.a.o.Log.Info("accounts: Mastodon conversation not marked read on the instance", "account", accountID, "error", err)
			}
		}
	}()
}

// answered sets \Answered on the mail a sent email replies to (its In-Reply-To, in the
// sending account), as mail clients do once the reply went out.
func (m *accounts) answered(ev outbox.Event) {
	if !ev.Sent || ev.Item.Network != model.Email {
		return
	}
	env, err := smtpsend.UnmarshalEnvelope(ev.Item.Payload)
	if err != nil {
		return
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(env.Raw)))
	if err != nil {
		return
	}
	mh := mail.Header{Header: message.Header{Header: h}}
	parents, err := mh.MsgIDList("In-Reply-To")
	if err != nil || len(parents) == 0 {
		return
	}
	ctx := m.a.ctx
	var ids []string
	for _, id := range parents {
		found, _ := m.a.eng.Repo.MessagesByMessageID(ctx, id)
		for _, msg := range found {
			if msg.AccountID == ev.Item.AccountID && !msg.Flags.Answered {
				ids = append(ids, msg.ID)
			}
		}
	}
	if len(ids) == 0 {
		return
	}
	acct, err := m.a.eng.Repo.Account(ctx, ev.Item.AccountID)
	if err != nil {
		return
	}
	s, err := m.emailSyncer(acct)
	if err == nil {
		err = s.Record(ctx, ids, imapsync.Change{Flags: imapsync.FlagChange{Answered: imapsync.Bool(true)}}, nil)
	}
	if err != nil {
		m.a.o.Log.Warn("accounts: the answered mail not marked", "error", err)
	}
}
