package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"caliopen/wasm/api"
	"caliopen/wasm/core"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// Reading a message: its whole body, its remote content once the user allows it, and its
// attachments' bytes.

// attachmentFetcher is a connection that can fetch an attachment the store does not hold
// (an email part from IMAP, a Mastodon media file), keeping it in the store.
type attachmentFetcher interface {
	Attachment(ctx context.Context, messageID, attachmentID string) ([]byte, error)
}

func (a *app) registerContent() {
	core.Handle(a.c, api.MessageBody, a.body)
	core.Handle(a.c, api.AllowRemote, a.allowRemote)
	core.Handle(a.c, api.AllowRemoteSender, a.allowRemoteSender)
	core.Live(a.c, api.RemoteSendersQuery, func(ctx context.Context, _ api.Empty) (api.RemoteSenders, error) {
		list, err := a.remoteSenders(ctx)
		return api.RemoteSenders{Addresses: list}, err
	}, topicRemoteSenders)
	core.Handle(a.c, api.ForgetRemoteSender, a.forgetRemoteSender)
	core.Handle(a.c, api.GetAttachment, a.attachment)
}

// body returns a message's content; its HTML's remote loads come back only when the user
// allowed them for this message or for its sender. A message of an allowed sender is marked
// as it is shown: from then on its privacy index says its remote content was loaded.
func (a *app) body(ctx context.Context, p api.MessageBodyParams) (api.BodyView, error) {
	b, err := a.eng.Repo.Body(ctx, p.ID)
	if err != nil {
		return api.BodyView{}, api.Errorf(api.CodeNotFound, "this message's content is not stored on this device")
	}
	v := api.BodyView{MessageID: p.ID, Text: b.Text, HTML: b.HTML, Attachments: b.Attachments, Notes: b.Notes}
	if b.HTML == "" {
		return v, nil
	}
	m, err := a.eng.Repo.Message(ctx, p.ID)
	if err != nil {
		return v, nil
	}
	if sender := senderAddress(m); sender != "" {
		if list, _ := a.remoteSenders(ctx); slices.Contains(list, sender) {
			v.RemoteSender = sender
			if m.Mail == nil || !m.Mail.RemoteAllowed {
				if _, err := a.allowRemote(ctx, p); err != nil {
					return api.BodyView{}, err
				}
			}
			v.RemoteAllowed = true
		}
	}
	if m.Mail != nil && m.Mail.RemoteAllowed {
		v.RemoteAllowed = true
	}
	if v.RemoteAllowed {
		v.HTML, v.RemoteHosts = mail.AllowRemote(b.HTML)
	}
	v.HTML = a.inlineImages(ctx, p.ID, b.Attachments, v.HTML)
	return v, nil
}

// Inline images are shown up to these sizes (each, and all of one message's together);
// larger ones stay in the attachments, downloaded on demand.
const (
	maxInlineImage  = 2 << 20
	maxInlineImages = 8 << 20
)

// inlineImages shows the cid: images of a message's HTML from its own parts: from this
// device, or fetched from the server as attachments are. One that cannot be had now (offline,
// too large) shows nothing; it stays among the attachments.
func (a *app) inlineImages(ctx context.Context, messageID string, atts []model.Attachment, html string) string {
	ids := mail.ContentIDs(html)
	if len(ids) == 0 {
		return html
	}
	images := map[string]mail.InlineImage{}
	total := 0
	for _, at := range atts {
		if at.ContentID == "" || !slices.Contains(ids, at.ContentID) || !mail.InlineImageType(at.ContentType) || at.Size > maxInlineImage {
			continue
		}
		data, err := a.attachmentBytes(ctx, messageID, at)
		if err != nil || len(data) > maxInlineImage || total+len(data) > maxInlineImages {
			continue
		}
		total += len(data)
		images[at.ContentID] = mail.InlineImage{ContentType: at.ContentType, Data: data}
	}
	return mail.InlineImages(html, images)
}

