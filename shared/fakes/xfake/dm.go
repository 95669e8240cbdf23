package xfake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lookback is how far back the DM lookup endpoints reach.
const Lookback = 30 * 24 * time.Hour

// participants returns the members of a conversation.
func (s *Server) participantsLocked(conv string) []string {
	if p, ok := s.groups[conv]; ok {
		return p
	}
	a, b, ok := strings.Cut(conv, "-")
	if !ok {
		return nil
	}
	return []string{a, b}
}

// dmEvents serves the three lookup endpoints: all of the user's conversations, one 1:1
// conversation (/with/:participant) or one conversation by id.
func (s *Server) dmEvents(w http.ResponseWriter, r *http.Request, me string) {
	q := r.URL.Query()
	max := 100
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			invalidRequest(w, "max_results", v, "The `max_results` query parameter value ["+v+"] is not between 1 and 100")
			return
		}
		max = n
	}
	fields := fieldSet(q.Get("dm_event.fields"), "id", "event_type", "text")
	expand := fieldSet(q.Get("expansions"))
	if t := q.Get("event_types"); t != "" && !strings.Contains("MessageCreate ParticipantsJoin ParticipantsLeave", t) {
		invalidRequest(w, "event_types", t, "The `event_types` query parameter value ["+t+"] is not one of [MessageCreate, ParticipantsJoin, ParticipantsLeave]")
		return
	}
	only := ""
	if p := r.PathValue("participant"); p != "" {
		only = OneToOneID(me, p)
	} else if c := r.PathValue("conv"); c != "" {
		only = c
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	cutoff := s.now().Add(-Lookback)
	var matching []*Event
	for _, e := range s.events { // newest first
		if e.CreatedAt.Before(cutoff) || (only != "" && e.ConversationID != only) || !has(s.participantsLocked(e.ConversationID), me) {
			continue
		}
		if t := q.Get("event_types"); t != "" && e.Type != t {
			continue
		}
		matching = append(matching, e)
	}
	start := 0
	if tok := q.Get("pagination_token"); tok != "" {
		start = -1
		for i, e := range matching {
			if pageToken(e.ID) == tok {
				start = i
			}
		}
		if start < 0 {
			invalidRequest(w, "pagination_token", tok, "The `pagination_token` query parameter value ["+tok+"] is not valid")
			return
		}
	}
	end := min(start+max, len(matching))
	page := matching[start:end]

	data := []map[string]any{}
	users := map[string]bool{}
	var mediaKeys []string
	for _, e := range page {
		data = append(data, s.eventJSON(e, fields))
		if expand["sender_id"] && e.SenderID != "" {
			users[e.SenderID] = true
		}
		if expand["participant_ids"] {
			for _, p := range e.ParticipantIDs {
				users[p] = true
			}
		}
		if expand["attachments.media_keys"] {
			mediaKeys = append(mediaKeys, e.MediaKeys...)
		}
	}
	body := map[string]any{"data": data}
	if len(page) == 0 {
		body = map[string]any{} // X omits data when nothing matches
	}
	inc := map[string]any{}
	if len(users) > 0 {
		var list []map[string]any
		uf := fieldSet(q.Get("user.fields"), "id", "name", "username")
		for id := range users {
			if u := s.users[id]; u != nil {
				list = append(list, userJSON(u, uf))
			}
		}
		inc["users"] = list
	}
	if len(mediaKeys) > 0 {
		var list []map[string]any
		for _, k := range mediaKeys {
			if m := s.media[k]; m != nil {
				list = append(list, mediaJSON(m, fieldSet(q.Get("media.fields"), "media_key", "type")))
			}
		}
		inc["media"] = list
	}
	if len(inc) > 0 {
		body["includes"] = inc
	}
	meta := map[string]any{"result_count": len(page)}
	if end < len(matching) {
		meta["next_token"] = pageToken(matching[end].ID)
	}
	if start > 0 {
		meta["previous_token"] = pageToken(matching[max0(start-max)].ID)
	}
	body["meta"] = meta
	writeJSON(w, http.StatusOK, body)
}

func max0(n int) int { return max(n, 0) }

// pageToken is an opaque token naming the first event of a page.
func pageToken(id string) string { return "1" + strconv.Itoa(len(id)) + "x" + id }

func fieldSet(list string, defaults ...string) map[string]bool {
	m := map[string]bool{}
	for _, f := range defaults {
		m[f] = true
	}
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f != "" {
			m[f] = true
		}
	}
	return m
}

