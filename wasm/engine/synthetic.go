package engine

import (
	"context"
	"fmt"
	"strings"

	"caliopen/wasm/discussions/bench"
	"caliopen/wasm/model"
	"caliopen/wasm/store/repo"
)

// SeedSynthetic stores n synthetic messages (email threads, lists, Mastodon and X DMs across
// ~2,000 correspondents, each with a 2–5 KB body), in batches of batch, as a connector's
// sync would. It is for benchmarks, load tests and development; the messages are
// deterministic for a seed.
func (e *Engine) SeedSynthetic(ctx context.Context, n int, seed uint64, batch int) error {
	if batch <= 0 {
		batch = 250
	}
	mb := bench.NewMailbox(n, seed)
	for _, own := range []model.IdentityURI{"email:me@home.example", "mastodon:me@mamot.fr", "x:1"} {
		if err := e.SetOwnIdentity(ctx, model.Identity{URI: own, DisplayName: "Me"}); err != nil {
			return err
		}
	}
	filler := strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 90)
	for start := 0; start < len(mb.Messages); start += batch {
		end := min(start+batch, len(mb.Messages))
		writes := make([]repo.MessageWrite, 0, end-start)
		for i := start; i < end; i++ {
			m := mb.Messages[i]
			if m.RemoteID == "" {
				m.RemoteID = m.ID
			}
			m.ID = model.MessageID(m.AccountID, m.RemoteID)
			m.ReceivedAt = m.Date
			m.Snippet = fmt.Sprintf("Message %d about %s — %s", i, m.Subject, filler[:80])
			body := &model.Body{MessageID: m.ID, Text: m.Snippet + "\n\n" + filler[:2000+(i*37)%3000]}
			writes = append(writes, repo.MessageWrite{Message: &m, Body: body})
		}
		if err := e.Ingest(ctx, writes); err != nil {
			return err
		}
	}
	return nil
}