// allowRemote records the user's choice to load a message's remote content; the message's
// privacy index then says its remote content was loaded.
func (a *app) allowRemote(ctx context.Context, p api.MessageBodyParams) (api.Empty, error) {
	err := a.eng.Repo.UpdateMessage(ctx, p.ID, func(m *model.Message) error {
		if m.Mail == nil {
			m.Mail = &model.MailFacts{}
		}
		m.Mail.RemoteAllowed = true
		return nil
	})
	if errors.Is(err, repo.ErrNotFound) {
		return api.Empty{}, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	return api.Empty{}, err
}

// settingRemoteSenders lists the senders whose mail loads its remote content (a user
// setting: device sync carries it).
const (
	settingRemoteSenders = "mail.remoteSenders"
	topicRemoteSenders   = "remote.senders"
)

// senderAddress is the email address an email came from, lowercased; "" for other messages.
func senderAddress(m model.Message) string {
	if m.Network != model.Email {
		return ""
	}
	for _, p := range m.Participants {
		if p.Role == model.RoleFrom {
			return strings.ToLower(p.URI.Address())
		}
	}
	return ""
}

func (a *app) remoteSenders(ctx context.Context) ([]string, error) {
	list := []string{}
	if err := a.eng.Repo.Setting(ctx, settingRemoteSenders, &list); err != nil && !errors.Is(err, repo.ErrNotFound) {
		return nil, err
	}
	return list, nil
}

func (a *app) setRemoteSenders(ctx context.Context, list []string) error {
	slices.Sort(list)
	if err := a.eng.Repo.SetSetting(ctx, settingRemoteSenders, slices.Compact(list)); err != nil {
		return err
	}
	a.accts.changed(ctx, topicRemoteSenders)
	return nil
}

// allowRemoteSender allows the message's remote content, and that of every mail from its
// sender as it is opened.
func (a *app) allowRemoteSender(ctx context.Context, p api.MessageBodyParams) (api.Empty, error) {
	m, err := a.eng.Repo.Message(ctx, p.ID)
	if err != nil {
		return api.Empty{}, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	sender := senderAddress(m)
	if sender == "" {
		return api.Empty{}, api.Errorf("no_sender", "This message has no sender address to trust.")
	}
	list, err := a.remoteSenders(ctx)
	if err != nil {
		return api.Empty{}, err
	}
	if err := a.setRemoteSenders(ctx, append(list, sender)); err != nil {
		return api.Empty{}, err
	}
	return a.allowRemote(ctx, p)
}

// forgetRemoteSender stops allowing a sender's remote content in mail not opened yet.
func (a *app) forgetRemoteSender(ctx context.Context, p api.RemoteSenderParams) (api.Empty, error) {
	list, err := a.remoteSenders(ctx)
	if err != nil {
		return api.Empty{}, err
	}
	sender := strings.ToLower(p.Address)
	return api.Empty{}, a.setRemoteSenders(ctx, slices.DeleteFunc(list, func(s string) bool { return s == sender }))
}

// attachment returns an attachment's bytes, from the store or fetched by the account's
// connection.
func (a *app) attachment(ctx context.Context, p api.AttachmentParams) (api.AttachmentData, error) {
	b, err := a.eng.Repo.Body(ctx, p.MessageID)
	if err != nil {
		return api.AttachmentData{}, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	var att *model.Attachment
	for i := range b.Attachments {
		if b.Attachments[i].ID == p.AttachmentID {
			att = &b.Attachments[i]
		}
	}
	if att == nil {
		return api.AttachmentData{}, api.Errorf(api.CodeNotFound, "This message has no such attachment.")
	}
	out := api.AttachmentData{Name: fileName(att.Name), ContentType: att.ContentType}
	if out.ContentType == "" {
		out.ContentType = "application/octet-stream"
	}
	if out.Data, err = a.attachmentBytes(ctx, p.MessageID, *att); err != nil {
		return api.AttachmentData{}, err
	}
	return out, nil
}

// attachmentBytes returns the bytes of one of a message's attachments (as its stored body
// lists it): from the store, else fetched by the account's connection, which keeps them.
func (a *app) attachmentBytes(ctx context.Context, messageID string, att model.Attachment) ([]byte, error) {
	if att.Unavailable != "" {
		return nil, api.Errorf("attachment_unavailable", "This attachment cannot be downloaded here: X gives the media of direct messages only to its own apps. Open the conversation on X to see it.").
			With("reason", att.Unavailable)
	}
	data, err := a.eng.Repo.Attachment(ctx, messageID, att.ID)
	if !errors.Is(err, repo.ErrNotFound) {
		return data, err
	}
	m, err := a.eng.Repo.Message(ctx, messageID)
	if err != nil {
		return nil, api.Errorf(api.CodeNotFound, "This message is not stored on this device.")
	}
	f, ok := a.accts.connection(m.AccountID).(attachmentFetcher)
	if !ok {
		return nil, api.Errorf("not_connected", "This attachment is not on this device yet and its account is not connected.")
	}
	if data, err = f.Attachment(ctx, messageID, att.ID); err != nil {
		return nil, tunnelError(err, "attachment_unreachable", "The attachment could not be fetched: ")
	}
	return data, nil
}

// connection returns the running connection of an account, or nil.
func (m *accounts) connection(id string) connection {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r := m.running[id]; r != nil {
		return r.conn
	}
	return nil
}

// Attachment fetches an email attachment's part from the server (the store is read first).
func (c *emailConn) Attachment(ctx context.Context, messageID, attachmentID string) ([]byte, error) {
	return c.conn.Syncer.Attachment(ctx, messageID, attachmentID)
}

// Attachment fetches a Mastodon media file once the connection is open.
func (c *mastodonConn) Attachment(ctx context.Context, messageID, attachmentID string) ([]byte, error) {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return nil, errNotConnected
	}
	return conn.FetchAttachment(ctx, messageID, attachmentID)
}

// fileName keeps a name safe to offer as a download: no path, no control characters.
func fileName(name string) string {
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if strings.Trim(name, ". ") == "" {
		return "attachment"
	}
	return name
}
