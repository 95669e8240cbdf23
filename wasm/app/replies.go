package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"caliopen/wasm/api"
	"caliopen/wasm/discussions"
	"caliopen/wasm/engine"
	"caliopen/wasm/model"
	"caliopen/wasm/privacy"
)

// The reply channel (DESIGN.md §3): one-to-one with a known contact, a reply may go out on
// any network where the user has an account and the contact an identity, by default the
// most private (ranked as the composer ranks channels: email by its OpenPGP send plan,
// Mastodon by instance, X last); with several people or an unknown correspondent it stays
// on the network of the message answered. On the parent's own channel the reply answers it
// in its conversation; on another it answers the latest message of the discussion on that
// channel (an email thread goes on), or starts one.

// replyChannels offers the channels of a reply to a message, the default first.
func (a *app) replyChannels(ctx context.Context, p api.ReplyChannelsParams) (api.ReplyChannelsView, error) {
	parent, err := a.eng.Repo.Message(ctx, p.MessageID)
	if err != nil {
		return api.ReplyChannelsView{}, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	_, view, err := a.replyOptions(ctx, parent)
	return view, err
}

func (a *app) replyOptions(ctx context.Context, parent model.Message) (engine.ReplyOptions, api.ReplyChannelsView, error) {
	view := api.ReplyChannelsView{ParentAccountID: parent.AccountID, Channels: []api.Channel{}}
	accts, err := a.eng.Repo.AccountList(ctx)
	if err != nil {
		return engine.ReplyOptions{}, view, err
	}
	opts, err := a.eng.ReplyOptions(ctx, parent.ID, accts)
	if errors.Is(err, discussions.ErrNoChannel) {
		return opts, view, api.Errorf("no_channel", "None of your accounts can send a reply to this message.")
	}
	if err != nil {
		return opts, view, err
	}
	for _, o := range opts.Options {
		i := slices.IndexFunc(accts, func(acct model.Account) bool { return acct.ID == o.Account })
		if i < 0 {
			continue
		}
		if ch, ok := a.replyChannel(ctx, accts[i], accts, o, opts.Person, parent); ok {
			view.Channels = append(view.Channels, ch)
		}
	}
	if len(view.Channels) == 0 {
		return opts, view, api.Errorf("no_channel", "None of your accounts can send a reply to this message.")
	}
	order := map[model.Network]int{model.Email: 0, model.Mastodon: 1, model.X: 2}
	slices.SortStableFunc(view.Channels, func(x, y api.Channel) int {
		return cmp.Or(y.Rank-x.Rank, cmp.Compare(btoi(x.AccountID != parent.AccountID), btoi(y.AccountID != parent.AccountID)),
			order[x.Network]-order[y.Network])
	})
	best := view.Channels[0]
	network := networkName(best.Network)
	switch {
	case opts.Contact != "" && len(view.Channels) > 1:
		view.Why = reason("reply-most-private", fmt.Sprintf("%s is the most private way to reach %s (privacy %d/100).", network, opts.Person, best.Rank),
			"person", opts.Person, "network", string(best.Network), "rank", strconv.Itoa(best.Rank))
	case opts.Contact != "":
		view.Why = reason("reply-only-network", fmt.Sprintf("%s is the only network where you and %s both have an account.", network, opts.Person),
			"person", opts.Person, "network", string(best.Network))
	case opts.Group:
		view.Why = reason("reply-group", fmt.Sprintf("Several people take part: the reply stays on %s, the network of the message you answer.", network),
			"network", string(best.Network))
	default:
		who := parent.From().Address()
		view.Why = reason("reply-unknown", fmt.Sprintf("%s is not among your contacts: the reply stays on %s, the network of the message you answer.", who, network),
			"person", who, "network", string(best.Network))
	}
	return opts, view, nil
}

// replyChannel ranks one channel a reply may take, as the composer ranks it. The parent's
// own channel is always offered, even where the composer could not start a conversation
// (an X group conversation).
func (a *app) replyChannel(ctx context.Context, acct model.Account, accts []model.Account, o discussions.Channel, person string, parent model.Message) (api.Channel, bool) {
	var rs []engine.Recipient
	for _, u := range o.To {
		name := person
		if name == "" {
			name = u.Address()
		}
		rs = append(rs, engine.Recipient{Name: name, Identities: []model.Identity{{URI: u}}})
	}
	if len(rs) > 0 {
		if ch, _, ok := a.channel(ctx, acct, accts, rs, nil); ok {
			return ch, true
		}
	}
	if acct.ID != parent.AccountID {
		return api.Channel{}, false
	}
	ch := api.Channel{AccountID: acct.ID, Network: acct.Network, From: accountLabel(acct), To: o.To, Rank: 100}
	ranker := privacy.Ranker{Accounts: accts}
	for _, u := range o.To {
		if r, ok := ranker.Rank(acct.Network, u); ok {
			ch.Rank = min(ch.Rank, r)
		}
	}
	if len(o.To) == 0 {
		ch.Rank = 0
	}
	ch.Why = reason("same-conversation", "The conversation of the message you answer.", "network", string(acct.Network))
	return ch, true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// replyElsewhere sends a reply on a channel other than the parent's: it answers the latest
// message of the discussion on that channel, or starts a conversation there.
func (m *accounts) replyElsewhere(ctx context.Context, parent model.Message, p api.ReplyParams) (api.ReplyResult, error) {
	a := m.a
	opts, view, err := a.replyOptions(ctx, parent)
	if err != nil {
		return api.ReplyResult{}, err
	}
	i := slices.IndexFunc(view.Channels, func(c api.Channel) bool { return c.AccountID == p.AccountID && slices.Equal(c.To, p.To) })
	if i < 0 || len(p.To) != 1 {
		return api.ReplyResult{}, api.Errorf("bad_channel", "This reply cannot go out on the channel chosen.")
	}
	ch := view.Channels[i]
	anchor, ok, err := a.eng.LatestWith(ctx, opts.Discussion, ch.AccountID, ch.To[0])
	if err != nil {
		return api.ReplyResult{}, err
	}
	if ok {
		q := p
		q.MessageID, q.AccountID, q.To, q.All = anchor.ID, "", nil, false
		if anchor.Network != model.Mastodon {
			q.ContentWarning = nil
		}
		return m.reply(ctx, q)
	}
	send := api.SendParams{AccountID: ch.AccountID, To: []string{string(ch.To[0])}, Text: p.Text, Encrypt: p.Encrypt, Attachments: p.Attachments}
	if ch.Network == model.Email && parent.Subject != "" {
		send.Subject = replySubject(parent.Subject)
	}
	return a.send(ctx, send)
}
