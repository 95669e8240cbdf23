package mastodon

import (
	"fmt"
	"mime"
	"path"
	"strings"
	"time"

	gomastodon "github.com/mattn/go-mastodon"

	"caliopen/wasm/identity"
	"caliopen/wasm/mail"
	"caliopen/wasm/model"
)

// mapper turns statuses into the model for one account.
type mapper struct {
	accountID string
	domain    string            // the instance's domain, for local accts
	self      model.IdentityURI // the user's identity: their statuses are Outgoing
}

const snippetLen = 200

// message maps a status of a conversation. seen is the read state to give it.
func (m *mapper) message(st *gomastodon.Status, conversationID string, seen bool) (*model.Message, *model.Body, []model.Identity, error) {
	author, err := IdentityOf(&st.Account, m.domain)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("mastodon: status %s: %w", st.ID, err)
	}
	ids := []model.Identity{author}
	msg := &model.Message{
		AccountID:      m.accountID,
		Network:        model.Mastodon,
		RemoteID:       string(st.ID),
		ConversationID: conversationID,
		Participants:   []model.Participant{{URI: author.URI, Role: model.RoleFrom, Name: st.Account.DisplayName}},
		Subject:        st.SpoilerText,
		Date:           st.CreatedAt.UTC(),
		Flags:          model.Flags{Seen: seen || author.URI == m.self},
		Outgoing:       author.URI == m.self,
		ReceivedAt:     time.Now().UTC(),
		EditedAt:       st.EditedAt.UTC(),
		ContentWarning: st.SpoilerText,
		Sensitive:      st.Sensitive,
	}
	if id := idString(st.InReplyToID); id != "" {
		msg.InReplyToRemote = id
	}
	for _, mt := range st.Mentions {
		a, err := identity.Mastodon(mt.Acct, m.domain)
		if err != nil || a.URI == author.URI || hasParticipant(msg, a.URI) {
			continue
		}
		msg.Participants = append(msg.Participants, model.Participant{URI: a.URI, Role: model.RoleTo})
	}
	safe, _ := mail.SanitizeHTML(st.Content)
	text := strings.TrimSpace(mail.HTMLToText(st.Content))
	if st.SpoilerText == "" {
		msg.Snippet = snippet(text) // behind a content warning, lists show the warning only
	}
	body := &model.Body{Text: text, HTML: safe}
	for _, a := range st.MediaAttachments {
		body.Attachments = append(body.Attachments, attachment(a))
	}
	msg.HasAttachments = len(body.Attachments) > 0
	msg.ID = model.MessageID(m.accountID, msg.RemoteID)
	return msg, body, ids, nil
}

func hasParticipant(m *model.Message, uri model.IdentityURI) bool {
	for _, p := range m.Participants {
		if p.URI == uri {
			return true
		}
	}
	return false
}

// attachment describes a media attachment; its bytes are fetched on demand (FetchAttachment)
// from the URL the status gives.
func attachment(a gomastodon.Attachment) model.Attachment {
	u := a.URL
	if u == "" {
		u = a.RemoteURL
	}
	name := path.Base(strings.SplitN(u, "?", 2)[0])
	if name == "." || name == "/" {
		name = string(a.ID)
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = a.Type + "/*"
		if a.Type == "gifv" {
			ct = "video/mp4"
		}
	}
	return model.Attachment{ID: string(a.ID), Name: name, ContentType: ct, Description: strings.TrimSpace(a.Description)}
}

// snippet is the text for lists, without the mentions every direct message starts with.
func snippet(s string) string {
	words := strings.Fields(s)
	for len(words) > 1 && strings.HasPrefix(words[0], "@") {
		words = words[1:]
	}
	s = strings.Join(words, " ")
	if r := []rune(s); len(r) > snippetLen {
		return string(r[:snippetLen]) + "…"
	}
	return s
}

// idString reads go-mastodon's interface{} ids (string, number or null).
func idString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprint(v)
	}
}
