package relaysync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"caliopen/shared/syncproto"
)

// Authenticator maps a relay access token to its user; *auth.Store implements it.
type Authenticator interface {
	Verify(token string) (user string, ok bool)
}

// Config are the sync endpoint's limits.
type Config struct {
	MaxBatch int // largest batch accepted, bytes (default syncproto.MaxBatchSize)
	// MaxSpaceBytes is the bytes stored per space (default 256 MiB; <0: no quota). A
	// snapshot's batches are stored up to twice as much, so that a full space can be
	// compacted: its trim brings the space back under.
	MaxSpaceBytes int64
	PushRate      float64       // pushes per second per space on this relay (default 50)
	PushBurst     int           // (default 200)
	HelloTimeout  time.Duration // time to authenticate after connecting (default 10 s)
	// OriginPatterns are the origins allowed besides the relay's own (websocket.AcceptOptions).
	OriginPatterns []string
}

// DefaultConfig returns the default limits.
func DefaultConfig() Config {
	return Config{MaxBatch: syncproto.MaxBatchSize, MaxSpaceBytes: 256 << 20, PushRate: 50, PushBurst: 200, HelloTimeout: 10 * time.Second}
}

// Server is the /sync endpoint.
//
// Authentication: a session needs both the relay access token (the operator's decision of
// who may use this relay at all, as for the tunnel: without it anyone could store data
// here) and a signature by the space's key over a fresh challenge (the space owner's
// proof, which only the user's devices can make). The space id is derived from the public
// key, so a signature for a space is the right to read and write it; the token alone opens
// no space, and the key alone does not let a stranger use this relay.
type Server struct {
	cfg  Config
	auth Authenticator
	log  *Log
	slog *slog.Logger

	mu       sync.Mutex
	closing  bool
	sessions map[*session]struct{}
	limiters map[[syncproto.SpaceIDSize]byte]*spaceLimiter
	wg       sync.WaitGroup
}

type spaceLimiter struct {
	*rate.Limiter
	refs int
}

// New returns the endpoint over a log.
func New(cfg Config, auth Authenticator, lg *Log, logger *slog.Logger) *Server {
	def := DefaultConfig()
	if cfg.MaxBatch <= 0 || cfg.MaxBatch > syncproto.MaxBatchSize {
		cfg.MaxBatch = def.MaxBatch
	}
	if cfg.MaxSpaceBytes == 0 {
		cfg.MaxSpaceBytes = def.MaxSpaceBytes
	}
	if cfg.PushRate <= 0 {
		cfg.PushRate = def.PushRate
	}
	if cfg.PushBurst <= 0 {
		cfg.PushBurst = def.PushBurst
	}
	if cfg.HelloTimeout <= 0 {
		cfg.HelloTimeout = def.HelloTimeout
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Server{cfg: cfg, auth: auth, log: lg, slog: logger, sessions: map[*session]struct{}{}, limiters: map[[syncproto.SpaceIDSize]byte]*spaceLimiter{}}
}

type session struct {
	s       *Server
	ws      *websocket.Conn
	space   [syncproto.SpaceIDSize]byte
	limiter *rate.Limiter
	cancel  context.CancelFunc
	// stopPull ends the running pull, replaced by a new one.
	stopPull context.CancelFunc
}

// ServeHTTP upgrades to a WebSocket and runs one device session.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols:    []string{syncproto.Subprotocol},
		OriginPatterns:  s.cfg.OriginPatterns,
		CompressionMode: websocket.CompressionDisabled, // ciphertext does not compress
	})
	if err != nil {
		return
	}
	ws.SetReadLimit(int64(syncproto.MaxFrameSize))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ss := &session{s: s, ws: ws, cancel: cancel}
	if !s.track(ss) {
		ss.close(syncproto.CodeShuttingDown, "relay shutting down")
		return
	}
	defer s.untrack(ss)
	if ws.Subprotocol() != syncproto.Subprotocol {
		ss.close(syncproto.CodeBadRequest, "subprotocol "+syncproto.Subprotocol+" required")
		return
	}
	if code, reason := ss.authenticate(ctx); code != 0 {
		s.slog.Info("sync: refused", "code", int(code), "reason", reason)
		ss.close(code, reason)
		return
	}
	defer s.release(ss.space)
	code, reason := ss.run(ctx)
	ss.close(code, reason)
}

