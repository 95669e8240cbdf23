package tunnel

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"caliopen/relay/policy"
)

// Config holds every knob of the tunnel. DefaultConfig gives the production defaults;
// RegisterFlags exposes each one as a flag and ApplyEnv as a CALIOPEN_RELAY_* variable.
type Config struct {
	// Destination policy.
	Ports      []uint16       // allowed destination ports (default 993, 465, 587, 143, 443)
	AllowCIDRs []netip.Prefix // addresses allowed although non-global (tests, local sandbox)
	AllowHosts []string       // host names whose addresses are not classified
	DenyHosts  []string       // host names always refused
	// Routes send exact names to exact addresses ("imap.sandbox.test:993" →
	// 127.0.0.1:40993): see policy.Policy.Routes.
	Routes map[string]netip.AddrPort

	// OriginPatterns lists the browser origins (host patterns, as coder/websocket's
	// AcceptOptions.OriginPatterns) allowed besides the relay's own origin. Empty means
	// same-origin only.
	OriginPatterns []string

	// Limits.
	MaxTunnelsPerUser int           // open tunnels per user
	MaxTunnels        int           // open tunnels in total
	MaxPending        int           // WebSockets not yet past the open request (unauthenticated)
	OpensPerMinute    int           // tunnel opens per user per minute
	BytesPerSecond    int           // per user, both directions together; 0 = unlimited
	IdleTimeout       time.Duration // no byte in either direction for this long closes the tunnel
	MaxLifetime       time.Duration // a tunnel never lives longer
	OpenTimeout       time.Duration // time allowed for the open request after the upgrade
	DialTimeout       time.Duration // name resolution plus TCP connect
	PingInterval      time.Duration // ping an idle client this often (keeps proxies from dropping it); 0 = never

	BufferSize int // copy buffer size; buffers are pooled and held only while bytes move
}

// DefaultConfig returns the defaults: strict policy, same-origin only, generous limits for
// a personal or family relay.
func DefaultConfig() Config {
	return Config{
		Ports:             append([]uint16(nil), policy.DefaultPorts...),
		MaxTunnelsPerUser: 32,
		MaxTunnels:        10000,
		MaxPending:        1024,
		OpensPerMinute:    120,
		IdleTimeout:       35 * time.Minute, // above IMAP IDLE's 29-minute re-issue interval
		MaxLifetime:       24 * time.Hour,
		OpenTimeout:       10 * time.Second,
		DialTimeout:       15 * time.Second,
		PingInterval:      30 * time.Second,
		BufferSize:        128 << 10,
	}
}

// Policy returns the destination policy the config describes.
func (c *Config) Policy(r policy.Resolver) *policy.Policy {
	return &policy.Policy{Ports: c.Ports, AllowCIDRs: c.AllowCIDRs, AllowHosts: c.AllowHosts, DenyHosts: c.DenyHosts, Routes: c.Routes, Resolver: r}
}

