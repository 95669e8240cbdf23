//go:build !js

package app

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/shared/fakes/xfake"
	"caliopen/wasm/api"
	"caliopen/wasm/model"
	"caliopen/wasm/pgp"
	"caliopen/wasm/store/repo"
)

// A new message to Bob, who is one contact across email, Mastodon and X: the picker offers
// the three channels, most private first and each with why, and each one sends: an email, a
// Mastodon direct status that mentions him, an X message that opens a conversation with him.
func TestComposeOnEveryNetwork(t *testing.T) {
	w := newSocialWorld(t)
	s := startSocialUser(t, w)
	follow(s.u, &s.ids, "discussions.page", api.DiscussionsArgs{}, "Bob's messages", func(p api.DiscussionsPage) bool {
		return len(p.Items) == 2
	})
	s.must("contacts.link", api.LinkParams{Identities: []model.IdentityURI{"email:bob@example.org", "mastodon:bob@remote.example"}}, nil)
	var sugg api.Suggestions
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s.must("compose.suggest", api.SuggestParams{Text: "bo"}, &sugg)
		if len(sugg.People) == 1 && len(sugg.People[0].Identities) == 3 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(sugg.People) != 1 || !strings.HasPrefix(sugg.People[0].Ref, "contact:") || len(sugg.People[0].Identities) != 3 {
		t.Fatalf("suggestions: %+v", sugg)
	}
	bob := sugg.People[0]
	labels := []string{}
	for _, id := range bob.Identities {
		labels = append(labels, id.Label)
	}
	if !slices.Contains(labels, "@bob@remote.example") || !slices.Contains(labels, "@bob_t") || !slices.Contains(labels, "bob@example.org") {
		t.Fatalf("Bob's identities: %v", labels)
	}

	var ch api.ChannelsView
	s.must("compose.channels", api.ChannelsParams{To: []string{bob.Ref}}, &ch)
	var nets []model.Network
	var codes []string
	for _, c := range ch.Channels {
		nets = append(nets, c.Network)
		codes = append(codes, c.Why.Code)
	}
	// No OpenPGP key of the user's: email over TLS (40) > Mastodon across instances (33) > X (15).
	if !slices.Equal(nets, []model.Network{model.Email, model.Mastodon, model.X}) ||
		!slices.Equal(codes, []string{"email-no-own-key", "mastodon-cross", "x-dm"}) ||
		ch.Channels[0].Rank != 40 || ch.Channels[1].Rank != 33 || ch.Channels[2].Rank != 15 {
		t.Fatalf("channels: %+v", ch.Channels)
	}
	if ch.Channels[1].Why.Params["instances"] != "fake.example and remote.example" || ch.Channels[0].Plan == nil {
		t.Fatalf("reasons: %+v", ch.Channels)
	}
	// Two people, one with an email address only: the other networks drop out, with why.
	s.must("compose.channels", api.ChannelsParams{To: []string{bob.Ref, "carol@example.org"}}, &ch)
	if len(ch.Channels) != 1 || ch.Channels[0].Network != model.Email || len(ch.Channels[0].To) != 2 {
		t.Fatalf("channels to two: %+v", ch)
	}
	why := map[string]bool{}
	for _, r := range ch.Unreachable {
		why[r.Code] = true
	}
	if !why["no-identity"] {
		t.Fatalf("unreachable: %+v", ch.Unreachable)
	}
	// Two people on X: a new group conversation with both, the message its first.
	w.xf.AddUser(xfake.User{ID: "1003", Name: "Dana", Username: "dana_x"})
	s.must("compose.channels", api.ChannelsParams{To: []string{bob.Ref, "@dana_x"}}, &ch)
	group := slices.IndexFunc(ch.Channels, func(c api.Channel) bool { return c.Network == model.X })
	if group < 0 || len(ch.Channels[group].To) != 2 {
		t.Fatalf("channels to Bob and Dana: %+v", ch)
	}
	s.must("message.send", api.SendParams{AccountID: ch.Channels[group].AccountID, To: idStrings(ch.Channels[group].To), Text: "dinner for three?"}, nil)
	s.ids++
	if e := s.u.call(s.ids, "compose.channels", api.ChannelsParams{To: []string{"not an address"}}, nil); e == nil || e.Code != "bad_recipient" {
		t.Fatalf("a bad recipient: %v", e)
	}

	s.must("compose.channels", api.ChannelsParams{To: []string{bob.Ref}}, &ch)
	for _, c := range ch.Channels {
		s.must("message.send", api.SendParams{AccountID: c.AccountID, To: idStrings(c.To), Subject: "Plans", Text: "new on " + string(c.Network)}, nil)
	}
	deadline = time.Now().Add(20 * time.Second)
	var mastoSent, xSent, xGroupSent, mailSent bool
	for time.Now().Before(deadline) && !(mastoSent && xSent && xGroupSent && mailSent) {
		for _, st := range w.masto.StatusesBy(w.mAlice) {
			if strings.Contains(st.Content, "new on mastodon") {
				mastoSent = st.Visibility == "direct" && st.InReplyToID == nil && len(st.Mentions) == 1 && st.Mentions[0].Acct == "bob@remote.example"
			}
		}
		for _, e := range w.xf.Events(xfake.OneToOneID("1001", "1002")) {
			xSent = xSent || (e.Text == "new on x" && e.SenderID == "1001")
		}
		xGroupSent = xGroupSent || slices.ContainsFunc(w.xf.Events(""), func(e xfake.Event) bool {
			return e.Text == "dinner for three?" && slices.Equal(w.xf.Participants(e.ConversationID), []string{"1001", "1002", "1003"})
		})
		for _, m := range w.sm.Messages() {
			mailSent = mailSent || (slices.Contains(m.To, "bob@example.org") && bytes.Contains(m.Data, []byte("new on email")))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !mastoSent || !xSent || !xGroupSent || !mailSent {
		t.Fatalf("sent: Mastodon %v, X %v, X group %v, email %v", mastoSent, xSent, xGroupSent, mailSent)
	}
	// Attachments are for email.
	s.ids++
	if e := s.u.call(s.ids, "message.send", api.SendParams{AccountID: s.mview.ID, To: []string{"mastodon:bob@remote.example"}, Text: "x",
		Attachments: []api.AttachmentData{{Name: "a.txt", Data: []byte("a")}}}, nil); e == nil {
		t.Fatal("an attachment was accepted on Mastodon")
	}
}

func idStrings(ids []model.IdentityURI) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}

// A new encrypted email with an attachment to a contact whose key is known: the channel says
// it will be encrypted and why, the draft is sealed (in the vault before the user has a key,
// then to their own key) and comes back, the mail goes out PGP/MIME with the attachment
// inside, and the outbox shows what failed for the user to retry or cancel.
func TestComposeEncryptedWithDraftsAndOutbox(t *testing.T) {
	tuning.outboxBackoff = 100 * time.Millisecond
	t.Cleanup(func() { tuning.outboxBackoff = 0 })
	u := newMailUser(t, relayOptions{})
	camille, err := pgp.Generate("Camille", "camille@example.net")
	if err != nil {
		t.Fatal(err)
	}
	camillePub, _ := camille.Public()
	armored, _ := camillePub.Armored()
	u.must("keys.import", api.ImportKeyParams{Armored: armored}, nil)

	// No key of the user's yet: the draft is sealed in the vault, not stored as written.
	draft := api.DraftView{ID: "compose", To: []string{"camille@example.net"}, Bcc: []string{"boss@example.test"}, Subject: "Figures", Text: "the confidential figures",
		Attachments: []api.AttachmentData{{Name: "figures.csv", ContentType: "text/csv", Data: []byte("confidential,1.2M\n")}}}
	var saved api.DraftSaved
	u.must("drafts.save", draft, &saved)
	if saved.Sealed != "vault" {
		t.Fatalf("saved: %+v", saved)
	}
	stored, err := u.repo.Draft(u.ctx, "compose")
	if err != nil || strings.Contains(stored.Text+stored.Subject, "confidential") {
		t.Fatalf("stored draft: %+v %v", stored, err)
	}
	var ch api.ChannelsView
	u.must("compose.channels", api.ChannelsParams{To: []string{"camille@example.net"}}, &ch)
	if len(ch.Channels) != 1 || ch.Channels[0].Encrypted || ch.Channels[0].Why.Code != "email-no-own-key" {
		t.Fatalf("channels without a key of the user's: %+v", ch.Channels)
	}

	var key api.KeyView
	u.must("keys.generate", api.GenerateKeyParams{Address: "alice@example.test", Name: "Alice"}, &key)
	u.must("drafts.save", draft, &saved)
	if saved.Sealed != "pgp" {
		t.Fatalf("saved with a key: %+v", saved)
	}
	stored, _ = u.repo.Draft(u.ctx, "compose")
	if !strings.HasPrefix(stored.Text, "-----BEGIN PGP MESSAGE-----") || strings.Contains(stored.Text, "confidential") || strings.Contains(stored.Text, "boss") {
		t.Fatalf("stored draft: %+v", stored)
	}
	var back api.DraftView
	u.must("drafts.get", api.DraftRef{ID: "compose"}, &back)
	if back.Text != draft.Text || back.Subject != draft.Subject || !slices.Equal(back.To, draft.To) || !slices.Equal(back.Bcc, draft.Bcc) || back.Sealed != "pgp" ||
		len(back.Attachments) != 1 || back.Attachments[0].Name != "figures.csv" || string(back.Attachments[0].Data) != "confidential,1.2M\n" {
		t.Fatalf("draft back: %+v", back)
	}
	// Attachments too large to keep are left out of the draft, and the save says so.
	big := draft
	big.Attachments = []api.AttachmentData{{Name: "video.mp4", ContentType: "video/mp4", Data: make([]byte, api.MaxDraftAttachments+1)}}
	u.must("drafts.save", big, &saved)
	var without api.DraftView
	u.must("drafts.get", api.DraftRef{ID: "compose"}, &without)
	if !saved.AttachmentsLeftOut || len(without.Attachments) != 0 || without.Text != draft.Text {
		t.Fatalf("a draft with too large attachments: %+v, back %+v", saved, without)
	}
	u.must("vault.lock", api.Empty{}, nil)
	var locked api.DraftView
	u.must("drafts.get", api.DraftRef{ID: "compose"}, &locked)
	if !locked.Locked || locked.Text != "" {
		t.Fatalf("draft with the vault locked: %+v", locked)
	}
	u.must("vault.unlock", api.PassphraseParams{Passphrase: "correct horse battery"}, nil)

	u.must("compose.channels", api.ChannelsParams{To: []string{"camille@example.net"}}, &ch)
	c := ch.Channels[0]
	if !c.Encrypted || c.Why.Code != "email-encrypted" || c.Rank != 85 || c.Plan == nil || c.Plan.Recipients[0].Fingerprint != camillePub.Fingerprint() {
		t.Fatalf("channel with both keys: %+v", c)
	}
	u.must("message.send", api.SendParams{AccountID: c.AccountID, To: idStrings(c.To), Subject: draft.Subject, Text: draft.Text,
		Attachments: []api.AttachmentData{{Name: "../figures.csv", ContentType: "text/csv", Data: []byte("revenue,1.2M\n")}}, DraftID: "compose"}, nil)
	sent := u.nextDelivered()
	if !bytes.Contains(sent.Data, []byte("multipart/encrypted")) || bytes.Contains(sent.Data, []byte("confidential")) || bytes.Contains(sent.Data, []byte("revenue")) {
		t.Fatalf("sent:\n%s", sent.Data)
	}
	o, err := pgp.Open(sent.Data, pgp.Keys{Own: []*pgp.SecretKey{camille}})
	if err != nil || !o.Security.Encrypted || !strings.Contains(o.Parsed.Body.Text, "the confidential figures") ||
		len(o.Parsed.Body.Attachments) != 1 || o.Parsed.Body.Attachments[0].Name != "figures.csv" {
		t.Fatalf("Camille reads: %v %+v %+v", err, o.Security, o.Parsed.Body)
	}
	var gone api.DraftView
	u.must("drafts.get", api.DraftRef{ID: "compose"}, &gone)
	if gone.Text != "" || !gone.UpdatedAt.IsZero() {
		t.Fatalf("the draft stayed after sending: %+v", gone)
	}

	// The outbox: the sent message, then one the server cannot take, failed for good.
	var ids int
	follow(u.ui, &ids, "outbox.list", api.Empty{}, "the sent mail", func(v api.OutboxView) bool {
		return len(v.Items) == 1 && v.Items[0].State == repo.Sent && v.Items[0].Encrypted && v.Items[0].To[0] == "camille@example.net"
	})
	bad, err := u.repo.Enqueue(u.ctx, &repo.OutboxItem{AccountID: c.AccountID, Network: model.Email, IdempotencyKey: "<broken@example.test>", Payload: []byte("not an envelope")})
	if err != nil {
		t.Fatal(err)
	}
	u.must("outbox.retry", api.OutboxRef{ID: bad.ID}, nil) // wakes the dispatcher
	failed := func(attempts int) func(api.OutboxView) bool {
		return func(v api.OutboxView) bool {
			return len(v.Items) == 2 && v.Items[0].ID == bad.ID && v.Items[0].State == repo.Failed && v.Items[0].Attempts == attempts && v.Items[0].LastError != ""
		}
	}
	follow(u.ui, &ids, "outbox.list", api.Empty{}, "the broken item failed", failed(1))
	u.must("outbox.retry", api.OutboxRef{ID: bad.ID}, nil)
	follow(u.ui, &ids, "outbox.list", api.Empty{}, "the broken item failed again", failed(2))
	u.must("outbox.cancel", api.OutboxRef{ID: bad.ID}, nil)
	follow(u.ui, &ids, "outbox.list", api.Empty{}, "the broken item gone", func(v api.OutboxView) bool { return len(v.Items) == 1 })
	if code := u.fails("outbox.cancel", api.OutboxRef{ID: bad.ID}); code != api.CodeNotFound {
		t.Fatalf("cancelling twice: %s", code)
	}
}

// Reading an HTML mail: the whole text and the sanitised HTML, its remote loads held back
// until the user allows them (the privacy index says which), and its attachment fetched from
// the server with its name.
func TestReadingHTMLRemoteContentAndAttachments(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	long := strings.Repeat("A long paragraph about tea. ", 40)
	raw := "From: Bubble Weekly <news@bubble.example>\r\nTo: alice@example.test\r\nSubject: Issue 1\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n" +
		"Message-ID: <issue-1@bubble.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n" +
		"--m\r\nContent-Type: multipart/alternative; boundary=\"a\"\r\n\r\n" +
		"--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + long + "\r\n" +
		"--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + long + "</p><img src=\"https://cdn.bubble.example/banner.jpg\" width=\"600\">" +
		"<img src=\"https://pixel.bulkmailer.example/open.gif?u=1\" width=\"1\" height=\"1\"><script>document.title='tracked'</script>\r\n--a--\r\n" +
		"--m\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=\"menu.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\ndGVhLDMK\r\n--m--\r\n"
	id := u.deliver([]byte(raw))
	m := u.stored(id, func(model.Message) bool { return true })

	var b api.BodyView
	u.must("message.body", api.MessageBodyParams{ID: m.ID}, &b)
	if !strings.Contains(b.Text, strings.TrimSpace(long)) || len(m.Snippet) >= len(b.Text) {
		t.Fatalf("text: %d chars (snippet %d)", len(b.Text), len(m.Snippet))
	}
	if b.RemoteAllowed || len(b.RemoteHosts) != 0 || strings.Contains(b.HTML, "script") || strings.Contains(b.HTML, ` src="https`) ||
		!strings.Contains(b.HTML, `data-remote-src="https://pixel.bulkmailer.example/open.gif?u=1"`) {
		t.Fatalf("held back: %+v", b)
	}
	var ids int
	remoteFactor := func(code string) {
		t.Helper()
		page := follow(u.ui, &ids, "discussions.page", api.DiscussionsArgs{Text: "bubble"}, "the newsletter", func(p api.DiscussionsPage) bool { return len(p.Items) == 1 })
		follow(u.ui, &ids, "discussion.messages", api.DiscussionArgs{Key: page.Items[0].Key}, "remote content "+code, func(v api.DiscussionView) bool {
			for _, f := range v.Messages[0].Privacy.Factors {
				for _, e := range f.Evidence {
					if e.Code == code {
						return true
					}
				}
			}
			return false
		})
	}
	remoteFactor("evidence.remote.blocked")

	u.must("message.allowRemote", api.MessageBodyParams{ID: m.ID}, nil)
	u.must("message.body", api.MessageBodyParams{ID: m.ID}, &b)
	if !b.RemoteAllowed || !slices.Equal(b.RemoteHosts, []string{"cdn.bubble.example", "pixel.bulkmailer.example"}) ||
		!strings.Contains(b.HTML, `src="https://cdn.bubble.example/banner.jpg"`) || strings.Contains(b.HTML, "data-remote-") {
		t.Fatalf("allowed: %+v", b)
	}
	remoteFactor("evidence.remote.loaded")

	if len(b.Attachments) != 1 || b.Attachments[0].Name != "menu.csv" {
		t.Fatalf("attachments: %+v", b.Attachments)
	}
	var data api.AttachmentData
	u.must("message.attachment", api.AttachmentParams{MessageID: m.ID, AttachmentID: b.Attachments[0].ID}, &data)
	if string(data.Data) != "tea,3\n" || data.Name != "menu.csv" || data.ContentType != "text/csv" {
		t.Fatalf("attachment: %+v %q", data, data.Data)
	}
	// Fetched once, kept: readable again from this device.
	if kept, err := u.repo.Attachment(u.ctx, m.ID, b.Attachments[0].ID); err != nil || string(kept) != "tea,3\n" {
		t.Fatalf("kept: %q %v", kept, err)
	}
	if code := u.fails("message.attachment", api.AttachmentParams{MessageID: m.ID, AttachmentID: "9"}); code != api.CodeNotFound {
		t.Fatalf("no such attachment: %s", code)
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{"../../etc/passwd": "passwd", `C:\x\report.pdf`: "report.pdf", "a\x00b\n.txt": "ab.txt", "..": "attachment", "": "attachment"} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Remote content allowed for a sender: every mail from them shows it as it is opened (and its
// privacy index says it was loaded), mail from others stays blocked, and forgetting the sender
// blocks it again in mail opened after.
func TestRemoteContentAllowedPerSender(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	newsletter := func(n int, from string) model.Message {
		raw := fmt.Sprintf("From: %s\r\nTo: alice@example.test\r\nSubject: Issue %d\r\nDate: Mon, %d Nov 2026 10:00:00 +0000\r\n"+
			"Message-ID: <issue-%d@example>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"+
			"<p>Issue %d</p><img src=\"https://cdn.bubble.example/%d.jpg\" width=\"600\">\r\n", from, n, n, n, n, n)
		id := u.deliver([]byte(raw))
		return u.stored(id, func(model.Message) bool { return true })
	}
	first := newsletter(1, "Bubble Weekly <News@Bubble.example>")
	second := newsletter(2, "Bubble Weekly <news@bubble.example>")
	other := newsletter(3, "Someone <someone@else.example>")
	body := func(m model.Message) api.BodyView {
		var b api.BodyView
		u.must("message.body", api.MessageBodyParams{ID: m.ID}, &b)
		return b
	}
	if b := body(second); b.RemoteAllowed || strings.Contains(b.HTML, ` src="https`) {
		t.Fatalf("blocked at first: %+v", b)
	}
	u.must("message.allowRemoteSender", api.MessageBodyParams{ID: first.ID}, nil)
	var ids int
	follow(u.ui, &ids, "remote.senders", api.Empty{}, "the sender listed", func(v api.RemoteSenders) bool {
		return slices.Equal(v.Addresses, []string{"news@bubble.example"})
	})
	for _, m := range []model.Message{first, second} {
		if b := body(m); !b.RemoteAllowed || b.RemoteSender != "news@bubble.example" || !strings.Contains(b.HTML, ` src="https://cdn.bubble.example/`) {
			t.Fatalf("%s from an allowed sender: %+v", m.Subject, b)
		}
		if kept, err := u.repo.Message(u.ctx, m.ID); err != nil || kept.Mail == nil || !kept.Mail.RemoteAllowed {
			t.Fatalf("%s is not marked as having loaded its remote content (%v)", m.Subject, err)
		}
	}
	if b := body(other); b.RemoteAllowed || b.RemoteSender != "" {
		t.Fatalf("another sender's mail: %+v", b)
	}
	u.must("remote.forgetSender", api.RemoteSenderParams{Address: "NEWS@bubble.example"}, nil)
	follow(u.ui, &ids, "remote.senders", api.Empty{}, "the sender forgotten", func(v api.RemoteSenders) bool { return len(v.Addresses) == 0 })
	third := newsletter(4, "Bubble Weekly <news@bubble.example>")
	if b := body(third); b.RemoteAllowed || b.RemoteSender != "" || strings.Contains(b.HTML, ` src="https`) {
		t.Fatalf("after forgetting the sender: %+v", b)
	}
}

// An HTML mail's cid: images show from its own parts (fetched from the server like an
// attachment, then kept), without asking: nothing leaves the device.
func TestInlineImagesOfAnHTMLMail(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	raw := "From: Shop <news@shop.example>\r\nTo: alice@example.test\r\nSubject: Receipt\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n" +
		"Message-ID: <receipt-1@shop.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"r\"\r\n\r\n" +
		"--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Thanks</p><img src=\"cid:logo@shop.example\" alt=\"Shop\">\r\n" +
		"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@shop.example>\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"iVBORw0KGgo=\r\n--r--\r\n"
	m := u.stored(u.deliver([]byte(raw)), func(model.Message) bool { return true })
	var b api.BodyView
	u.must("message.body", api.MessageBodyParams{ID: m.ID}, &b)
	if !strings.Contains(b.HTML, `src="data:image/png;base64,iVBORw0KGgo="`) || b.RemoteAllowed || len(b.RemoteHosts) != 0 {
		t.Fatalf("inline image: %+v", b)
	}
	if len(b.Attachments) != 1 || b.Attachments[0].ContentID != "logo@shop.example" {
		t.Fatalf("attachments: %+v", b.Attachments)
	}
	if kept, err := u.repo.Attachment(u.ctx, m.ID, b.Attachments[0].ID); err != nil || len(kept) != 8 {
		t.Fatalf("the image is not kept: %d bytes, %v", len(kept), err)
	}
}

// A reply by email carries attachments, with safe names.
func TestReplyWithAttachments(t *testing.T) {
	u := newMailUser(t, relayOptions{})
	parent := u.stored(u.deliver([]byte("From: Tapioca <tapioca@example.net>\r\nTo: alice@example.test\r\nSubject: the menu?\r\n"+
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <menu@example.net>\r\n\r\nSend me the menu\r\n")), func(model.Message) bool { return true })
	u.must("message.reply", api.ReplyParams{MessageID: parent.ID, Text: "here it is",
		Attachments: []api.AttachmentData{{Name: "../../menu.csv", ContentType: "text/csv", Data: []byte("tea,3\n")}}}, nil)
	sent := u.nextDelivered()
	for _, want := range []string{"In-Reply-To: <menu@example.net>", "here it is", `filename=menu.csv`, "dGVhLDMK"} {
		if !bytes.Contains(sent.Data, []byte(want)) {
			t.Fatalf("no %s in\n%s", want, sent.Data)
		}
	}
}
