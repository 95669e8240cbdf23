//go:build !js

package app

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/model"
)

// Replying to Bob, one contact on email, Mastodon and X: the picker offers the three
// networks, most private first with why, whichever message is answered; a reply to his X
// message sent on Mastodon answers his latest Mastodon message, one sent by email goes on
// his email thread; a channel not offered is refused. A group mail keeps its network.
func TestReplyChannels(t *testing.T) {
	w := newSocialWorld(t)
	w.im.Append(t, "alice", "INBOX", []byte("From: Carol <carol@example.org>\r\nTo: alice@example.test, dan@example.org\r\n"+
		"Subject: picnic\r\nDate: Mon, 2 Nov 2026 11:00:00 +0000\r\nMessage-ID: <g1@example.org>\r\n\r\nsunday?\r\n"))
	s := startSocialUser(t, w)
	follow(s.u, &s.ids, "discussions.page", api.DiscussionsArgs{}, "Bob's and Carol's messages", func(p api.DiscussionsPage) bool {
		return len(p.Items) == 3
	})
	s.must("contacts.link", api.LinkParams{Identities: []model.IdentityURI{"email:bob@example.org", "mastodon:bob@remote.example"}}, nil)
	page := follow(s.u, &s.ids, "discussions.page", api.DiscussionsArgs{}, "Bob in one discussion", func(p api.DiscussionsPage) bool {
		return slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return hasNetworks(d, model.Email, model.Mastodon, model.X) })
	})
	var bobKey, groupKey string
	for _, d := range page.Items {
		if len(d.Networks) == 3 {
			bobKey = d.Key
		} else {
			groupKey = d.Key
		}
	}
	view := follow(s.u, &s.ids, "discussion.messages", api.DiscussionArgs{Key: bobKey}, "Bob's three messages", func(v api.DiscussionView) bool {
		return len(v.Messages) == 3
	})
	byNet := map[model.Network]model.Message{}
	for _, m := range view.Messages {
		byNet[m.Message.Network] = m.Message
	}

	// Whichever message is answered, the same three channels: email over TLS (40) >
	// Mastodon across instances (33) > X (15); the default says why.
	for _, parent := range byNet {
		var rc api.ReplyChannelsView
		s.must("message.replyChannels", api.ReplyChannelsParams{MessageID: parent.ID}, &rc)
		var nets []model.Network
		for _, c := range rc.Channels {
			nets = append(nets, c.Network)
		}
		if !slices.Equal(nets, []model.Network{model.Email, model.Mastodon, model.X}) || rc.Channels[0].Rank != 40 ||
			rc.Why.Code != "reply-most-private" || rc.Why.Params["person"] != "Bob" || rc.Why.Params["network"] != "email" ||
			rc.ParentAccountID != parent.AccountID {
			t.Fatalf("reply to the %s message: %+v", parent.Network, rc)
		}
	}

	// The X message answered on Mastodon: a reply to Bob's Mastodon message.
	var rc api.ReplyChannelsView
	s.must("message.replyChannels", api.ReplyChannelsParams{MessageID: byNet[model.X].ID}, &rc)
	on := func(n model.Network) api.Channel {
		return rc.Channels[slices.IndexFunc(rc.Channels, func(c api.Channel) bool { return c.Network == n })]
	}
	m := on(model.Mastodon)
	s.must("message.reply", api.ReplyParams{MessageID: byNet[model.X].ID, Text: "answered on Mastodon", AccountID: m.AccountID, To: m.To}, nil)
	e := on(model.Email)
	s.must("message.reply", api.ReplyParams{MessageID: byNet[model.X].ID, Text: "answered by email", AccountID: e.AccountID, To: e.To}, nil)
	s.ids++
	if err := s.u.call(s.ids, "message.reply", api.ReplyParams{MessageID: byNet[model.X].ID, Text: "nowhere", AccountID: m.AccountID,
		To: []model.IdentityURI{"mastodon:carol@remote.example"}}, nil); err == nil || err.Code != "bad_channel" {
		t.Fatalf("a channel not offered: %v", err)
	}
	s.ids++
	if err := s.u.call(s.ids, "message.reply", api.ReplyParams{MessageID: byNet[model.X].ID, Text: "a file", AccountID: m.AccountID, To: m.To,
		Attachments: []api.AttachmentData{{Name: "a.txt", Data: []byte("a")}}}, nil); err == nil || err.Code != api.CodeBadRequest {
		t.Fatalf("attachments on Mastodon: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	var mastodonOK, mailOK bool
	for time.Now().Before(deadline) && !(mastodonOK && mailOK) {
		for _, st := range w.masto.StatusesBy(w.mAlice) {
			if strings.Contains(st.Content, "answered on Mastodon") {
				mastodonOK = st.Visibility == "direct" && st.InReplyToID != nil && *st.InReplyToID == byNet[model.Mastodon].RemoteID &&
					len(st.Mentions) == 1 && st.Mentions[0].Acct == "bob@remote.example"
			}
		}
		for _, mail := range w.sm.Messages() {
			if slices.Contains(mail.To, "bob@example.org") && bytes.Contains(mail.Data, []byte("answered by email")) {
				mailOK = bytes.Contains(mail.Data, []byte("In-Reply-To: <d1@example.org>")) && bytes.Contains(mail.Data, []byte("Subject: Re: dinner"))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !mastodonOK || !mailOK {
		t.Fatalf("replies elsewhere: Mastodon %v, email %v", mastodonOK, mailOK)
	}

	// Carol wrote to Alice and Dan: the reply stays on email, and says why.
	group := follow(s.u, &s.ids, "discussion.messages", api.DiscussionArgs{Key: groupKey}, "Carol's mail", func(v api.DiscussionView) bool {
		return len(v.Messages) == 1
	})
	s.must("message.replyChannels", api.ReplyChannelsParams{MessageID: group.Messages[0].Message.ID}, &rc)
	if len(rc.Channels) != 1 || rc.Channels[0].Network != model.Email || rc.Why.Code != "reply-group" {
		t.Fatalf("a group's reply channels: %+v", rc)
	}
}