// RegisterFlags registers the config's flags on fs, with c's current values as defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.Var(listFlag[uint16]{&c.Ports, parsePort}, "tunnel-ports", "comma-separated destination ports the tunnel may reach")
	fs.Var(listFlag[netip.Prefix]{&c.AllowCIDRs, parsePrefix}, "tunnel-allow-cidrs", "comma-separated addresses/prefixes allowed although private or loopback (tests, sandbox)")
	fs.Var(listFlag[string]{&c.AllowHosts, parseHost}, "tunnel-allow-hosts", "comma-separated host names allowed to resolve to non-global addresses")
	fs.Var(listFlag[string]{&c.DenyHosts, parseHost}, "tunnel-deny-hosts", "comma-separated host names always refused")
	fs.Var(routesFlag{&c.Routes}, "tunnel-routes", "comma-separated host:port=address:port routes to exact addresses, without DNS or address checks (sandbox, internal servers)")
	fs.Var(listFlag[string]{&c.OriginPatterns, parseString}, "tunnel-origins", "comma-separated extra browser origins (host patterns) allowed to open tunnels; empty = same origin only")
	fs.IntVar(&c.MaxTunnelsPerUser, "tunnel-max-per-user", c.MaxTunnelsPerUser, "open tunnels per user")
	fs.IntVar(&c.MaxTunnels, "tunnel-max", c.MaxTunnels, "open tunnels in total")
	fs.IntVar(&c.MaxPending, "tunnel-max-pending", c.MaxPending, "WebSockets allowed to wait for their open request at once")
	fs.IntVar(&c.OpensPerMinute, "tunnel-opens-per-minute", c.OpensPerMinute, "tunnel opens per user per minute")
	fs.IntVar(&c.BytesPerSecond, "tunnel-bytes-per-second", c.BytesPerSecond, "bytes per second per user, both directions; 0 = unlimited")
	fs.DurationVar(&c.IdleTimeout, "tunnel-idle-timeout", c.IdleTimeout, "close a tunnel idle this long")
	fs.DurationVar(&c.MaxLifetime, "tunnel-max-lifetime", c.MaxLifetime, "maximum lifetime of a tunnel")
	fs.DurationVar(&c.OpenTimeout, "tunnel-open-timeout", c.OpenTimeout, "time allowed for the open request")
	fs.DurationVar(&c.DialTimeout, "tunnel-dial-timeout", c.DialTimeout, "time allowed to resolve and connect")
	fs.DurationVar(&c.PingInterval, "tunnel-ping-interval", c.PingInterval, "ping idle clients this often; 0 = never")
	fs.IntVar(&c.BufferSize, "tunnel-buffer-size", c.BufferSize, "copy buffer size in bytes")
}

// EnvPrefix starts the environment variable of every flag: flag "tunnel-max" is
// CALIOPEN_RELAY_TUNNEL_MAX.
const EnvPrefix = "CALIOPEN_RELAY_"

// EnvName returns the environment variable for a flag name.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ApplyEnv sets every flag of fs not given on the command line from its environment
// variable, if present. Call it after fs.Parse; it works for any flag set, not only the
// tunnel's. lookup is usually os.LookupEnv (nil means that).
func ApplyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		if v, ok := lookup(EnvName(f.Name)); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s: %w", EnvName(f.Name), e)
			}
		}
	})
	return err
}

// listFlag is a comma-separated list flag.
type listFlag[T any] struct {
	p     *[]T
	parse func(string) (T, error)
}

func (l listFlag[T]) String() string {
	if l.p == nil {
		return ""
	}
	s := make([]string, len(*l.p))
	for i, v := range *l.p {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}

func (l listFlag[T]) Set(v string) error {
	var out []T
	for f := range strings.SplitSeq(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		x, err := l.parse(f)
		if err != nil {
			return err
		}
		out = append(out, x)
	}
	*l.p = out
	return nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("bad port %q", s)
	}
	return uint16(n), nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	return netip.ParsePrefix(s)
}

func parseHost(s string) (string, error)   { return strings.TrimSuffix(strings.ToLower(s), "."), nil }
func parseString(s string) (string, error) { return s, nil }

// routesFlag is a comma-separated list of host:port=address:port.
type routesFlag struct{ p *map[string]netip.AddrPort }

func (r routesFlag) String() string {
	if r.p == nil {
		return ""
	}
	var s []string
	for k, v := range *r.p {
		s = append(s, k+"="+v.String())
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}

func (r routesFlag) Set(v string) error {
	out := map[string]netip.AddrPort{}
	for f := range strings.SplitSeq(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		from, to, ok := strings.Cut(f, "=")
		if !ok {
			return fmt.Errorf("bad route %q: want host:port=address:port", f)
		}
		host, port, err := net.SplitHostPort(from)
		if err != nil {
			return fmt.Errorf("bad route %q: %v", f, err)
		}
		p, err := parsePort(port)
		if err != nil {
			return err
		}
		dest, err := netip.ParseAddrPort(to)
		if err != nil {
			return fmt.Errorf("bad route %q: %v", f, err)
		}
		out[policy.RouteKey(host, p)] = dest
	}
	*r.p = out
	return nil
}