func (s *Server) eventJSON(e *Event, fields map[string]bool) map[string]any {
	o := map[string]any{}
	set := func(name string, v any) {
		if fields[name] {
			o[name] = v
		}
	}
	set("id", e.ID)
	set("event_type", e.Type)
	if e.Type == "MessageCreate" {
		set("text", e.Text)
		set("sender_id", e.SenderID)
		if len(e.links) > 0 {
			var urls []any
			for _, l := range e.links {
				urls = append(urls, map[string]any{"start": l.start, "end": l.end, "url": l.short, "expanded_url": l.expand,
					"display_url": strings.TrimPrefix(strings.TrimPrefix(l.expand, "https://"), "http://")})
			}
			set("entities", map[string]any{"urls": urls})
		}
		if len(e.MediaKeys) > 0 {
			set("attachments", map[string]any{"media_keys": e.MediaKeys})
		}
	} else {
		set("participant_ids", e.ParticipantIDs)
	}
	set("created_at", e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"))
	set("dm_conversation_id", e.ConversationID)
	return o
}

func mediaJSON(m *Media, fields map[string]bool) map[string]any {
	o := map[string]any{"media_key": m.Key, "type": m.Type}
	if fields["url"] && m.URL != "" {
		o["url"] = m.URL
	}
	if fields["width"] {
		o["width"] = m.Width
	}
	if fields["height"] {
		o["height"] = m.Height
	}
	if fields["alt_text"] && m.AltText != "" {
		o["alt_text"] = m.AltText
	}
	return o
}

// createGroup serves POST /2/dm_conversations: a group conversation with the participants
// and the user, and its first message.
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, me string) {
	var body struct {
		Type           string   `json:"conversation_type"`
		ParticipantIDs []string `json:"participant_ids"`
		Message        struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "Request body is not valid JSON.", "https://api.twitter.com/2/problems/invalid-request")
		return
	}
	if body.Type != "Group" {
		invalidRequest(w, "conversation_type", body.Type, "The `conversation_type` field must be Group.")
		return
	}
	if len(body.ParticipantIDs) < 2 || len(body.ParticipantIDs) > 49 {
		invalidRequest(w, "participant_ids", strings.Join(body.ParticipantIDs, ","), "A group conversation needs between 2 and 49 other participants.")
		return
	}
	if body.Message.Text == "" {
		invalidRequest(w, "message", "", "Either text or attachments must be provided.")
		return
	}
	s.mu.Lock()
	for _, p := range body.ParticipantIDs {
		if s.users[p] == nil {
			s.mu.Unlock()
			problem(w, http.StatusBadRequest, "Invalid Request", "Could not find user with id: ["+p+"].", "https://api.twitter.com/2/problems/resource-not-found")
			return
		}
	}
	s.nextID++
	conv := strconv.FormatUint(s.nextID+1_000_000_000_000, 10)
	members := append([]string{me}, body.ParticipantIDs...)
	s.groups[conv] = members
	s.addLocked(Event{Type: "ParticipantsJoin", ConversationID: conv, SenderID: me, ParticipantIDs: members})
	id := s.addLocked(Event{Text: body.Message.Text, ConversationID: conv, SenderID: me})
	s.answerSent(w, conv, id)
}

// answerSent answers an accepted send (s.mu held, released here), unless DropSendResponses
// asked for the answer to be lost: the connection is then closed without one.
func (s *Server) answerSent(w http.ResponseWriter, conv, id string) {
	drop := s.dropNext > 0
	if drop {
		s.dropNext--
	}
	s.mu.Unlock()
	if drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{"dm_conversation_id": conv, "dm_event_id": id}})
}

// send serves POST /2/dm_conversations/with/:participant_id/messages (creates the 1:1
// conversation if absent) and POST /2/dm_conversations/:dm_conversation_id/messages.
func (s *Server) send(w http.ResponseWriter, r *http.Request, me string) {
	var body struct {
		Text        string `json:"text"`
		Attachments []struct {
			MediaID string `json:"media_id"`
		} `json:"attachments"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		problem(w, http.StatusBadRequest, "Invalid Request", "Request body is not valid JSON.", "https://api.twitter.com/2/problems/invalid-request")
		return
	}
	if body.Text == "" && len(body.Attachments) == 0 {
		invalidRequest(w, "text", "", "Either text or attachments must be provided.")
		return
	}
	s.mu.Lock()
	var conv string
	if p := r.PathValue("participant"); p != "" {
		if s.users[p] == nil {
			s.mu.Unlock()
			problem(w, http.StatusBadRequest, "Invalid Request", "Could not find user with id: ["+p+"].", "https://api.twitter.com/2/problems/resource-not-found")
			return
		}
		conv = OneToOneID(me, p)
	} else {
		conv = r.PathValue("conv")
		if !has(s.participantsLocked(conv), me) {
			s.mu.Unlock()
			problem(w, http.StatusForbidden, "Forbidden", "You are not a participant of this conversation.", "https://api.twitter.com/2/problems/not-authorized-for-resource")
			return
		}
	}
	id := s.addLocked(Event{Text: body.Text, ConversationID: conv, SenderID: me})
	s.answerSent(w, conv, id)
}

// shorten replaces every URL of a DM text by a t.co link, as X does, and returns the links.
func shorten(text string) (string, []link) {
	var out strings.Builder
	var links []link
	last := 0
	for _, loc := range urlInText.FindAllStringIndex(text, -1) {
		out.WriteString(text[last:loc[0]])
		long := text[loc[0]:loc[1]]
		sum := sha256.Sum256([]byte(long))
		short := "https://t.co/" + hex.EncodeToString(sum[:5])
		start := utf8.RuneCountInString(out.String())
		out.WriteString(short)
		links = append(links, link{start: start, end: start + utf8.RuneCountInString(short), short: short, expand: long})
		last = loc[1]
	}
	out.WriteString(text[last:])
	return out.String(), links
}
