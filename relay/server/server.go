// Package server is the relay's HTTP front: one listener that serves the embedded web app,
// the health check and, mounted by the relay's main, the tunnel, sync and metrics endpoints.
// It owns graceful shutdown: stop accepting, let handlers close their long-lived connections
// (tunnels, sync streams) cleanly, then return.
package server

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultCSP is the Content-Security-Policy of the app's pages: scripts and the core's
// WebAssembly only from the relay itself, network access to the relay and to HTTPS/WSS
// services (Mastodon instances are called directly from the browser), no plugins, no framing.
//
// A mail's HTML is shown in a sandboxed srcdoc frame (no scripts, an opaque origin) with its
// own stricter policy inside; a srcdoc document also inherits this one, so this one allows
// what such a frame needs and nothing else: HTTPS images (loaded only once the user allowed
// a message's remote content, and then only from its hosts, which the frame's own policy
// names) and style attributes (the sanitised mail's inline styles; style sheets stay 'self').
const DefaultCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; " +
	"connect-src 'self' https: wss:; img-src 'self' data: blob: https:; style-src 'self'; style-src-attr 'unsafe-inline'; " +
	"frame-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Config is the HTTP front's configuration.
type Config struct {
	Addr string // listen address, e.g. 127.0.0.1:8080
	App  fs.FS  // the built web app
	CSP  string // defaults to DefaultCSP
	Log  *slog.Logger
}

// Server is the relay's HTTP server.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	http      *http.Server
	static    *StaticHandler
	mu        sync.Mutex
	onClosing []func(context.Context)
}

// New builds the server and its routes: "/" the web app, "/healthz" the health check.
func New(cfg Config) (*Server, error) {
	if cfg.CSP == "" {
		cfg.CSP = DefaultCSP
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	static, err := NewStaticHandler(cfg.App, cfg.CSP)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), static: static}
	s.mux.Handle("/", static)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// AppBuilt reports whether the embedded web app was built.
func (s *Server) AppBuilt() bool { return s.static.Built() }

// Handle mounts h at pattern (net/http ServeMux syntax), e.g. the tunnel at "/tunnel".
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// OnShutdown registers fn to run when shutdown begins, to close long-lived connections
// (hijacked WebSockets are not closed by http.Server.Shutdown).
func (s *Server) OnShutdown(fn func(context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onClosing = append(s.onClosing, fn)
}

// Handler returns the server's routes, for tests that mount them on httptest.
func (s *Server) Handler() http.Handler { return s.mux }

// Listen opens the configured address.
func (s *Server) Listen() (net.Listener, error) { return net.Listen("tcp", s.cfg.Addr) }

// Serve serves on l until Shutdown; it returns nil after a clean shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.http.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, asks every long-lived handler to close, and waits for open
// requests to finish until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	hooks := append([]func(context.Context){}, s.onClosing...)
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, fn := range hooks {
		wg.Add(1)
		go func() { defer wg.Done(); fn(ctx) }()
	}
	err := s.http.Shutdown(ctx)
	wg.Wait()
	return err
}
