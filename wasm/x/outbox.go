package x

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"caliopen/wasm/email/smtpsend"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Outgoing is the payload of an X outbox item.
type Outgoing struct {
	// ConversationID is the conversation to post to. For a one-to-one conversation it may
	// be empty when ParticipantID is set (a first message creates the conversation).
	ConversationID string `json:"conversationId,omitempty"`
	ParticipantID  string `json:"participantId,omitempty"`
	// ParticipantIDs start a new group conversation with these people (and the user).
	ParticipantIDs []string `json:"participantIds,omitempty"`
	Text           string   `json:"text"`
}

// EnqueueText queues a message for an X account in the durable outbox.
func EnqueueText(ctx context.Context, r *repo.Repo, accountID string, out Outgoing) (*repo.OutboxItem, error) {
	if out.Text == "" || out.ConversationID == "" && out.ParticipantID == "" && len(out.ParticipantIDs) < 2 {
		return nil, errors.New("x: a message needs text and a conversation or a recipient")
	}
	payload, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	return r.Enqueue(ctx, &repo.OutboxItem{AccountID: accountID, Network: model.X, IdempotencyKey: "x-" + hex.EncodeToString(key), Payload: payload})
}

// OutboxHandler sends an X account's outbox items; it implements the outbox Dispatcher's
// Handler, so one dispatcher runs every network.
//
// No double send on retry: X has no idempotency key. So before sending an item again it looks
// in the conversation for an event from the user with the same text created after the item
// was queued (skew allowed), not already acknowledged for another item, and acknowledges that
// one instead. "Again" means after any attempt that may have reached X: a lost answer, a
// server error, a crash (an item left in doubt). Attempts X put off with its rate limit do not
// count (the dispatcher gives them back as deferred), so they neither skip nor cause a look-up,
// whatever came before them. Limits: a conversation with the same text sent twice from another
// client in that window may be taken for ours; the look-up costs one lookup request and the
// events read.
type OutboxHandler struct {
	Client *Client
	SelfID string
	// Repo, when set, receives the sent message at once and is read for the event ids other
	// items were acknowledged with.
	Repo *repo.Repo
	// Skew is the clock difference allowed between this device and X; default 2 minutes.
	Skew time.Duration
}

// Send posts a claimed item, after checking that an earlier attempt did not already succeed.
func (h *OutboxHandler) Send(ctx context.Context, it *repo.OutboxItem) (string, error) {
	var out Outgoing
	if err := json.Unmarshal(it.Payload, &out); err != nil {
		return "", &smtpsend.PermanentError{Err: err}
	}
	// Attempts counts this one: more than one means an earlier attempt may have gone out.
	if it.Attempts > 1 {
		if id, sent, err := h.check(ctx, it, out); err != nil || sent {
			return id, err
		}
	}
	var s Sent
	var err error
	switch {
	case out.ConversationID == "" && len(out.ParticipantIDs) > 0:
		s, err = h.Client.CreateGroup(ctx, out.ParticipantIDs, out.Text)
	case out.ConversationID == "" || isOneToOne(out.ConversationID):
		to := out.ParticipantID
		if to == "" {
			to = otherOf(out.ConversationID, h.SelfID)
		}
		s, err = h.Client.SendToUser(ctx, to, out.Text)
	default:
		s, err = h.Client.SendToConversation(ctx, out.ConversationID, out.Text)
	}
	if err != nil {
		return "", classify(err)
	}
	h.storeCopy(ctx, it, s, out)
	return s.EventID, nil
}

// Check says whether an in-doubt item already went out.
func (h *OutboxHandler) Check(ctx context.Context, it *repo.OutboxItem) (bool, error) {
	var out Outgoing
	if err := json.Unmarshal(it.Payload, &out); err != nil {
		return false, err
	}
	_, sent, err := h.check(ctx, it, out)
	return sent, err
}

func (h *OutboxHandler) check(ctx context.Context, it *repo.OutboxItem, out Outgoing) (string, bool, error) {
	conv := out.ConversationID
	if conv == "" && out.ParticipantID != "" {
		conv = oneToOneID(h.SelfID, out.ParticipantID)
	} // else a group this send was to create: looked for among all the user's events
	skew := h.Skew
	if skew == 0 {
		skew = 2 * time.Minute
	}
	s, found, err := h.Client.FindSent(ctx, conv, h.SelfID, out.Text, it.CreatedAt.Add(-skew), h.ackedIDs(ctx, it))
	if err != nil || !found {
		return "", false, err
	}
	h.storeCopy(ctx, it, s, out)
	return s.EventID, true, nil
}

// ackedIDs are the event ids other items of the account were acknowledged with.
func (h *OutboxHandler) ackedIDs(ctx context.Context, self *repo.OutboxItem) map[string]bool {
	if h.Repo == nil {
		return map[string]bool{}
	}
	ids, _ := h.Repo.SentRemoteIDs(ctx, self.AccountID, self.ID)
	return ids
}

// storeCopy stores the sent message so it shows before the next sync (best effort: the sync
// stores it anyway).
func (h *OutboxHandler) storeCopy(ctx context.Context, it *repo.OutboxItem, s Sent, out Outgoing) {
	if h.Repo == nil || s.EventID == "" {
		return
	}
	now := time.Now()
	e := DMEvent{ID: s.EventID, EventType: "MessageCreate", Text: out.Text, CreatedAt: now, ConversationID: s.ConversationID, SenderID: h.SelfID}
	events := []DMEvent{e}
	if len(out.ParticipantIDs) > 0 { // a new group: its members are the people named
		events = append(events, DMEvent{EventType: "ParticipantsJoin", ConversationID: s.ConversationID, ParticipantIDs: out.ParticipantIDs})
	}
	members := membersOf(h.SelfID, events)[s.ConversationID]
	m, body := toMessage(it.AccountID, h.SelfID, e, nil, nil, members, now)
	h.Repo.SaveMessage(ctx, m, body)
}

// classify marks refusals that a retry cannot fix as permanent for the dispatcher (it then
// fails the item for the user to retry instead of knocking again).
func classify(err error) error {
	var ae *APIError
	if errors.As(err, &ae) && ae.Status >= 400 && ae.Status < 500 && ae.Status != http.StatusTooManyRequests {
		return &smtpsend.PermanentError{Err: err}
	}
	if errors.Is(err, ErrSignInAgain) {
		return &smtpsend.PermanentError{Err: err}
	}
	return err
}

// oneToOneID is X's id of the conversation between two users: "{smaller}-{larger}".
func oneToOneID(a, b string) string {
	if idLess(b, a) {
		a, b = b, a
	}
	return a + "-" + b
}
