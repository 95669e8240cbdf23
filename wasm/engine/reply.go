package engine

import (
	"context"
	"slices"

	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/privacy"
)

// ReplyOptions is how a message may be answered: the channels the discussion's rules allow
// (discussions.ReplyChannel: every network shared with a known contact of a one-to-one
// discussion, else the parent's network), and the contact's name when there is one.
type ReplyOptions struct {
	discussions.ReplyChoice
	Discussion discussions.Key
	Person     string // the contact's name (one-to-one), else ""
}

// ReplyOptions returns how the message parentID may be answered from the accounts.
func (e *Engine) ReplyOptions(ctx context.Context, parentID string, accts []model.Account) (ReplyOptions, error) {
	if err := e.lock(ctx); err != nil {
		return ReplyOptions{}, err
	}
	defer e.unlock()
	key, ok := e.index.DiscussionOf(parentID)
	if !ok {
		return ReplyOptions{}, discussions.ErrNoChannel
	}
	ranker := privacy.Ranker{People: people{e}, Accounts: accts, OwnKey: e.ownKey()}
	choice, err := e.index.ReplyChannel(discussions.ReplyRequest{Discussion: key, Parent: parentID, Accounts: accts, Ranker: ranker}, e.book)
	if err != nil {
		return ReplyOptions{}, err
	}
	out := ReplyOptions{ReplyChoice: choice, Discussion: key}
	if c, ok := e.book.Contact(choice.Contact); ok {
		out.Person = c.Name
	}
	return out, nil
}

// LatestWith returns the latest message of a discussion that went through the account and
// names the identity: what a reply on that channel answers, to stay in its conversation.
func (e *Engine) LatestWith(ctx context.Context, key discussions.Key, accountID string, who model.IdentityURI) (model.Message, bool, error) {
	if err := e.lock(ctx); err != nil {
		return model.Message{}, false, err
	}
	defer e.unlock()
	msgs := e.index.Messages(key)
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.AccountID == accountID && slices.ContainsFunc(m.Participants, func(p model.Participant) bool { return p.URI == who }) {
			return m, true, nil
		}
	}
	return model.Message{}, false, nil
}
