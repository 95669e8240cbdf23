package x

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// Request parameters of the DM lookup.
const (
	dmEventFields = "id,text,event_type,created_at,dm_conversation_id,sender_id,participant_ids,attachments,referenced_tweets,entities"
	dmExpansions  = "sender_id,participant_ids,attachments.media_keys"
	userFields    = "name,username,description,url,entities,profile_image_url"
	mediaFields   = "media_key,type,url,preview_image_url,width,height,alt_text"
)

// DMEvent is one event of /2/dm_events.
type DMEvent struct {
	ID             string    `json:"id"`
	EventType      string    `json:"event_type"` // MessageCreate, ParticipantsJoin, ParticipantsLeave
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"created_at"`
	ConversationID string    `json:"dm_conversation_id"`
	SenderID       string    `json:"sender_id"`
	ParticipantIDs []string  `json:"participant_ids"`
	Attachments    struct {
		MediaKeys []string `json:"media_keys"`
	} `json:"attachments"`
	Entities struct {
		URLs []URLEntity `json:"urls"`
	} `json:"entities"`
	ReferencedTweets []struct {
		ID string `json:"id"`
	} `json:"referenced_tweets"`
}

// Media is an expanded attachment.
type Media struct {
	Key             string `json:"media_key"`
	Type            string `json:"type"` // photo, video, animated_gif
	URL             string `json:"url"`
	PreviewImageURL string `json:"preview_image_url"`
	Width           int    `json:"width"`
	Height          int    `json:"height"`
	AltText         string `json:"alt_text"`
}

// EventsPage is one page of DM events with its expansions.
type EventsPage struct {
	Data     []DMEvent `json:"data"`
	Includes struct {
		Users []User  `json:"users"`
		Media []Media `json:"media"`
	} `json:"includes"`
	Meta struct {
		ResultCount int    `json:"result_count"`
		NextToken   string `json:"next_token"`
	} `json:"meta"`
	Errors []ErrorItem `json:"errors"`
}

// EndpointDMEvents is the rate-limit bucket of the DM lookup (15 requests / 15 min per user).
const EndpointDMEvents = "GET /2/dm_events"

// DMEvents fetches one page of the user's DM events across conversations, newest first;
// pageToken is "" for the first page, then the previous page's Meta.NextToken.
func (c *Client) DMEvents(ctx context.Context, pageToken string, maxResults int) (*EventsPage, error) {
	q := url.Values{
		"dm_event.fields": {dmEventFields},
		"expansions":      {dmExpansions},
		"user.fields":     {userFields},
		"media.fields":    {mediaFields},
		"max_results":     {strconv.Itoa(maxResults)},
	}
	if pageToken != "" {
		q.Set("pagination_token", pageToken)
	}
	var p EventsPage
	if err := c.call(ctx, EndpointDMEvents, "GET", "/2/dm_events", q, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// idLess compares X's numeric ids (decimal strings; newer ids are larger).
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
