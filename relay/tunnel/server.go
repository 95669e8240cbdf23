// Package tunnel is the relay side of the blind tunnel: an http.Handler that turns each
// WebSocket (github.com/coder/websocket) into one TCP connection to a destination the
// client names, after checking its token, the destination policy and the limits.
//
// The relay only ever forwards bytes: TLS is negotiated by the client, inside the browser,
// so what crosses the relay is ciphertext. Logs and metrics carry metadata only (user,
// destination, byte counts, duration, outcome), never payload and never tokens.
// The wire protocol is in caliopen/shared/tunnel.
package tunnel

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"caliopen/relay/policy"
	proto "caliopen/shared/tunnel"
)

// Authenticator maps a token to its user; *auth.Store implements it.
type Authenticator interface {
	Verify(token string) (user string, ok bool)
}

// DialFunc connects to a vetted address. It is net.Dialer.DialContext by default; tests
// inject one to record or forbid dials.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Options are the server's injectable dependencies; every field is optional.
type Options struct {
	Logger   *slog.Logger
	Resolver policy.Resolver // nil: net.DefaultResolver
	Dial     DialFunc
}

// Server is the tunnel endpoint. Mount it (for example at /tunnel) on the relay's HTTP
// server, register Collector() with Prometheus, and call Shutdown before exiting.
type Server struct {
	cfg     Config
	auth    Authenticator
	policy  *policy.Policy
	dial    DialFunc
	log     *slog.Logger
	metrics *metrics
	limits  *limits
	pool    sync.Pool

	ctx    context.Context // cancelled by Shutdown
	cancel context.CancelFunc

	open    atomic.Int64 // established tunnels
	pending atomic.Int64 // WebSockets waiting for or checking their open request

	mu      sync.Mutex
	tunnels map[*tunnel]struct{}
	wg      sync.WaitGroup
}

// New returns a tunnel server.
func New(cfg Config, auth Authenticator, opts Options) *Server {
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultConfig().BufferSize
	}
	s := &Server{
		cfg:     cfg,
		auth:    auth,
		policy:  cfg.Policy(opts.Resolver),
		dial:    opts.Dial,
		log:     opts.Logger,
		metrics: newMetrics(),
		tunnels: map[*tunnel]struct{}{},
	}
	s.limits = newLimits(&s.cfg)
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.dial == nil {
		s.dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	size := cfg.BufferSize
	s.pool.New = func() any { b := make([]byte, size); return &b }
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Collector returns the tunnel's Prometheus metrics, to register on the relay's registry.
func (s *Server) Collector() prometheus.Collector { return s.metrics }

// OpenTunnels returns the number of established tunnels.
func (s *Server) OpenTunnels() int { return int(s.open.Load()) }

// ServeHTTP upgrades the request to a WebSocket and runs one tunnel on it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:    []string{proto.Subprotocol},
		OriginPatterns:  s.cfg.OriginPatterns,
		CompressionMode: websocket.CompressionDisabled, // ciphertext does not compress
	})
	if err != nil {
		s.refused("", "", proto.CodeBadRequest, "websocket upgrade: "+err.Error())
		return // Accept has written the HTTP error
	}
	t := &tunnel{s: s, ws: ws, start: time.Now(), done: make(chan struct{})}
	if !s.track(t) {
		s.refuse(t, proto.CodeShuttingDown, "relay shutting down")
		return
	}
	defer s.untrack(t)
	if ws.Subprotocol() != proto.Subprotocol {
		s.refuse(t, proto.CodeBadRequest, "subprotocol "+proto.Subprotocol+" required")
		return
	}
	if n := s.pending.Add(1); s.cfg.MaxPending > 0 && n > int64(s.cfg.MaxPending) {
		s.pending.Add(-1)
		s.refuse(t, proto.CodeLimit, "too many pending tunnel opens")
		return
	}
	ok := t.open()
	s.pending.Add(-1)
	if !ok {
		return
	}
	t.run()
}

// Shutdown stops accepting tunnels, closes every open one with the "relay shutting down"
// code and waits for them to finish or for ctx to end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.cancel()
	s.mu.Lock()
	for t := range s.tunnels {
		// Tunnels still opening see the cancelled context and refuse themselves.
		if t.established.Load() {
			go t.finish(proto.CodeShuttingDown, "relay shutting down")
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) track(t *tunnel) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return false
	}
	s.tunnels[t] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(t *tunnel) {
	s.mu.Lock()
	delete(s.tunnels, t)
	s.mu.Unlock()
	s.wg.Done()
}

// refuse closes a tunnel that never opened, with code and reason.
// Only the first refusal counts: the open timeout or shutdown may race the handler.
func (s *Server) refuse(t *tunnel, code proto.Code, reason string) {
	s.refuseAs(t, t.user, t.dest, code, reason)
}

// refuseAs is refuse for callers on other goroutines, which must not read t's fields.
func (s *Server) refuseAs(t *tunnel, user, dest string, code proto.Code, reason string) {
	first := false
	t.refuseOnce.Do(func() {
		first = true
		s.refused(user, dest, code, reason)
	})
	if first {
		t.ws.Close(websocket.StatusCode(code), proto.Reason(reason))
	}
	t.ws.CloseNow()
}

func (s *Server) refused(user, dest string, code proto.Code, reason string) {
	s.metrics.refusals.WithLabelValues(code.String()).Inc()
	s.log.Info("tunnel refused", "user", user, "dest", dest, "outcome", code.String(), "reason", reason)
}

// dialVetted connects to the first reachable vetted address. Each attempt gets an equal
// share of the time left, so an address that swallows packets (a broken IPv6 route) cannot
// use up the whole dial timeout before the next one is tried.
func (s *Server) dialVetted(ctx context.Context, addrs []netip.AddrPort) (net.Conn, netip.AddrPort, error) {
	var first error
	for i, a := range addrs {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if deadline, ok := ctx.Deadline(); ok && i < len(addrs)-1 {
			share := time.Until(deadline) / time.Duration(len(addrs)-i)
			actx, cancel = context.WithTimeout(ctx, share)
		}
		c, err := s.dial(actx, "tcp", a.String())
		cancel()
		if err == nil {
			return c, a, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, netip.AddrPort{}, first
}

// openError maps a resolution or dial failure to a close code and a reason.
func openError(ctx context.Context, err error) (proto.Code, string) {
	var denied *policy.DeniedError
	var dnsErr *policy.DNSError
	switch {
	case errors.As(err, &denied):
		return proto.CodeDenied, strings.TrimPrefix(denied.Error(), "denied: ")
	case ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return proto.CodeTimeout, "timed out connecting to destination"
	case errors.As(err, &dnsErr):
		return proto.CodeDNS, "cannot resolve " + dnsErr.Host
	case errors.Is(err, syscall.ECONNREFUSED):
		return proto.CodeUnreachable, "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return proto.CodeUnreachable, "host unreachable"
	}
	return proto.CodeUnreachable, "cannot connect to destination"
}

func hostPort(host string, port uint16) string {
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}