func (ss *session) close(code syncproto.Code, reason string) {
	if code == 0 {
		_ = ss.ws.Close(websocket.StatusNormalClosure, "")
		return
	}
	e := &syncproto.Error{Code: code, Message: reason}
	if b, err := syncproto.Append(nil, e); err == nil {
		wctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = ss.ws.Write(wctx, websocket.MessageBinary, b)
		cancel()
	}
	_ = ss.ws.Close(websocket.StatusCode(code), e.Message)
}

func (ss *session) send(ctx context.Context, f syncproto.Frame) error {
	b, err := syncproto.Append(nil, f)
	if err != nil {
		return err
	}
	return ss.ws.Write(ctx, websocket.MessageBinary, b) // coder/websocket serialises concurrent writes
}

func (ss *session) authenticate(ctx context.Context) (syncproto.Code, string) {
	ctx, cancel := context.WithTimeout(ctx, ss.s.cfg.HelloTimeout)
	defer cancel()
	ch := syncproto.Challenge{Version: syncproto.Version}
	if _, err := rand.Read(ch.Nonce[:]); err != nil {
		return syncproto.CodeStore, "no randomness"
	}
	if err := ss.send(ctx, ch); err != nil {
		return syncproto.CodeBadRequest, "write challenge"
	}
	typ, b, err := ss.ws.Read(ctx)
	if err != nil || typ != websocket.MessageBinary {
		return syncproto.CodeBadRequest, "no hello"
	}
	f, err := syncproto.Parse(b)
	if err != nil {
		return syncproto.CodeBadRequest, err.Error()
	}
	h, ok := f.(syncproto.Hello)
	if !ok {
		return syncproto.CodeBadRequest, "expected hello"
	}
	if h.Version != syncproto.Version {
		return syncproto.CodeVersion, "this relay speaks sync version 1"
	}
	if _, ok := ss.s.auth.Verify(h.Token); !ok {
		return syncproto.CodeAuthFailed, "unknown or revoked relay token"
	}
	if !h.Verify(ch.Nonce) {
		return syncproto.CodeAuthFailed, "bad space signature"
	}
	ss.space = h.Space()
	ss.limiter = ss.s.acquire(ss.space)
	head, err := ss.s.log.Head(ctx, ss.space)
	if err != nil {
		ss.s.release(ss.space)
		ss.s.slog.Error("sync: head", "space", short(ss.space), "error", err)
		return syncproto.CodeStore, "relay storage unavailable"
	}
	if err := ss.send(ctx, syncproto.Welcome{Head: head, Features: syncproto.FeatureTrim}); err != nil {
		ss.s.release(ss.space)
		return syncproto.CodeBadRequest, "write welcome"
	}
	ss.s.slog.Info("sync: session", "space", short(ss.space), "head", head)
	return 0, ""
}

// run serves pushes and pulls until the device leaves or a fatal error.
func (ss *session) run(ctx context.Context) (syncproto.Code, string) {
	ss.stopPull = func() {}
	defer func() { ss.stopPull() }()
	pullErr := make(chan error, 1)
	for {
		typ, b, err := ss.ws.Read(ctx)
		if err != nil {
			select {
			case err := <-pullErr:
				return pullFailure(ss, err)
			default:
			}
			if ctx.Err() != nil {
				return syncproto.CodeShuttingDown, "relay shutting down"
			}
			return 0, "" // the device went away
		}
		if typ != websocket.MessageBinary {
			return syncproto.CodeBadRequest, "text message"
		}
		f, err := syncproto.Parse(b)
		if err != nil {
			return syncproto.CodeBadRequest, err.Error()
		}
		switch f := f.(type) {
		case syncproto.Push:
			if err := ss.push(ctx, f); err != nil {
				return syncproto.CodeBadRequest, "write"
			}
		case syncproto.Trim:
			if code, reason := ss.trim(ctx, f); code != 0 {
				return code, reason
			}
		case syncproto.Pull:
			ss.stopPull()
			pctx, stop := context.WithCancel(ctx)
			ss.stopPull = stop
			go func() {
				err := ss.s.log.Follow(pctx, ss.space, f.After, f.Live,
					func(seq uint64, data []byte) error { return ss.send(pctx, syncproto.Batch{Seq: seq, Data: data}) },
					func(head uint64) error { return ss.send(pctx, syncproto.Caught{Head: head}) },
					func(point uint64) error { return ss.send(pctx, syncproto.Trimmed{Upto: point}) })
				if err != nil && pctx.Err() == nil {
					select {
					case pullErr <- err:
					default:
					}
					ss.cancel() // ends the read loop: the device reconnects and pulls again
				}
			}()
		default:
			return syncproto.CodeBadRequest, "unexpected frame"
		}
	}
}

