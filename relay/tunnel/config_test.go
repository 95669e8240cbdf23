package tunnel

import (
	"flag"
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestConfigFlagsAndEnv(t *testing.T) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"-tunnel-ports=993,1143", "-tunnel-idle-timeout=5m"}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"CALIOPEN_RELAY_TUNNEL_IDLE_TIMEOUT": "1m", // the command line wins
		"CALIOPEN_RELAY_TUNNEL_ALLOW_CIDRS":  "127.0.0.1, 10.9.0.0/16",
		"CALIOPEN_RELAY_TUNNEL_ORIGINS":      "app.example.org",
		"CALIOPEN_RELAY_TUNNEL_MAX_PER_USER": "3",
	}
	if err := ApplyEnv(fs, func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Ports, []uint16{993, 1143}) || cfg.IdleTimeout != 5*time.Minute || cfg.MaxTunnelsPerUser != 3 {
		t.Fatalf("config %+v", cfg)
	}
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.9.0.0/16")}
	if !slices.Equal(cfg.AllowCIDRs, want) || !slices.Equal(cfg.OriginPatterns, []string{"app.example.org"}) {
		t.Fatalf("lists %v %v", cfg.AllowCIDRs, cfg.OriginPatterns)
	}
	if err := ApplyEnv(fs, func(k string) (string, bool) { return "nonsense", k == "CALIOPEN_RELAY_TUNNEL_MAX" }); err == nil {
		t.Fatal("bad env value accepted")
	}
	if err := fs.Set("tunnel-ports", "0"); err == nil {
		t.Fatal("port 0 accepted")
	}
	if EnvName("tunnel-max-per-user") != "CALIOPEN_RELAY_TUNNEL_MAX_PER_USER" {
		t.Fatal(EnvName("tunnel-max-per-user"))
	}
}

func TestRoutesFlag(t *testing.T) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	cfg.RegisterFlags(fs)
	if err := fs.Parse([]string{"-tunnel-routes=IMAP.sandbox.test:993=127.0.0.1:40993, api.x.test:443=[::1]:4443"}); err != nil {
		t.Fatal(err)
	}
	if got := cfg.Routes["imap.sandbox.test:993"]; got != netip.MustParseAddrPort("127.0.0.1:40993") {
		t.Fatalf("routes %v", cfg.Routes)
	}
	if got := cfg.Routes["api.x.test:443"]; got != netip.MustParseAddrPort("[::1]:4443") {
		t.Fatalf("routes %v", cfg.Routes)
	}
	for _, bad := range []string{"imap.sandbox.test=127.0.0.1:1", "a:993=localhost:1", "a:0=127.0.0.1:1"} {
		if err := fs.Set("tunnel-routes", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
