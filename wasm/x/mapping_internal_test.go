package x

import (
	"testing"
	"time"
)

func TestToMessageExpandsLinks(t *testing.T) {
	var e DMEvent
	e.ID, e.Text, e.ConversationID, e.SenderID, e.EventType = "5", "read https://t.co/abc now", "1-2", "2", "MessageCreate"
	e.Entities.URLs = []URLEntity{{URL: "https://t.co/abc", ExpandedURL: "https://example.org/article"}}
	m, b := toMessage("acc", "1", e, map[string]User{"2": {ID: "2", Name: "Two"}}, nil, []string{"1", "2"}, time.Now())
	if b.Text != "read https://example.org/article now" || m.Snippet != b.Text {
		t.Fatalf("text %q snippet %q", b.Text, m.Snippet)
	}
	if m.Outgoing || m.From() != "x:2" || len(m.Participants) != 2 || m.Participants[1].URI != "x:1" || m.Flags.Seen {
		t.Fatalf("%+v", m)
	}
	if !sameText("look https://example.org/x", "look https://t.co/zzz") || sameText("a", "b") {
		t.Fatal("sameText")
	}
}
