//go:build !js

package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/mastodonfake"
	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/api"
	"caliopen/wasm/model"
)

// What a Mastodon or X message carries beyond its text, through the app: a content warning
// (hidden text, kept by a reply unless the user changes it), sensitive media with their alt
// text, downloaded through the connector; an X attachment that X does not let this app
// download, refused with that reason; a reply longer than the instance accepts, refused
// before it is queued; and "try now" on an X account.
func TestMastodonAndXContent(t *testing.T) {
	w := newSocialWorld(t)
	alt := "A grey cat asleep on a keyboard"
	cw := w.masto.Post(mastodonfake.Post{Author: w.mBob, To: []string{w.mAlice}, Text: "the end of the film", SpoilerText: "spoilers ahead",
		Media: []mastodonfake.MediaAttachment{{ID: "91", Type: "image", URL: w.masto.BaseURL + "/media/cat.jpg", Description: &alt}}})
	w.xf.AddMedia(xfake.Media{Key: "3_55", Type: "photo", URL: "https://ton.twitter.com/1.1/ton/data/dm/1/2/cat.jpg", AltText: "a cat"})
	xEvent := w.xf.AddEvent(xfake.Event{Text: "look", ConversationID: xfake.OneToOneID("1001", "1002"), SenderID: "1002", MediaKeys: []string{"3_55"}})
	s := startSocialUser(t, w)
	u, ids, must := s.u, &s.ids, s.must

	page := follow(u, ids, "discussions.page", api.DiscussionsArgs{}, "Bob's discussion", func(p api.DiscussionsPage) bool {
		return slices.ContainsFunc(p.Items, func(d api.DiscussionItem) bool { return hasNetworks(d, model.Mastodon, model.X) && d.Count == 4 })
	})
	var key string
	for _, d := range page.Items {
		if hasNetworks(d, model.Mastodon, model.X) {
			key = d.Key
		}
	}
	view := follow(u, ids, "discussion.messages", api.DiscussionArgs{Key: key}, "the messages", func(v api.DiscussionView) bool { return len(v.Messages) == 4 })
	var warned, withMedia model.Message
	for _, m := range view.Messages {
		switch m.Message.RemoteID {
		case cw.ID:
			warned = m.Message
		case xEvent:
			withMedia = m.Message
		}
	}
	if warned.ContentWarning != "spoilers ahead" || warned.Snippet != "" || !warned.Sensitive {
		t.Fatalf("the message behind a content warning: %+v", warned)
	}
	var body api.BodyView
	must("message.body", api.MessageBodyParams{ID: warned.ID}, &body)
	if len(body.Attachments) != 1 || body.Attachments[0].Description != alt || body.Attachments[0].Unavailable != "" {
		t.Fatalf("Mastodon attachment: %+v", body.Attachments)
	}
	var data api.AttachmentData
	must("message.attachment", api.AttachmentParams{MessageID: warned.ID, AttachmentID: "91"}, &data)
	if string(data.Data) != "media:cat.jpg" || data.Name != "cat.jpg" || data.ContentType != "image/jpeg" {
		t.Fatalf("Mastodon media: %+v", data)
	}

	must("message.body", api.MessageBodyParams{ID: withMedia.ID}, &body)
	if len(body.Attachments) != 1 || body.Attachments[0].Unavailable != model.AttachmentNeedsOAuth1 || body.Attachments[0].Description != "a cat" ||
		body.Attachments[0].Name != "cat.jpg" {
		t.Fatalf("X attachment: %+v", body.Attachments)
	}
	s.ids++
	if e := u.call(s.ids, "message.attachment", api.AttachmentParams{MessageID: withMedia.ID, AttachmentID: "3_55"}, nil); e == nil ||
		e.Code != "attachment_unavailable" || e.Params["reason"] != model.AttachmentNeedsOAuth1 {
		t.Fatalf("X media: %+v (want attachment_unavailable, not a misleading not_connected)", e)
	}

	// Replies keep the content warning unless the user changes it.
	empty := ""
	must("message.reply", api.ReplyParams{MessageID: warned.ID, Text: "no spoilers please"}, nil)
	must("message.reply", api.ReplyParams{MessageID: warned.ID, Text: "plain answer", ContentWarning: &empty}, nil)
	warnings := map[string]string{}
	deadline := time.Now().Add(15 * time.Second)
	for len(warnings) < 2 && time.Now().Before(deadline) {
		for _, st := range w.masto.StatusesBy(w.mAlice) {
			for _, text := range []string{"no spoilers please", "plain answer"} {
				if strings.Contains(st.Content, text) {
					warnings[text] = st.SpoilerText
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	if w1, ok := warnings["no spoilers please"]; !ok || w1 != "spoilers ahead" || warnings["plain answer"] != "" {
		t.Fatalf("content warnings of the replies: %q", warnings)
	}

	// Over the instance's limit: refused before it is queued, with the numbers.
	outbox := func() api.OutboxView {
		return follow(u, ids, "outbox.list", api.Empty{}, "the outbox", func(api.OutboxView) bool { return true })
	}
	before := outbox()
	s.ids++
	e := u.call(s.ids, "message.reply", api.ReplyParams{MessageID: warned.ID, Text: strings.Repeat("long ", 120)}, nil)
	if e == nil || e.Code != "too_long" || e.Params["max"] != "500" || e.Params["instance"] != "fake.example" || e.Params["length"] == "" {
		t.Fatalf("an over-long reply: %+v", e)
	}
	if after := outbox(); len(after.Items) != len(before.Items) {
		t.Fatal("the over-long reply was queued")
	}

	// "Try now" reaches X's poller (its waking is tested in wasm/x); an account that is not
	// running here says so.
	must("accounts.retry", api.AccountRef{ID: s.xview.ID}, nil)
	s.ids++
	if e := u.call(s.ids, "accounts.retry", api.AccountRef{ID: "nobody"}, nil); e == nil || e.Code != "not_connected" {
		t.Fatalf("retrying an unknown account: %+v", e)
	}
}
