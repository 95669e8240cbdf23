package discussions

import (
	"slices"
	"strings"
	"time"

	"caliopen/wasm/model"
)

// Changes is what one call changed, for a persistence layer to write (see the package doc).
type Changes struct {
	Upserted    []Summary   // discussions created or changed
	Deleted     []Key       // discussions gone
	SetMoves    []SetMove   // participant sets re-keyed to another discussion
	NewSets     []SetRecord // participant sets seen for the first time
	DeletedSets []SetKey    // participant sets with no message left
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.Upserted)+len(c.Deleted)+len(c.SetMoves)+len(c.NewSets)+len(c.DeletedSets) == 0
}

// SetMove is a participant set moving from one discussion to another.
type SetMove struct {
	Set      SetKey
	From, To Key
}

// SetRecord is the stored form of a participant set.
type SetRecord struct {
	Set  SetKey              `json:"set"`
	URIs []model.IdentityURI `json:"uris"`
	Key  Key                 `json:"key"` // its discussion, as last resolved
}

type pending struct {
	touched     map[*discussion]struct{} // keyed by pointer: no string hashing per message
	moves       []SetMove
	newSets     []SetRecord
	deletedSets []SetKey
}

func (ix *Index) begin() {
	if ix.spare == nil {
		ix.spare = &pending{touched: map[*discussion]struct{}{}}
	}
	ix.pending = ix.spare
}

// end puts the touched discussions in their place in the order (or deletes the empty ones)
// and returns the changes of the call.
func (ix *Index) end() Changes {
	p := ix.pending
	ix.pending = nil
	defer p.reset()
	var c Changes
	touched := make([]*discussion, 0, len(p.touched))
	for d := range p.touched {
		touched = append(touched, d)
	}
	slices.SortFunc(touched, func(a, b *discussion) int { return strings.Compare(string(a.key), string(b.key)) })
	for _, d := range touched {
		k := d.key
		if d.pos.key != "" {
			ix.order.delete(d.pos)
			d.pos = position{}
		}
		if d.archived {
			ix.archived--
		}
		if d.count == 0 {
			delete(ix.discussions, k)
			c.Deleted = append(c.Deleted, k)
			continue
		}
		if d.archived = d.isArchived(); d.archived {
			ix.archived++
		}
		d.pos = position{date: d.last.msg.Date.UnixNano(), key: k}
		ix.order.insert(d.pos)
		c.Upserted = append(c.Upserted, ix.summary(d))
	}
	// A set created and re-keyed in one call is reported once, with its final key.
	for i, s := range p.newSets {
		if set, ok := ix.sets[s.Set]; ok {
			p.newSets[i].Key = set.disc.key
		}
	}
	c.SetMoves, c.NewSets, c.DeletedSets = p.moves, p.newSets, p.deletedSets
	return c
}

// reset empties the pending changes for reuse, keeping the map's memory.
func (p *pending) reset() {
	clear(p.touched)
	p.moves, p.newSets, p.deletedSets = nil, nil, nil
}

// lastDate is the date of a discussion's last message.
func (d *discussion) lastDate() time.Time {
	if d.last == nil {
		return time.Time{}
	}
	return d.last.msg.Date
}
