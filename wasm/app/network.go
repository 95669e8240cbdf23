package app

import (
	"context"

	"caliopen/wasm/api"
	"caliopen/wasm/email/outbox"
	"caliopen/wasm/store/repo"
)

// What the page knows of the network reaches the core here (api.SetNetwork): the browser's
// online and offline events and the relay's answers, and the page coming back into view.
//
// Network back: every email account syncs at once (a reconnection waiting out its backoff
// is tried now), and the outbox sends what waits, its backoff cut short. While offline, the
// outbox claims nothing it could not send: an attempt that cannot succeed would count toward
// the attempts after which a message is given up (Failed), and a person offline for a day
// must find their reply sent, not failed.

func (m *accounts) network(ctx context.Context, p api.NetworkParams) (api.Empty, error) {
	was := m.online.Swap(p.Online)
	if !p.Online {
		if was {
			m.changed(ctx, "status")
		}
		return api.Empty{}, nil
	}
	back := !was
	for _, c := range m.connections() {
		ec, ok := c.(*emailConn)
		switch {
		case !ok:
		case back:
			ec.conn.Refresh()
		case p.Visible:
			ec.conn.Ping()
		}
	}
	if back || p.Visible {
		if err := m.a.eng.Repo.RetryNow(ctx); err != nil {
			return api.Empty{}, err
		}
		m.wakeOutbox()
	}
	if back {
		m.changed(ctx, "status")
	}
	return api.Empty{}, nil
}

// connections returns the running connections.
func (m *accounts) connections() []connection {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]connection, 0, len(m.running))
	for _, r := range m.running {
		out = append(out, r.conn)
	}
	return out
}

func (m *accounts) wakeOutbox() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// outboxGate lets the outbox send an item while the network is up and this device's turn
// came (device sync); offline, the item waits without counting an attempt.
func (m *accounts) outboxGate(ctx context.Context, it *repo.OutboxItem) outbox.Turn {
	if !m.online.Load() {
		return outbox.WaitTurn
	}
	return m.a.sync.outboxTurn(ctx, it)
}
