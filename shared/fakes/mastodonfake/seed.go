package mastodonfake

import (
	"crypto/rand"
	"encoding/hex"
	"html"
	"slices"
	"sort"
	"strings"
)

// AddLocal adds an account of this instance and returns its id.
func (s *Server) AddLocal(username, displayName string) string {
	url := s.BaseURL + "/@" + username
	return s.addAccount(Account{Username: username, Acct: username, DisplayName: displayName,
		URL: &url, URI: s.BaseURL + "/users/" + username})
}

// AddRemote adds an account of another instance (acct user@domain) and returns its id.
func (s *Server) AddRemote(username, domain, displayName string) string {
	url := "https://" + domain + "/@" + username
	return s.addAccount(Account{Username: username, Acct: username + "@" + domain, DisplayName: displayName,
		URL: &url, URI: "https://" + domain + "/users/" + username})
}

func (s *Server) addAccount(a Account) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a.ID = s.newID()
	a.CreatedAt = s.timestamp()
	a.Avatar = s.BaseURL + "/avatars/" + a.ID + ".png"
	a.AvatarStatic, a.Header, a.HeaderStatic = a.Avatar, s.BaseURL+"/headers/missing.png", s.BaseURL+"/headers/missing.png"
	a.Emojis, a.Fields = []any{}, []Field{}
	s.accounts[a.ID] = &a
	return a.ID
}

// SetProfile sets an account's note (HTML) and fields (values in HTML, VerifiedAt nil or a
// timestamp).
func (s *Server) SetProfile(accountID, note string, fields ...Field) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[accountID]
	a.Note = note
	a.Fields = append([]Field{}, fields...)
}

// Post is a direct status to create.
type Post struct {
	Author      string   // account id
	Text        string   // plain text; mentions are added at the start
	To          []string // mentioned account ids (the recipients)
	InReplyTo   string   // status id
	SpoilerText string
	// Sensitive marks the media sensitive; a content warning always does (PostStatusService).
	Sensitive bool
	Media     []MediaAttachment
}

// Post creates a direct status as if its author had written it, fans it out to the
// participants' conversations and pushes it on their streams. It returns the status.
func (s *Server) Post(p Post) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.post(p).Status
}

func (s *Server) post(p Post) *stored {
	author := *s.accounts[p.Author]
	st := &stored{authorID: p.Author, mentionIDs: p.To}
	st.ID = s.newID()
	st.URI = author.URI + "/statuses/" + st.ID
	url := s.BaseURL + "/@" + author.Acct + "/" + st.ID
	st.URL = &url
	st.CreatedAt = s.timestamp()
	st.Account = author
	st.Visibility = "direct"
	st.SpoilerText = p.SpoilerText
	st.Sensitive = p.Sensitive || p.SpoilerText != ""
	st.MediaAttachments = append([]MediaAttachment{}, p.Media...)
	st.Tags, st.Emojis = []any{}, []any{}
	st.Mentions = []Mention{}
	for _, id := range p.To {
		m := s.accounts[id]
		st.Mentions = append(st.Mentions, Mention{ID: m.ID, Username: m.Username, URL: deref(m.URL), Acct: m.Acct})
	}
	st.Content = s.content(p.To, p.Text)
	if p.InReplyTo != "" {
		if parent := s.statuses[p.InReplyTo]; parent != nil {
			id, aid := parent.ID, parent.authorID
			st.InReplyToID, st.InReplyToAccountID = &id, &aid
		}
	}
	s.statuses[st.ID] = st
	s.fanOut(st)
	return st
}

// content renders a status's HTML: its mentions as h-cards, then its text.
func (s *Server) content(mentionIDs []string, text string) string {
	var b strings.Builder
	b.WriteString("<p>")
	for _, id := range mentionIDs {
		m := s.accounts[id]
		b.WriteString(`<span class="h-card" translate="no"><a href="` + html.EscapeString(deref(m.URL)) +
			`" class="u-url mention">@<span>` + html.EscapeString(m.Username) + `</span></a></span> `)
	}
	b.WriteString(html.EscapeString(text) + "</p>")
	return b.String()
}

