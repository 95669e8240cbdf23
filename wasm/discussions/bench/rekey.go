package bench

import (
	"fmt"
	"slices"
	"time"

	"caliopen/wasm/model"
)

// MergeCost returns the median time the index takes to re-key after merging two
// correspondents' contacts (and again after undoing it) in an index of size messages,
// over samples merges. It does not count the contact book's own work.
func MergeCost(size, samples int) time.Duration {
	mb := NewMailbox(size, 11)
	ix, _ := Group(mb)
	var times []time.Duration
	at := start.Add(365 * 24 * time.Hour)
	for i := range samples {
		a, _ := mb.Book.ContactOf(model.IdentityURI(fmt.Sprintf("email:p%d@example.org", (2*i)%Correspondents)))
		b, _ := mb.Book.ContactOf(model.IdentityURI(fmt.Sprintf("email:p%d@example.org", (2*i+1)%Correspondents)))
		ch, err := mb.Book.Merge(a, b, nil, at.Add(time.Duration(i)*time.Second))
		if err != nil {
			panic(err)
		}
		t := time.Now()
		ix.Apply(ch)
		times = append(times, time.Since(t))
		undo, err := mb.Book.Undo(ch.Op.ID, fmt.Sprint("undo-", i), at)
		if err != nil {
			panic(err)
		}
		t = time.Now()
		ix.Apply(undo)
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	return times[len(times)/2]
}
