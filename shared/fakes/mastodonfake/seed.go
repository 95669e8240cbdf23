package mastodonfake

import (
	"crypto/rand"
	"encoding/hex"
	"html"
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
	Media       []MediaAttachment
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
	st.Sensitive = p.SpoilerText != ""
	st.MediaAttachments = append([]MediaAttachment{}, p.Media...)
	st.Tags, st.Emojis = []any{}, []any{}
	st.Mentions = []Mention{}
	var b strings.Builder
	b.WriteString("<p>")
	for _, id := range p.To {
		m := s.accounts[id]
		st.Mentions = append(st.Mentions, Mention{ID: m.ID, Username: m.Username, URL: deref(m.URL), Acct: m.Acct})
		b.WriteString(`<span class="h-card" translate="no"><a href="` + html.EscapeString(deref(m.URL)) +
			`" class="u-url mention">@<span>` + html.EscapeString(m.Username) + `</span></a></span> `)
	}
	b.WriteString(html.EscapeString(p.Text) + "</p>")
	st.Content = b.String()
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

// fanOut files the status in the conversation of each participant and pushes it live.
func (s *Server) fanOut(st *stored) {
	parts := st.participants()
	for _, viewer := range parts {
		var others []string
		for _, id := range parts {
			if id != viewer {
				others = append(others, id)
			}
		}
		key := strings.Join(others, ",")
		byKey := s.convs[viewer]
		if byKey == nil {
			byKey = map[string]*conv{}
			s.convs[viewer] = byKey
		}
		c := byKey[key]
		if c == nil {
			c = &conv{id: s.newID(), others: others, viewer: viewer}
			byKey[key] = c
		}
		c.history = append(c.history, st.ID)
		c.lastID = st.ID
		c.unread = viewer != st.authorID
		s.push(viewer, "conversation", mustJSON(s.conversation(c)))
	}
}

// Edit replaces a status's text as its author would, sets edited_at and pushes status.update.
func (s *Server) Edit(statusID, text string) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.statuses[statusID]
	st.Content = "<p>" + html.EscapeString(text) + "</p>"
	ts := s.timestamp()
	st.EditedAt = &ts
	for _, viewer := range st.participants() {
		s.push(viewer, "status.update", mustJSON(st.Status))
	}
	return st.Status
}

// Delete deletes a status as its author would and pushes delete to every participant.
func (s *Server) Delete(statusID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteStatus(s.statuses[statusID])
}

func (s *Server) deleteStatus(st *stored) {
	st.deleted = true
	for _, viewer := range st.participants() {
		for _, c := range s.convs[viewer] {
			if c.lastID != st.ID {
				continue
			}
			c.lastID = ""
			for i := len(c.history) - 1; i >= 0; i-- {
				if h := s.statuses[c.history[i]]; !h.deleted {
					c.lastID = h.ID
					break
				}
			}
		}
		s.push(viewer, "delete", st.ID)
	}
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
