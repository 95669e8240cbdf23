package x

import (
	"context"
	"errors"
	"net/url"
	"time"
)

// EndpointSend is the rate-limit bucket of the send endpoints (15 / 15 min and 1,440 / 24 h
// per user).
const EndpointSend = "POST /2/dm_conversations/messages"

// Sent is X's answer to a send.
type Sent struct {
	ConversationID string `json:"dm_conversation_id"`
	EventID        string `json:"dm_event_id"`
}

// SendToUser sends text to a one-to-one conversation with a user, creating it if needed
// (POST /2/dm_conversations/with/:participant_id/messages).
func (c *Client) SendToUser(ctx context.Context, participantID, text string) (Sent, error) {
	return c.send(ctx, "/2/dm_conversations/with/"+url.PathEscape(participantID)+"/messages", text)
}

// SendToConversation sends text to an existing conversation, a group's in particular
// (POST /2/dm_conversations/:dm_conversation_id/messages).
func (c *Client) SendToConversation(ctx context.Context, conversationID, text string) (Sent, error) {
	return c.send(ctx, "/2/dm_conversations/"+url.PathEscape(conversationID)+"/messages", text)
}

// CreateGroup starts a group conversation with the participants (the user is a member
// without being named) and sends text as its first message (POST /2/dm_conversations).
func (c *Client) CreateGroup(ctx context.Context, participantIDs []string, text string) (Sent, error) {
	if text == "" || len(participantIDs) < 2 {
		return Sent{}, errors.New("x: a group conversation needs text and at least two other people")
	}
	var resp struct {
		Data Sent `json:"data"`
	}
	body := map[string]any{"conversation_type": "Group", "participant_ids": participantIDs, "message": map[string]string{"text": text}}
	err := c.call(ctx, EndpointSend, "POST", "/2/dm_conversations", nil, body, &resp)
	return resp.Data, err
}

func (c *Client) send(ctx context.Context, path, text string) (Sent, error) {
	if text == "" {
		return Sent{}, errors.New("x: a message needs text")
	}
	var resp struct {
		Data Sent `json:"data"`
	}
	err := c.call(ctx, EndpointSend, "POST", path, nil, map[string]string{"text": text}, &resp)
	return resp.Data, err
}

// EndpointConversationEvents is the rate-limit bucket of one conversation's lookup.
const EndpointConversationEvents = "GET /2/dm_conversations/dm_events"

// ConversationEvents fetches one page of a conversation's events, newest first; with no
// conversation, of all the user's conversations (a group whose creation's answer was lost).
func (c *Client) ConversationEvents(ctx context.Context, conversationID, self, pageToken string) (*EventsPage, error) {
	endpoint, path := EndpointConversationEvents, "/2/dm_conversations/"+url.PathEscape(conversationID)+"/dm_events"
	switch {
	case conversationID == "":
		endpoint, path = EndpointDMEvents, "/2/dm_events"
	case isOneToOne(conversationID):
		path = "/2/dm_conversations/with/" + url.PathEscape(otherOf(conversationID, self)) + "/dm_events"
	}
	q := url.Values{"dm_event.fields": {"id,text,event_type,created_at,dm_conversation_id,sender_id"}, "max_results": {"100"}}
	if pageToken != "" {
		q.Set("pagination_token", pageToken)
	}
	var p EventsPage
	if err := c.call(ctx, endpoint, "GET", path, q, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// FindSent looks in a conversation for an event the user sent with text at or after since,
// skipping the ids in exclude; it reads newest first and stops at since. It is how a send
// whose answer was lost is recognised: X has no idempotency key.
func (c *Client) FindSent(ctx context.Context, conversationID, self, text string, since time.Time, exclude map[string]bool) (Sent, bool, error) {
	token := ""
	for {
		p, err := c.ConversationEvents(ctx, conversationID, self, token)
		if err != nil {
			return Sent{}, false, err
		}
		var found *DMEvent
		for i := range p.Data {
			e := &p.Data[i]
			if e.CreatedAt.Before(since) {
				break
			}
			if e.SenderID == self && sameText(e.Text, text) && !exclude[e.ID] {
				found = e // keep going: the oldest match is the first attempt's
			}
		}
		if found != nil {
			return Sent{ConversationID: found.ConversationID, EventID: found.ID}, true, nil
		}
		if len(p.Data) == 0 || p.Data[len(p.Data)-1].CreatedAt.Before(since) || p.Meta.NextToken == "" {
			return Sent{}, false, nil
		}
		token = p.Meta.NextToken
	}
}