// participants returns the account ids of a status's author and recipients, sorted, once each.
func (st *stored) participants() []string {
	set := map[string]bool{st.authorID: true}
	for _, id := range st.mentionIDs {
		set[id] = true
	}
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// The events a status causes follow Mastodon 4.x (the connector's streams comment cites the
// sources): channels are a viewer's timeline:direct (the direct stream), home (timeline:<id>,
// the user stream) and notifications (timeline:<id>:notifications, the user stream with read or
// read:notifications, and the user:notification stream).

// fanOut files a new status in the conversation of each participant and pushes it live: a
// `conversation` on every participant's direct channel (the author's from
// FanOutOnWriteService#deliver_to_conversation!, a recipient's from NotifyService), the
// status as `update` on the author's home and on the home of each recipient who follows the
// author (#deliver_to_mentioned_followers!), and a mention `notification` to each recipient.
func (s *Server) fanOut(st *stored) {
	for _, viewer := range st.participants() {
		c := s.conversationOf(viewer, st)
		c.history = append(c.history, st.ID)
		c.lastID = st.ID
		c.unread = viewer != st.authorID
		s.push(viewer, chDirect, "conversation", mustJSON(s.conversation(c)))
		switch {
		case viewer == st.authorID:
			s.push(viewer, chHome, "update", mustJSON(st.Status))
		default:
			s.push(viewer, chNotifications, "notification", mustJSON(s.mention(viewer, st)))
			if s.follows[viewer][st.authorID] {
				s.push(viewer, chHome, "update", mustJSON(st.Status))
			}
		}
	}
}

// conversationOf returns (creating it) the viewer's conversation a status belongs to, keyed as
// AccountConversation is: by the thread (the status's conversation_id, its root's) and its
// other participants. Two messages that do not reply to each other are two conversations.
func (s *Server) conversationOf(viewer string, st *stored) *conv {
	var others []string
	for _, id := range st.participants() {
		if id != viewer {
			others = append(others, id)
		}
	}
	root := st
	for root.InReplyToID != nil && s.statuses[*root.InReplyToID] != nil {
		root = s.statuses[*root.InReplyToID]
	}
	key := root.ID + "|" + strings.Join(others, ",")
	byKey := s.convs[viewer]
	if byKey == nil {
		byKey = map[string]*conv{}
		s.convs[viewer] = byKey
	}
	c := byKey[key]
	if c == nil {
		c = &conv{id: s.newID(), others: others, viewer: viewer, key: key}
		byKey[key] = c
	}
	return c
}

// mention renders the mention notification of a status for a recipient.
func (s *Server) mention(viewer string, st *stored) Notification {
	return Notification{ID: s.newID(), Type: "mention", CreatedAt: st.CreatedAt, Account: st.Account, Status: st.Status}
}

// Edit replaces a status's text as its author would (PUT /api/v1/statuses/:id) and streams the
// edit as Mastodon does: `status.update` on the author's home (deliver_to_self!), on each
// recipient's notifications channel (notify_mentioned_accounts!, for the edits of private
// mentions), and on the home of recipients who follow the author. Nothing goes to the direct
// channel: deliver_to_conversation! skips updates.
func (s *Server) Edit(statusID, text string) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.edit(s.statuses[statusID], text)
}

func (s *Server) edit(st *stored, text string) Status {
	st.Content = s.content(st.mentionIDs, text)
	ts := s.timestamp()
	st.EditedAt = &ts
	for _, viewer := range st.participants() {
		switch {
		case viewer == st.authorID:
			s.push(viewer, chHome, "status.update", mustJSON(st.Status))
		default:
			s.push(viewer, chNotifications, "status.update", mustJSON(st.Status))
			if s.follows[viewer][st.authorID] {
				s.push(viewer, chHome, "status.update", mustJSON(st.Status))
			}
		}
	}
	return st.Status
}

// Delete deletes a status as its author would.
func (s *Server) Delete(statusID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteStatus(s.statuses[statusID])
}

// deleteStatus streams a deletion as Mastodon does: `delete` on the home channel of the
// author (RemoveStatusService#remove_from_self) and of every mentioned account
// (#remove_from_mentions); then the status leaves each participant's conversation
// (Status#unlink_from_conversations!, AccountConversation.remove_status): a conversation with
// statuses left is pushed again as `conversation` on the direct channel, one left empty is
// destroyed without an event.
func (s *Server) deleteStatus(st *stored) {
	st.deleted = true
	for _, viewer := range st.participants() {
		s.push(viewer, chHome, "delete", st.ID)
		for key, c := range s.convs[viewer] {
			i := slices.Index(c.history, st.ID)
			if i < 0 {
				continue
			}
			c.history = slices.Delete(c.history, i, i+1)
			if len(c.history) == 0 {
				delete(s.convs[viewer], key)
				continue
			}
			c.lastID = c.history[len(c.history)-1]
			s.push(viewer, chDirect, "conversation", mustJSON(s.conversation(c)))
		}
	}
}

// Follow makes follower follow followed: the statuses of followed that mention follower then
// also reach follower's home timeline.
func (s *Server) Follow(follower, followed string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.follows[follower] == nil {
		s.follows[follower] = map[string]bool{}
	}
	s.follows[follower][followed] = true
}

// conversation renders a conversation for its viewer.
func (s *Server) conversation(c *conv) Conversation {
	out := Conversation{ID: c.id, Unread: c.unread, Accounts: []Account{}}
	for _, id := range c.others {
		out.Accounts = append(out.Accounts, *s.accounts[id])
	}
	if c.lastID != "" {
		st := s.statuses[c.lastID].Status
		out.LastStatus = &st
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func randomString(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}
