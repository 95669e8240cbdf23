package app

import (
	"context"
	"errors"
	"slices"
	"time"

	"caliopen/wasm/engine"
	"caliopen/wasm/mastodon"
	"caliopen/wasm/model"
)

// People change their profiles: a bio that starts naming their Mastodon handle, a new
// picture, a link their instance now verifies. What the networks say about the people the
// user talks with is asked again when it is older than a week, a few people at a time, by
// the accounts running in the tab that syncs; the identity engine then looks for links again.

// profileRefresher is a connection that can ask its network again for profiles.
type profileRefresher interface {
	// profileNetwork is the network whose identities it refreshes.
	profileNetwork() model.Network
	// refreshProfiles asks the network for these identities and stores what it says; it
	// returns those it refreshed.
	refreshProfiles(ctx context.Context, ids []model.Identity) ([]model.IdentityURI, error)
}

// How old a profile may grow, how often stale ones are looked for, and how many one account
// asks for in a round (X answers 100 in one call; Mastodon one per person).
var profileRefresh = struct {
	maxAge, every, first time.Duration
	perRound             map[model.Network]int
}{maxAge: 7 * 24 * time.Hour, every: 6 * time.Hour, first: 2 * time.Minute,
	perRound: map[model.Network]int{model.X: 100, model.Mastodon: 20}}

// refreshProfiles runs until ctx ends: a first round soon after start, then one every few hours.
func (m *accounts) refreshProfiles(ctx context.Context) {
	wait := profileRefresh.first
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = profileRefresh.every
		refreshed := 0
		for _, c := range m.connections() {
			r, ok := c.(profileRefresher)
			if !ok {
				continue
			}
			stale := m.staleProfiles(ctx, r.profileNetwork())
			done, err := r.refreshProfiles(ctx, stale)
			if err != nil {
				m.a.o.Log.Info("accounts: profiles not refreshed", "network", r.profileNetwork(), "error", err)
				continue // asked again next round
			}
			refreshed += len(done)
			// Those the network did not give (an account gone, suspended, renamed) wait a week
			// too rather than crowd out the others.
			for _, id := range stale {
				if !slices.Contains(done, id.URI) {
					id.UpdatedAt = time.Now()
					_ = m.a.eng.Repo.PutIdentity(ctx, &id)
				}
			}
		}
		if refreshed > 0 {
			m.profilesChanged()
			m.changed(ctx, engine.TopicContacts) // the contacts show the profiles
		}
	}
}

// staleProfiles are the identities of other people on a network whose profile was last read
// longer ago than profileRefresh.maxAge, the oldest first, at most a round's worth.
func (m *accounts) staleProfiles(ctx context.Context, n model.Network) []model.Identity {
	before := time.Now().Add(-profileRefresh.maxAge)
	var stale []model.Identity
	_ = m.a.eng.Repo.EachIdentity(ctx, func(id model.Identity) {
		if !id.Own && id.URI.Network() == n && id.UpdatedAt.Before(before) {
			stale = append(stale, id)
		}
	})
	slices.SortFunc(stale, func(a, b model.Identity) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	return stale[:min(len(stale), profileRefresh.perRound[n])]
}

func (c *xConn) profileNetwork() model.Network { return model.X }

// refreshProfiles asks X for the users, a hundred to a call.
func (c *xConn) refreshProfiles(ctx context.Context, ids []model.Identity) ([]model.IdentityURI, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	users := make([]string, len(ids))
	for i, id := range ids {
		users[i] = id.URI.Address()
	}
	facts, err := c.conn.Syncer.RefreshProfiles(ctx, users)
	var done []model.IdentityURI
	for _, f := range facts {
		done = append(done, f.Identity.URI)
	}
	return done, err
}

func (c *mastodonConn) profileNetwork() model.Network { return model.Mastodon }

// refreshProfiles looks the accounts up on the instance, one by one; a spent rate limit ends
// the round.
func (c *mastodonConn) refreshProfiles(ctx context.Context, ids []model.Identity) ([]model.IdentityURI, error) {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return nil, nil // not connected yet: the next round
	}
	var done []model.IdentityURI
	for _, id := range ids {
		fresh, err := conn.Profile(ctx, id.URI.Address())
		var rl *mastodon.RateLimitError
		if errors.As(err, &rl) || ctx.Err() != nil {
			return done, err
		}
		if err == nil {
			done = append(done, fresh.URI)
		}
	}
	return done, nil
}
