// Command relay is Caliopen's self-hostable server: it serves the web app and carries the
// browser's protocol connections (tunnel) and device sync, without ever seeing plaintext.
//
//	relay [flags]            serve (see -h)
//	relay [flags] token add <user> | revoke <user> | list
//	                         manage relay access tokens in the data directory
package main

import (
	"context"
	"crypto/subtle"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"caliopen/relay/auth"
	"caliopen/relay/server"
	relaysync "caliopen/relay/sync"
	"caliopen/relay/tunnel"
	"caliopen/relay/webapp"
	"caliopen/shared/version"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(args []string) error {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	listen := fs.String("listen", envOr("CALIOPEN_RELAY_LISTEN", "127.0.0.1:8080"), "address to listen on (env CALIOPEN_RELAY_LISTEN)")
	dataDir := fs.String("data", envOr("CALIOPEN_RELAY_DATA", "caliopen-data"), "data directory (env CALIOPEN_RELAY_DATA)")
	sandboxFile := fs.String("sandbox", envOr("CALIOPEN_RELAY_SANDBOX", ""), "a demo sandbox's description (JSON) to give signed-in clients at GET /sandbox; set by the sandbox command (env CALIOPEN_RELAY_SANDBOX)")
	metricsToken := fs.String("metrics-token", envOr("CALIOPEN_RELAY_METRICS_TOKEN", ""), "bearer token Prometheus presents at GET /metrics; empty = metrics off (env CALIOPEN_RELAY_METRICS_TOKEN)")
	natsURL := fs.String("nats-url", envOr("CALIOPEN_RELAY_NATS_URL", ""), "NATS cluster URLs (comma-separated) for the sync log shared by several relays; empty: an embedded single-node NATS under the data directory (env CALIOPEN_RELAY_NATS_URL)")
	syncReplicas := fs.Int("sync-replicas", 1, "replicas of the sync stream on the NATS cluster (1 embedded; 3 on a 3-node cluster)")
	syncQuotaMB := fs.Int64("sync-space-quota-mb", 256, "bytes stored per sync space, in MiB (0: no quota)")
	tunnelCfg := tunnel.DefaultConfig()
	tunnelCfg.RegisterFlags(fs) // each also read from CALIOPEN_RELAY_<FLAG>, e.g. CALIOPEN_RELAY_TUNNEL_PORTS
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := tunnel.ApplyEnv(fs, nil); err != nil {
		return err
	}
	if fs.Arg(0) == "token" {
		return auth.RunTokenCommand(fs.Args()[1:], *dataDir, os.Stdout)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	srv, err := server.New(server.Config{Addr: *listen, App: webapp.FS(), Log: log})
	if err != nil {
		return err
	}

	tokens, err := auth.Open(*dataDir)
	if err != nil {
		return err
	}
	tun := tunnel.New(tunnelCfg, tokens, tunnel.Options{Logger: log})
	srv.Handle("/tunnel", tun)
	srv.OnShutdown(func(ctx context.Context) { tun.Shutdown(ctx) })
	syncSrv, backend, err := startSync(*dataDir, *natsURL, *syncReplicas, *syncQuotaMB, tokens, log)
	if err != nil {
		return err
	}
	srv.Handle("/sync", syncSrv)
	srv.OnShutdown(func(ctx context.Context) { _ = syncSrv.Shutdown(ctx) })
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		backend.Close(ctx)
	}()
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(tun.Collector(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if *metricsToken != "" {
		srv.Handle("GET /metrics", auth.RequireBearer(func(t string) bool { return subtle.ConstantTimeCompare([]byte(t), []byte(*metricsToken)) == 1 },
			promhttp.HandlerFor(metrics, promhttp.HandlerOpts{})))
	}
	if *sandboxFile != "" {
		srv.Handle("GET /sandbox", tokens.Require(auth.ServeFile(*sandboxFile)))
	}
	if !srv.AppBuilt() {
		log.Warn("the web app is not built into this binary; run `make web` first")
	}
	l, err := srv.Listen()
	if err != nil {
		return err
	}
	fmt.Printf("Caliopen relay %s (%s) serving the app at http://%s/\n", version.Version, version.Build, l.Addr())
	log.Info("relay started", "addr", l.Addr().String(), "version", version.Version, "build", version.Build)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("relay shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// startSync opens the sync log (embedded NATS under dataDir, or the cluster at natsURL) and
// the /sync endpoint.
func startSync(dataDir, natsURL string, replicas int, quotaMB int64, tokens relaysync.Authenticator, log *slog.Logger) (*relaysync.Server, *relaysync.Backend, error) {
	var backend *relaysync.Backend
	var err error
	if natsURL == "" {
		backend, err = relaysync.StartEmbedded(dataDir)
	} else {
		backend, err = relaysync.Connect(natsURL)
	}
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lg, err := relaysync.OpenLog(ctx, backend.JS, relaysync.LogConfig{Replicas: replicas})
	if err != nil {
		backend.Close(ctx)
		return nil, nil, err
	}
	cfg := relaysync.DefaultConfig()
	cfg.MaxSpaceBytes = quotaMB << 20
	if quotaMB == 0 {
		cfg.MaxSpaceBytes = -1
	}
	return relaysync.New(cfg, tokens, lg, log), backend, nil
}
