package discussions

import (
	"strings"

	"caliopen/wasm/model"
)

// Filter selects discussions for the list; its zero value keeps the inbox.
type Filter struct {
	// Archive keeps the discussions out of the inbox instead: those whose received messages
	// are all archived.
	Archive bool
	Unread  bool          // only discussions with unread messages
	Network model.Network // only discussions with a message on this network
	Account string        // only discussions with a message through this account
	// Text keeps discussions where it appears (any case) in a participant's address or name or
	// in a message's subject, and those in Found.
	Text string
	// Found are the discussions in which a search index found the words of Text (see
	// package search), each with the latest message found (see Holding).
	Found map[Key]string
	// Tag keeps only the discussions the user tagged so (see tags.go).
	Tag string
}

// IsZero reports whether f keeps the whole inbox.
func (f Filter) IsZero() bool {
	return !f.Archive && !f.Unread && f.Network == "" && f.Account == "" && f.Text == "" && f.Tag == ""
}

// keeps reports whether f keeps d; tagged are the discussions with f's tag (nil: no tag).
func keeps(f Filter, tagged map[*discussion]bool, d *discussion) bool {
	return f.keeps(d) && (tagged == nil || tagged[d])
}

func (f Filter) keeps(d *discussion) bool {
	return d.isArchived() == f.Archive &&
		(!f.Unread || d.tally.unread > 0) &&
		(f.Network == "" || d.channels.hasNetwork(f.Network)) &&
		(f.Account == "" || d.channels.hasAccount(f.Account)) &&
		(f.Text == "" || f.Found[d.key] != "" || mentions(d, strings.ToLower(f.Text)))
}

// Holding returns the discussions that show some of the messages named, each with the
// latest of them; messages not shown (in the trash, say) or unknown are left out.
func (ix *Index) Holding(messageIDs []string) map[Key]string {
	latest := map[Key]*entry{}
	for _, id := range messageIDs {
		e, ok := ix.messages[id]
		if !ok || e.set == nil {
			continue
		}
		k := e.set.disc.key
		latest[k] = later(latest[k], e)
	}
	out := make(map[Key]string, len(latest))
	for k, e := range latest {
		out[k] = e.msg.ID
	}
	return out
}

// Message returns a message the index holds, shown or not.
func (ix *Index) Message(id string) (model.Message, bool) {
	e, ok := ix.messages[id]
	if !ok {
		return model.Message{}, false
	}
	return *e.msg, true
}

// mentions reports whether text (lower case) appears in a participant's address or name or a
// message's subject.
func mentions(d *discussion, text string) bool {
	for _, s := range d.sets {
		for _, e := range s.msgs {
			if strings.Contains(strings.ToLower(e.msg.Subject), text) {
				return true
			}
			for _, p := range e.msg.Participants {
				if strings.Contains(strings.ToLower(string(p.URI)), text) || strings.Contains(strings.ToLower(p.Name), text) {
					return true
				}
			}
		}
	}
	return false
}

// PageWhere returns up to limit summaries of the discussions f keeps after the cursor,
// newest first, the cursor of the next page ("" at the end), and how many discussions f keeps
// in all. It walks the in-memory order, so a page costs the discussions skipped to fill it,
// never a read of the store.
func (ix *Index) PageWhere(f Filter, after Cursor, limit int) ([]Summary, Cursor, int, error) {
	pos, from, err := parseCursor(after)
	if err != nil {
		return nil, "", 0, err
	}
	if limit <= 0 {
		limit = 50
	}
	var tagged map[*discussion]bool
	if f.Tag != "" {
		tagged = ix.tagged(f.Tag)
	}
	total := len(ix.discussions) - ix.archived
	if !f.IsZero() {
		total = 0
		for _, d := range ix.discussions {
			if keeps(f, tagged, d) {
				total++
			}
		}
	}
	var out []Summary
	var last position
	more := false
	ix.order.ascend(pos, from, func(p position) bool {
		d := ix.discussions[p.key]
		if !keeps(f, tagged, d) {
			return true
		}
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, ix.summary(d))
		last = p
		return true
	})
	if !more {
		return out, "", total, nil
	}
	return out, last.cursor(), total, nil
}
