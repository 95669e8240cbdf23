package tunnel

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	proto "caliopen/shared/tunnel"
)

// tunnel is one WebSocket carrying one TCP connection.
type tunnel struct {
	s     *Server
	ws    *websocket.Conn
	start time.Time

	user  string
	dest  string // host:port as the client named it
	addr  netip.AddrPort
	tcp   net.Conn
	quota *userState

	up, down   atomic.Int64
	lastActive atomic.Int64 // unix nanoseconds of the last byte moved
	idle       *time.Timer

	refuseOnce  sync.Once
	established atomic.Bool
	once        sync.Once
	code        proto.Code
	reason      string
	done        chan struct{}
}

// open reads and checks the open request, then dials. It reports whether the tunnel is
// established; otherwise the WebSocket has been closed with the refusal's code.
func (t *tunnel) open() bool {
	s := t.s
	// A context that expires closes a coder/websocket connection without a close frame, so
	// the open timeout and shutdown close the WebSocket themselves, with their code.
	timer := time.AfterFunc(s.cfg.OpenTimeout, func() { s.refuseAs(t, "", "", proto.CodeTimeout, "no open request in time") })
	stopShutdown := context.AfterFunc(s.ctx, func() { s.refuseAs(t, "", "", proto.CodeShuttingDown, "relay shutting down") })
	t.ws.SetReadLimit(proto.MaxOpenSize)
	typ, msg, err := t.ws.Read(context.Background())
	timer.Stop()
	stopShutdown()
	if err != nil {
		s.refuse(t, proto.CodeBadRequest, "no open request")
		return false
	}
	if typ != websocket.MessageBinary {
		s.refuse(t, proto.CodeBadRequest, "open request must be a binary message")
		return false
	}
	req, err := proto.ParseOpen(msg)
	clear(msg)
	if err != nil {
		s.refuse(t, proto.CodeBadRequest, err.Error())
		return false
	}
	user, ok := s.auth.Verify(req.Token)
	req.Token = ""
	t.dest = hostPort(req.Host, req.Port)
	if !ok {
		s.refuse(t, proto.CodeAuthFailed, "authentication failed")
		return false
	}
	t.user = user
	quota, why := s.limits.acquire(user, time.Now())
	if quota == nil {
		s.refuse(t, proto.CodeLimit, why)
		return false
	}
	t.quota = quota

	dctx, dcancel := context.WithTimeout(s.ctx, s.cfg.DialTimeout)
	defer dcancel()
	began := time.Now()
	addrs, err := s.policy.Resolve(dctx, req.Host, req.Port)
	if err == nil {
		t.tcp, t.addr, err = s.dialVetted(dctx, addrs)
	}
	if err != nil {
		s.limits.release(quota)
		if s.ctx.Err() != nil {
			s.refuse(t, proto.CodeShuttingDown, "relay shutting down")
			return false
		}
		code, reason := openError(dctx, err)
		s.refuse(t, code, reason)
		return false
	}
	s.metrics.dial.Observe(time.Since(began).Seconds())
	wctx, wcancel := context.WithTimeout(context.Background(), s.cfg.OpenTimeout)
	defer wcancel()
	if err := t.ws.Write(wctx, websocket.MessageBinary, proto.Reply); err != nil {
		t.tcp.Close()
		s.limits.release(quota)
		s.refuse(t, proto.CodeBadRequest, "client went away before the reply")
		return false
	}
	return true
}

// run pumps bytes both ways until either side ends, a limit fires or the relay shuts down.
func (t *tunnel) run() {
	s := t.s
	s.metrics.open.Inc()
	s.open.Add(1)
	t.lastActive.Store(time.Now().UnixNano())
	t.ws.SetReadLimit(-1) // messages are streamed through a pooled buffer, never held whole

	if s.cfg.IdleTimeout > 0 {
		t.idle = time.AfterFunc(time.Hour, t.checkIdle)
		t.idle.Reset(s.cfg.IdleTimeout) // armed only once t.idle is assigned
	}
	var life *time.Timer
	if s.cfg.MaxLifetime > 0 {
		life = time.AfterFunc(s.cfg.MaxLifetime, func() { t.finish(proto.CodeTimeout, "maximum tunnel lifetime reached") })
	}
	t.established.Store(true)
	if s.ctx.Err() != nil { // Shutdown began before we were established
		t.finish(proto.CodeShuttingDown, "relay shutting down")
	}

	var ping *time.Timer
	if s.cfg.PingInterval > 0 {
		ping = time.AfterFunc(time.Hour, func() { t.keepAlive(ping) })
		ping.Reset(s.cfg.PingInterval) // armed only once ping is assigned
	}

	go t.downstream()
	t.upstream()
	<-t.done
	if ping != nil {
		ping.Stop()
	}

	if t.idle != nil {
		t.idle.Stop()
	}
	if life != nil {
		life.Stop()
	}
	s.limits.release(t.quota)
	s.metrics.open.Dec()
	s.open.Add(-1)
	s.metrics.closes.WithLabelValues(t.code.String()).Inc()
	s.log.Info("tunnel closed", "user", t.user, "dest", t.dest, "addr", t.addr.String(),
		"bytes_up", t.up.Load(), "bytes_down", t.down.Load(),
		"duration", time.Since(t.start).Round(time.Millisecond).String(),
		"outcome", t.code.String(), "reason", t.reason)
}

