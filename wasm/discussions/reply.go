package discussions

import (
	"errors"
	"fmt"
	"slices"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// PrivacyRanker scores how private sending to an identity on a network would be; the
// privacy index implements it. ok is false when it cannot tell.
type PrivacyRanker interface {
	Rank(network model.Network, to model.IdentityURI) (score int, ok bool)
}

// Directory is what reply selection needs of the contact book. *contacts.Book is one.
type Directory interface {
	Resolver
	Contact(contacts.ContactID) (contacts.Contact, bool)
}

// Channel is one way to send a reply: from one of the user's accounts to identities on
// that account's network.
type Channel struct {
	Network model.Network       `json:"network"`
	Account string              `json:"account"` // the user's account id
	From    model.IdentityURI   `json:"from"`
	To      []model.IdentityURI `json:"to"`
}

// ReplyChoice is the channel chosen by default, every channel the user may pick instead,
// and why the default was chosen, in words.
type ReplyChoice struct {
	Default Channel   `json:"default"`
	Options []Channel `json:"options"`
	Reason  string    `json:"reason"`
	// Contact is the known contact of a one-to-one discussion, whose networks are the
	// options; empty when the reply stays on the parent's network.
	Contact contacts.ContactID `json:"contact,omitempty"`
	// Group says several people take part (the reply stays on the parent's network).
	Group bool `json:"group,omitempty"`
}

// ReplyRequest asks how to reply in a discussion.
type ReplyRequest struct {
	Discussion Key
	// Parent is the message replied to; the discussion's last message when empty.
	Parent   string
	Accounts []model.Account
	// Ranker is the privacy index; nil until it exists.
	Ranker PrivacyRanker
}

// ErrNoChannel is returned when none of the user's accounts can reach the discussion.
var ErrNoChannel = errors.New("discussions: no account can send this reply")

// ReplyChannel chooses the reply channel. One-to-one with a known contact: any network on
// which the user has an account and the contact an identity, by default the most private one
// (the ranker decides) or, without a ranker, the network of the contact's last message. A
// group or an unknown correspondent: the network of the message replied to, to all its
// other participants.
func (ix *Index) ReplyChannel(req ReplyRequest, dir Directory) (ReplyChoice, error) {
	d, ok := ix.discussions[req.Discussion]
	if !ok {
		return ReplyChoice{}, fmt.Errorf("discussions: no discussion %s", req.Discussion)
	}
	parent := d.last
	if req.Parent != "" {
		e, ok := ix.messages[req.Parent]
		if !ok || e.set == nil || e.set.disc != d {
			return ReplyChoice{}, fmt.Errorf("discussions: message %s is not in discussion %s", req.Parent, d.key)
		}
		parent = e
	}
	people := ix.participants(d)
	if len(people) == 1 && people[0].Contact != "" {
		if c, ok := dir.Contact(people[0].Contact); ok {
			if choice, ok := ix.oneToOne(d, c, req); ok {
				return choice, nil
			}
		}
	}
	return sameNetwork(parent.msg, req.Accounts, dir, len(people) > 1)
}

func (ix *Index) oneToOne(d *discussion, c contacts.Contact, req ReplyRequest) (ReplyChoice, bool) {
	var options []Channel
	for _, a := range req.Accounts {
		for _, u := range c.Identities {
			if u.Network() == a.Network {
				options = append(options, Channel{Network: a.Network, Account: a.ID, From: a.Identity, To: []model.IdentityURI{u}})
			}
		}
	}
	if len(options) == 0 {
		return ReplyChoice{}, false
	}
	slices.SortFunc(options, func(a, b Channel) int {
		if a.Network != b.Network {
			return compare(string(a.Network), string(b.Network))
		}
		return compare(string(a.To[0]), string(b.To[0]))
	})
	choice := ReplyChoice{Options: options, Contact: c.ID}
	if req.Ranker != nil {
		best, bestScore := -1, 0
		for i, o := range options {
			if s, ok := req.Ranker.Rank(o.Network, o.To[0]); ok && (best < 0 || s > bestScore) {
				best, bestScore = i, s
			}
		}
		if best >= 0 {
			choice.Default = options[best]
			choice.Reason = fmt.Sprintf("%s is the most private way to reach %s (privacy score %d).",
				networkName(options[best].Network), c.Name, bestScore)
			return choice, true
		}
	}
	// Without a ranker: where the contact last wrote from.
	last := ix.lastFrom(d, c.Identities)
	if last != nil {
		for _, o := range options {
			if o.Network == last.Network && o.To[0] == last.From() {
				choice.Default = o
				choice.Reason = fmt.Sprintf("%s last wrote to you by %s.", c.Name, networkName(o.Network))
				return choice, true
			}
		}
	}
	choice.Default = options[0]
	choice.Reason = fmt.Sprintf("%s can be reached on %s from your %s account.", c.Name,
		networkName(options[0].Network), networkName(options[0].Network))
	return choice, true
}

// lastFrom is the latest message of the discussion written by one of the identities.
func (ix *Index) lastFrom(d *discussion, ids []model.IdentityURI) *model.Message {
	var best *entry
	for _, s := range d.sets {
		for _, e := range s.msgs {
			if slices.Contains(ids, e.msg.From()) {
				best = later(best, e)
			}
		}
	}
	if best == nil {
		return nil
	}
	return best.msg
}

func sameNetwork(parent *model.Message, accounts []model.Account, dir Directory, group bool) (ReplyChoice, error) {
	var ch Channel
	for _, a := range accounts {
		if a.Network != parent.Network {
			continue
		}
		if ch.Account == "" || parent.AccountID == a.ID {
			ch = Channel{Network: a.Network, Account: a.ID, From: a.Identity}
		}
	}
	if ch.Account == "" {
		return ReplyChoice{}, fmt.Errorf("%w: no %s account", ErrNoChannel, parent.Network)
	}
	for _, u := range replyRecipients(parent) {
		if !dir.IsOwn(u) && u != ch.From && !slices.Contains(ch.To, u) {
			ch.To = append(ch.To, u)
		}
	}
	why := "the correspondent is not a known contact"
	if group {
		why = "several people take part"
	}
	return ReplyChoice{
		Default: ch, Options: []Channel{ch}, Group: group,
		Reason: fmt.Sprintf("The reply stays on %s, the network of the message you answer, because %s.",
			networkName(ch.Network), why),
	}, nil
}

// replyRecipients are the people a "reply all" goes to: the Reply-To addresses (or the
// author), then every To and Cc recipient (a list's posting address among them).
func replyRecipients(m *model.Message) []model.IdentityURI {
	var out []model.IdentityURI
	for _, p := range m.Participants {
		if p.Role == model.RoleReplyTo {
			out = append(out, p.URI)
		}
	}
	if len(out) == 0 {
		out = append(out, m.From())
	}
	for _, p := range m.Participants {
		if p.Role == model.RoleTo || p.Role == model.RoleCc {
			out = append(out, p.URI)
		}
	}
	return slices.DeleteFunc(out, func(u model.IdentityURI) bool { return u == "" })
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

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
