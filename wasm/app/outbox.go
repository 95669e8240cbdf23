package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime"
	"strings"

	"github.com/emersion/go-message/textproto"

	"caliopen/wasm/api"
	"caliopen/wasm/email"
	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/mail"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/x"
)

// The outbox as the user sees it: what waits, what is going out, what failed (to retry or
// cancel), and the last few sent.

// sentShown is how many sent items the outbox keeps showing.
const sentShown = 5

// previewLen bounds an item's preview, in characters.
const previewLen = 140

func (a *app) outboxList(ctx context.Context, _ api.Empty) (api.OutboxView, error) {
	out := api.OutboxView{Items: []api.OutboxEntry{}}
	states := []repo.OutboxState{repo.Failed, repo.Sending, repo.Queued, repo.Sent}
	// One snapshot: the dispatcher moves items between states while they are listed.
	snap, err := a.eng.Repo.OutboxSnapshot(ctx, map[repo.OutboxState]int{repo.Failed: 200, repo.Sending: 200, repo.Queued: 200, repo.Sent: sentShown})
	if err != nil {
		return out, err
	}
	for _, st := range states {
		for _, it := range snap[st] {
			e := outboxEntry(it)
			for i, to := range e.To {
				// An X user is known by handle, not by id.
				if id, err := a.eng.Repo.Identity(ctx, model.IdentityURI(to)); err == nil && id.Handle != "" {
					e.To[i] = identityLabel(id)
				}
			}
			out.Items = append(out.Items, e)
		}
	}
	return out, nil
}

// outboxEntry describes an item from its payload: recipients, subject, the start of the text.
func outboxEntry(it repo.OutboxItem) api.OutboxEntry {
	e := api.OutboxEntry{ID: it.ID, AccountID: it.AccountID, Network: it.Network, State: it.State, Attempts: it.Attempts,
		LastError: it.LastError, LastErrorCode: it.LastErrorCode, LastErrorParams: it.LastErrorParams, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, To: []string{}, Deferred: it.Deferred}
	if it.State == repo.Queued {
		e.NextAttempt = it.NextAttempt
	}
	switch it.Network {
	case model.Email:
		env, err := smtpsend.UnmarshalEnvelope(it.Payload)
		if err != nil {
			return e
		}
		e.To = env.Rcpt
		e.Subject, e.Encrypted, e.Preview = describeMail(env.Raw)
	case model.Mastodon:
		var r mastodon.Reply
		if json.Unmarshal(it.Payload, &r) == nil {
			for _, to := range r.To {
				e.To = append(e.To, "@"+strings.TrimPrefix(to, "@"))
			}
			e.Preview = clip(r.Text)
		}
	case model.X:
		var o x.Outgoing
		if json.Unmarshal(it.Payload, &o) == nil {
			if o.ParticipantID != "" {
				e.To = append(e.To, string(model.NewIdentityURI(model.X, o.ParticipantID)))
			}
			e.Preview = clip(o.Text)
		}
	}
	return e
}

// describeMail reads a queued mail's subject and text; an encrypted one shows neither (its
// subject travels inside, the outside one is a placeholder).
func describeMail(raw []byte) (subject string, encrypted bool, preview string) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return "", false, ""
	}
	if t, _, _ := mime.ParseMediaType(h.Get("Content-Type")); t == "multipart/encrypted" {
		return "", true, ""
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		subject = h.Get("Subject")
	}
	if p, err := mail.Parse(raw); err == nil {
		preview = clip(p.Body.Text)
	}
	return subject, false, preview
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > previewLen {
		return string(r[:previewLen-1]) + "…"
	}
	return s
}

func (a *app) retryOutbox(ctx context.Context, p api.OutboxRef) (api.Empty, error) {
	it, err := a.eng.Repo.OutboxItem(ctx, p.ID)
	if err != nil {
		return api.Empty{}, api.Errorf(api.CodeNotFound, "This message is no longer in the outbox.")
	}
	if it.State != repo.Failed && it.State != repo.Queued {
		return api.Empty{}, api.Errorf("outbox_busy", "This message is being sent or was sent.")
	}
	if err := a.eng.Repo.Requeue(ctx, p.ID); err != nil {
		return api.Empty{}, err
	}
	a.accts.queued(ctx, &it)
	return api.Empty{}, nil
}

func (a *app) cancelOutbox(ctx context.Context, p api.OutboxRef) (api.Empty, error) {
	it, err := a.eng.Repo.OutboxItem(ctx, p.ID)
	if err == nil && it.State == repo.Elsewhere {
		return api.Empty{}, errSentElsewhere
	}
	if err == nil && (it.State == repo.Queued || it.State == repo.Failed) {
		if err := a.sync.cancelTurn(ctx, p.ID); err != nil {
			return api.Empty{}, err
		}
	}
	err = a.eng.Repo.CancelOutbox(ctx, p.ID)
	switch {
	case errors.Is(err, repo.ErrNotFound):
		return api.Empty{}, api.Errorf(api.CodeNotFound, "This message is no longer in the outbox.")
	case errors.Is(err, repo.ErrOutboxBusy):
		return api.Empty{}, api.Errorf("outbox_busy", "This message is being sent or was sent.")
	case err != nil:
		return api.Empty{}, err
	}
	a.accts.changed(ctx, topicAccounts)
	return api.Empty{}, nil
}

// outboxFailure names why an item was not sent, in the words the user sees in the outbox (the
// error's code is translated there): the server's refusal of the message, a password or
// certificate only the user can fix, the relay's refusal, the network's refusal, or the
// connection.
func outboxFailure(it *repo.OutboxItem, err error) error {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae
	}
	switch it.Network {
	case model.Mastodon:
		return mastodonError(err, "instance_unreachable", "The instance could not be reached: ")
	case model.X:
		return xError(err)
	}
	var refused *smtpsend.PermanentError
	switch {
	case email.NeedsUser(err):
		return connectError(err)
	case errors.As(err, &refused):
		return api.Errorf("send_refused", "The server refused this message: "+err.Error()).With("detail", err.Error())
	}
	return tunnelError(err, "send_failed", "It could not be sent: ")
}
