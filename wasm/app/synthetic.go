//go:build synthetic || !js

package app

import (
	"context"
	"time"

	"caliopen/wasm/api"
	"caliopen/wasm/core"
)

// registerSynthetic adds dev.seedSynthetic, which stores a synthetic mailbox: for benchmarks,
// load tests and native tests. The browser core the relay serves has no such method; only a
// core built with `-tags synthetic` (make relay-synthetic, for web/bench and the e2e tests
// that need thousands of messages) and native test builds have it.
func (a *app) registerSynthetic(c *core.Core) {
	core.Handle(c, api.SeedSynthetic, func(ctx context.Context, p api.SeedParams) (api.SeedResult, error) {
		started := time.Now()
		if p.Count <= 0 || p.Count > 200000 {
			return api.SeedResult{}, api.Errorf(api.CodeBadRequest, "count must be between 1 and 200000")
		}
		if err := a.eng.SeedSynthetic(ctx, p.Count, uint64(p.Seed), 250); err != nil {
			return api.SeedResult{}, err
		}
		return api.SeedResult{Messages: p.Count, Ms: time.Since(started).Milliseconds()}, nil
	})
}
