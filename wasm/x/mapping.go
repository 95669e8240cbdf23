package x

import (
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"caliopen/wasm/identity"
	"caliopen/wasm/model"
)

// participantURI is the identity URI of a user id, "" if the id is not one.
func participantURI(id string) model.IdentityURI {
	a, err := identity.X(id, "")
	if err != nil {
		return ""
	}
	return a.URI
}

// isOneToOne says whether a conversation id is X's one-to-one form "{smaller}-{larger}".
func isOneToOne(conv string) bool {
	a, b, ok := strings.Cut(conv, "-")
	return ok && a != "" && b != "" && strings.Trim(a+b, "0123456789") == ""
}

// otherOf returns the other member of a one-to-one conversation.
func otherOf(conv, self string) string {
	a, b, _ := strings.Cut(conv, "-")
	if a == self {
		return b
	}
	return a
}

// toMessage maps a MessageCreate event to the model. members are the conversation's known
// members (for a one-to-one conversation, both users).
func toMessage(accountID, self string, e DMEvent, users map[string]User, media map[string]Media, members []string, now time.Time) (*model.Message, *model.Body) {
	m := &model.Message{
		AccountID: accountID, Network: model.X, RemoteID: e.ID, ConversationID: e.ConversationID,
		Date: e.CreatedAt, ReceivedAt: now, Outgoing: e.SenderID == self,
		Snippet: snippet(expandLinks(e)),
	}
	m.ID = model.MessageID(accountID, e.ID)
	m.Flags.Seen = m.Outgoing
	name := func(id string) string { return users[id].Name }
	if u := participantURI(e.SenderID); u != "" {
		m.Participants = append(m.Participants, model.Participant{URI: u, Role: model.RoleFrom, Name: name(e.SenderID)})
	}
	for _, id := range members {
		if id == e.SenderID {
			continue
		}
		if u := participantURI(id); u != "" {
			m.Participants = append(m.Participants, model.Participant{URI: u, Role: model.RoleTo, Name: name(id)})
		}
	}
	body := &model.Body{MessageID: m.ID, Text: expandLinks(e)}
	for _, k := range e.Attachments.MediaKeys {
		body.Attachments = append(body.Attachments, attachment(k, media[k]))
	}
	m.HasAttachments = len(body.Attachments) > 0
	m.Size = int64(len(e.Text))
	return m, body
}

// expandLinks puts back the links X replaced by t.co links, from the event's entities: the
// reader sees where a link goes, and opening it does not pass through X's redirector.
func expandLinks(e DMEvent) string {
	text := e.Text
	for _, u := range e.Entities.URLs {
		if u.URL != "" && u.ExpandedURL != "" {
			text = strings.ReplaceAll(text, u.URL, u.ExpandedURL)
		}
	}
	return text
}

// attachment describes a DM's media. Its bytes cannot be fetched: X serves the media of direct
// messages (ton.twitter.com/1.1/ton/data/dm/...) only to a twitter.com session or to requests
// signed with the user's OAuth 1.0a token, as X's documentation on DM media says, and the X
// sign-in here is OAuth 2.0. The attachment says so, for the UI to point to X instead.
func attachment(key string, md Media) model.Attachment {
	a := model.Attachment{ID: key, Name: key, ContentType: contentType(md.Type), Description: strings.TrimSpace(md.AltText),
		Unavailable: model.AttachmentNeedsOAuth1}
	for _, u := range []string{md.URL, md.PreviewImageURL} {
		if name := path.Base(strings.SplitN(u, "?", 2)[0]); u != "" && name != "." && name != "/" {
			a.Name = name
			break
		}
	}
	return a
}

func contentType(mediaType string) string {
	switch mediaType {
	case "photo":
		return "image/jpeg"
	case "animated_gif", "video":
		return "video/mp4"
	}
	return "application/octet-stream"
}

// snippet is the first 140 characters of a text with its whitespace collapsed.
func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 140 {
		return s
	}
	r := []rune(s)
	return string(r[:140]) + "…"
}

// membersOf gathers the members of each conversation from a batch of events: both users of a
// one-to-one conversation; for a group, the senders, the joined and the user.
func membersOf(self string, events []DMEvent) map[string][]string {
	out := map[string][]string{}
	add := func(conv, id string) {
		if id != "" && !slices.Contains(out[conv], id) {
			out[conv] = append(out[conv], id)
		}
	}
	for _, e := range events {
		if isOneToOne(e.ConversationID) {
			a, b, _ := strings.Cut(e.ConversationID, "-")
			add(e.ConversationID, a)
			add(e.ConversationID, b)
			continue
		}
		add(e.ConversationID, self)
		add(e.ConversationID, e.SenderID)
		if e.EventType == "ParticipantsJoin" {
			for _, p := range e.ParticipantIDs {
				add(e.ConversationID, p)
			}
		}
	}
	for conv := range out {
		slices.SortFunc(out[conv], func(a, b string) int {
			if a == b {
				return 0
			}
			if idLess(a, b) {
				return -1
			}
			return 1
		})
	}
	return out
}
