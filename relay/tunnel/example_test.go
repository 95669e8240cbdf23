package tunnel_test

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"caliopen/relay/auth"
	"caliopen/relay/tunnel"
)

// Example shows how the relay's main wires the tunnel: flags and environment, the tokens
// file, the /tunnel and /metrics endpoints, and a graceful shutdown.
func Example() {
	fs := flag.NewFlagSet("relay", flag.ExitOnError)
	dataDir := fs.String("data", "/var/lib/caliopen-relay", "data directory")
	cfg := tunnel.DefaultConfig()
	cfg.RegisterFlags(fs)
	fs.Parse(os.Args[1:])
	if err := tunnel.ApplyEnv(fs, nil); err != nil { // CALIOPEN_RELAY_TUNNEL_IDLE_TIMEOUT=...
		log.Fatal(err)
	}
	if fs.Arg(0) == "token" { // relay token add|revoke|list
		if err := auth.RunTokenCommand(fs.Args()[1:], *dataDir, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	tokens, err := auth.Open(*dataDir)
	if err != nil {
		log.Fatal(err)
	}
	tun := tunnel.New(cfg, tokens, tunnel.Options{Logger: slog.Default()})
	reg := prometheus.NewRegistry()
	reg.MustRegister(tun.Collector())

	mux := http.NewServeMux()
	mux.Handle("/tunnel", tun)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: ":8443", Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.ListenAndServe()

	// On SIGTERM: stop accepting, then close tunnels with "relay shutting down".
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx) // does not wait for hijacked WebSockets
	tun.Shutdown(ctx) // closes them with code 4503
}