func pullFailure(ss *session, err error) (syncproto.Code, string) {
	ss.s.slog.Warn("sync: follow failed", "space", short(ss.space), "error", err)
	return syncproto.CodeStore, "relay storage unavailable"
}

// push stores one batch and answers Ack or a push Error; it fails only when the answer
// cannot be written.
func (ss *session) push(ctx context.Context, p syncproto.Push) error {
	refuse := func(code syncproto.Code, msg string) error {
		ss.s.slog.Info("sync: push refused", "space", short(ss.space), "code", int(code), "bytes", len(p.Data))
		return ss.send(ctx, &syncproto.Error{Code: code, Push: p.ID, Message: msg})
	}
	if len(p.Data) > ss.s.cfg.MaxBatch {
		return refuse(syncproto.CodeTooLarge, "batch over "+strconv.Itoa(ss.s.cfg.MaxBatch)+" bytes")
	}
	if !ss.limiter.Allow() {
		return refuse(syncproto.CodeRateLimited, "too many pushes for this space; slow down")
	}
	quota := ss.s.cfg.MaxSpaceBytes
	if quota < 0 {
		quota = 0
	}
	limit := quota
	if p.Snapshot {
		limit *= 2
	}
	seq, err := ss.s.log.Append(ctx, ss.space, p.ID, p.Data, limit)
	if errors.Is(err, ErrQuota) {
		return refuse(syncproto.CodeQuota, "this space holds "+strconv.FormatInt(quota, 10)+" bytes at most")
	}
	if err != nil {
		ss.s.slog.Warn("sync: append", "space", short(ss.space), "error", err)
		return refuse(syncproto.CodeStore, "relay storage unavailable; retry")
	}
	return ss.send(ctx, syncproto.Ack{ID: p.ID, Seq: seq})
}

// trim drops the space's batches up to a snapshot the device stored, and answers the space's
// trim point; it returns a code when the session must end.
func (ss *session) trim(ctx context.Context, t syncproto.Trim) (syncproto.Code, string) {
	before, _ := ss.s.log.Usage(ctx, ss.space)
	point, err := ss.s.log.Trim(ctx, ss.space, t.Upto, t.Parts)
	if errors.Is(err, ErrNoSnapshot) {
		ss.s.slog.Info("sync: trim refused", "space", short(ss.space), "upto", t.Upto, "error", err)
		return syncproto.CodeBadRequest, "trim: the snapshot is not stored after the trim point"
	}
	if err != nil {
		ss.s.slog.Warn("sync: trim", "space", short(ss.space), "error", err)
		return syncproto.CodeStore, "relay storage unavailable"
	}
	after, _ := ss.s.log.Usage(ctx, ss.space)
	ss.s.slog.Info("sync: trimmed", "space", short(ss.space), "upto", point, "bytes_before", before, "bytes_after", after)
	if err := ss.send(ctx, syncproto.Trimmed{Upto: point}); err != nil {
		return syncproto.CodeBadRequest, "write"
	}
	return 0, ""
}

func (s *Server) track(ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions[ss] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
	s.wg.Done()
}

// acquire returns the space's push limiter. A space's limiter outlives its sessions until it
// has refilled: reconnecting does not reset it (a device cannot escape the rate by
// reconnecting). Limiters of spaces nobody uses and that have refilled are dropped here.
func (s *Server) acquire(space [syncproto.SpaceIDSize]byte) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sp, l := range s.limiters {
		if l.refs <= 0 && l.Tokens() >= float64(s.cfg.PushBurst) {
			delete(s.limiters, sp)
		}
	}
	l := s.limiters[space]
	if l == nil {
		l = &spaceLimiter{Limiter: rate.NewLimiter(rate.Limit(s.cfg.PushRate), s.cfg.PushBurst)}
		s.limiters[space] = l
	}
	l.refs++
	return l.Limiter
}

func (s *Server) release(space [syncproto.SpaceIDSize]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.limiters[space]; l != nil {
		if l.refs--; l.refs <= 0 && l.Tokens() >= float64(s.cfg.PushBurst) {
			delete(s.limiters, space)
		}
	}
}

// Sessions returns the number of open sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shutdown refuses new sessions, ends the open ones with CodeShuttingDown (devices
// reconnect, to this relay once restarted or to another), and waits for them or ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for ss := range s.sessions {
		ss.cancel()
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

// short names a space in logs by a prefix of its id.
func short(space [syncproto.SpaceIDSize]byte) string { return hex.EncodeToString(space[:6]) }
