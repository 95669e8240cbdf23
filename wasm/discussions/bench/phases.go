package bench

import (
	"time"

	"caliopen/wasm/discussions"
	"caliopen/wasm/threading"
)

// Phases is where the grouping time goes.
type Phases struct {
	Contacts, Index, Topics time.Duration
	Discussions, TopicCount int
}

// RunGroupingPhases is RunGroupingBenchmark with the time of each phase: giving
// participants contacts, indexing, threading every discussion.
func RunGroupingPhases(n int) Phases {
	mb := NewMailbox(n, 42)
	var ph Phases
	t := time.Now()
	for i := range mb.Messages {
		for _, p := range mb.Messages[i].Participants {
			if _, err := mb.Book.Ensure(p.URI, mb.Messages[i].Date); err != nil {
				panic(err)
			}
		}
	}
	ph.Contacts = time.Since(t)
	t = time.Now()
	ix := discussions.NewIndex(mb.Book)
	for start := 0; start < len(mb.Messages); start += SyncPage {
		if _, err := ix.AddBatch(mb.Messages[start:min(start+SyncPage, len(mb.Messages))]); err != nil {
			panic(err)
		}
	}
	ph.Index = time.Since(t)
	t = time.Now()
	page, _, _ := ix.Page("", 1<<30)
	for _, s := range page {
		ph.TopicCount += len(ix.Topics(s.Key, threading.Strict))
	}
	ph.Topics = time.Since(t)
	ph.Discussions = len(page)
	return ph
}
