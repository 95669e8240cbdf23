package tunnel

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limits counts open tunnels and recent opens, per user and in total.
type limits struct {
	cfg *Config

	mu    sync.Mutex
	total int
	users map[string]*userState
}

type userState struct {
	open  int
	opens []time.Time   // opens in the last minute, oldest first
	rate  *rate.Limiter // bytes per second, nil if unlimited
}

func newLimits(cfg *Config) *limits {
	return &limits{cfg: cfg, users: map[string]*userState{}}
}

// acquire reserves a tunnel for user, or says which limit refuses it.
func (l *limits) acquire(user string, now time.Time) (*userState, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.users[user]
	if u == nil {
		u = &userState{}
		if bps := l.cfg.BytesPerSecond; bps > 0 {
			u.rate = rate.NewLimiter(rate.Limit(bps), max(bps, 1))
		}
		l.users[user] = u
	}
	cut := 0
	for cut < len(u.opens) && now.Sub(u.opens[cut]) >= time.Minute {
		cut++
	}
	u.opens = u.opens[cut:]
	switch {
	case l.cfg.MaxTunnels > 0 && l.total >= l.cfg.MaxTunnels:
		return nil, "relay tunnel limit reached"
	case l.cfg.MaxTunnelsPerUser > 0 && u.open >= l.cfg.MaxTunnelsPerUser:
		return nil, "per-user tunnel limit reached"
	case l.cfg.OpensPerMinute > 0 && len(u.opens) >= l.cfg.OpensPerMinute:
		return nil, "too many tunnel opens per minute"
	}
	u.opens = append(u.opens, now)
	u.open++
	l.total++
	return u, ""
}

func (l *limits) release(u *userState) {
	l.mu.Lock()
	u.open--
	l.total--
	l.mu.Unlock()
}