// finish ends the tunnel once: it closes the WebSocket with code and the TCP connection.
func (t *tunnel) finish(code proto.Code, reason string) { t.end(code, reason, true) }

// end is finish; without handshake it drops the WebSocket at once (the client is gone).
func (t *tunnel) end(code proto.Code, reason string, handshake bool) {
	t.once.Do(func() {
		t.code, t.reason = code, reason
		if t.tcp != nil {
			t.tcp.Close()
		}
		if handshake {
			t.ws.Close(websocket.StatusCode(code), proto.Reason(reason))
		}
		t.ws.CloseNow()
		close(t.done)
	})
}

// checkIdle runs when the idle timer fires; it re-arms itself while bytes keep moving.
func (t *tunnel) checkIdle() {
	last := time.Unix(0, t.lastActive.Load())
	if left := t.s.cfg.IdleTimeout - time.Since(last); left > 0 {
		select {
		case <-t.done:
		default:
			t.idle.Reset(left)
		}
		return
	}
	t.finish(proto.CodeTimeout, "idle timeout")
}

// keepAlive pings the client when the tunnel has been idle for a ping interval, so that
// proxies in front of the relay keep an idle IMAP IDLE session open; a client that does not
// answer within the interval is gone.
func (t *tunnel) keepAlive(timer *time.Timer) {
	select {
	case <-t.done:
		return
	default:
	}
	every := t.s.cfg.PingInterval
	if idle := time.Since(time.Unix(0, t.lastActive.Load())); idle >= every {
		ctx, cancel := context.WithTimeout(context.Background(), every)
		err := t.ws.Ping(ctx)
		cancel()
		if err != nil {
			t.end(proto.CodeNormal, "client stopped answering pings", false)
			return
		}
	}
	timer.Reset(every)
}

// upstream copies client messages to the TCP connection.
func (t *tunnel) upstream() {
	ctx := context.Background() // cancellation is by closing the connections
	for {
		typ, r, err := t.ws.Reader(ctx)
		if err != nil {
			t.finish(proto.CodeNormal, closeReason(err))
			return
		}
		if typ != websocket.MessageBinary {
			t.finish(proto.CodeBadRequest, "text message in tunnel")
			return
		}
		if err := t.copyMessage(r); err != nil {
			t.finish(proto.CodeUnreachable, "destination write failed")
			return
		}
	}
}

func (t *tunnel) copyMessage(r io.Reader) error {
	bp := t.s.pool.Get().(*[]byte)
	defer t.s.pool.Put(bp)
	buf := t.chunk(*bp)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			t.account(&t.up, n)
			t.s.metrics.up.Add(float64(n))
			if _, werr := t.tcp.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// downstream copies TCP bytes to the client, one binary message per read.
func (t *tunnel) downstream() {
	ctx := context.Background()
	waiter := newReadWaiter(t.tcp)
	full := false // the last read filled the buffer: more is likely queued, skip the wait
	for {
		if !full {
			if err := waiter.wait(); err != nil {
				t.finish(proto.CodeNormal, "")
				return
			}
		}
		bp := t.s.pool.Get().(*[]byte)
		buf := t.chunk(*bp)
		n, err := t.tcp.Read(buf)
		full = n == len(buf)
		if n > 0 {
			t.account(&t.down, n)
			t.s.metrics.down.Add(float64(n))
			if werr := t.ws.Write(ctx, websocket.MessageBinary, (*bp)[:n]); werr != nil {
				t.s.pool.Put(bp)
				t.finish(proto.CodeNormal, "client gone")
				return
			}
		}
		t.s.pool.Put(bp)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				t.finish(proto.CodeNormal, "")
			} else {
				t.finish(proto.CodeUnreachable, "destination connection reset")
			}
			return
		}
	}
}

// chunk limits a buffer to the user's rate-limiter burst, so WaitN never fails.
func (t *tunnel) chunk(b []byte) []byte {
	if rl := t.quota.rate; rl != nil && rl.Burst() < len(b) {
		return b[:rl.Burst()]
	}
	return b
}

// account records activity and applies the user's bytes-per-second limit.
func (t *tunnel) account(counter *atomic.Int64, n int) {
	counter.Add(int64(n))
	t.lastActive.Store(time.Now().UnixNano())
	if rl := t.quota.rate; rl != nil {
		rl.WaitN(t.s.ctx, n) // returns early only when the relay shuts down
		t.lastActive.Store(time.Now().UnixNano())
	}
}

func closeReason(err error) string {
	if st := websocket.CloseStatus(err); st == websocket.StatusNormalClosure || st == websocket.StatusGoingAway {
		return "client closed"
	}
	return "client connection lost"
}
