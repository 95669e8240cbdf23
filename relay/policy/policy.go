// Package policy decides which destinations the relay's tunnel may reach.
//
// The relay must never become an open proxy into its own network: by default it refuses
// loopback, private, link-local, cloud-metadata, CGNAT, NAT64, transition and every other
// non-global address, odd spellings of IP literals, and ports outside a short allow-list.
// A host name is resolved exactly once, every address it resolves to is checked, and the
// caller dials one of the returned, vetted addresses: there is no second lookup, so no
// DNS-rebinding window. The operator may allow specific hosts, prefixes and ports (tests),
// and may route exact names to exact addresses (Routes: the local demo sandbox, or a mail
// server known by an internal name), like an /etc/hosts entry that also fixes the port.
package policy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// DefaultPorts are the ports allowed when the operator configures none: IMAPS, SMTPS,
// submission, IMAP (STARTTLS) and HTTPS.
var DefaultPorts = []uint16{993, 465, 587, 143, 443}

// Reason says why a destination was refused. Every Reason maps to the tunnel's
// "destination denied" close code; the text is sent to the client.
type Reason string

// Denial reasons.
const (
	ReasonPort          Reason = "port not allowed"
	ReasonHostName      Reason = "invalid host name"
	ReasonOddLiteral    Reason = "ambiguous IP literal"
	ReasonLoopback      Reason = "loopback address"
	ReasonPrivate       Reason = "private address"
	ReasonLinkLocal     Reason = "link-local address"
	ReasonMetadata      Reason = "cloud metadata address"
	ReasonCGNAT         Reason = "shared address space (CGNAT)"
	ReasonMulticast     Reason = "multicast address"
	ReasonUnspecified   Reason = "unspecified address"
	ReasonBroadcast     Reason = "broadcast address"
	ReasonReserved      Reason = "reserved address"
	ReasonDocumentation Reason = "documentation address"
	ReasonBenchmarking  Reason = "benchmarking address"
	ReasonNAT64         Reason = "NAT64 address"
	ReasonTransition    Reason = "IPv6 transition address (6to4, Teredo)"
	ReasonMapped        Reason = "IPv4-mapped or -compatible IPv6 address"
	ReasonULA           Reason = "unique local IPv6 address"
	ReasonSiteLocal     Reason = "site-local IPv6 address"
	ReasonHostDenied    Reason = "host not allowed"
)

// DeniedError is returned when policy refuses a destination.
type DeniedError struct {
	Reason Reason
	Host   string
	Addr   netip.Addr // the offending address, if any
}

func (e *DeniedError) Error() string {
	if e.Addr.IsValid() && e.Addr.String() != e.Host {
		return fmt.Sprintf("denied: %s (%s resolves to %s)", e.Reason, e.Host, e.Addr)
	}
	return fmt.Sprintf("denied: %s (%s)", e.Reason, e.Host)
}

// DNSError is returned when a host name cannot be resolved.
type DNSError struct {
	Host string
	Err  error
}

func (e *DNSError) Error() string { return fmt.Sprintf("cannot resolve %s: %v", e.Host, e.Err) }
func (e *DNSError) Unwrap() error { return e.Err }

// Resolver looks up a host's addresses; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Policy holds the destination rules. The zero value denies every non-global address and
// allows DefaultPorts, resolving with net.DefaultResolver.
type Policy struct {
	Ports      []uint16       // allowed ports; DefaultPorts if empty
	AllowCIDRs []netip.Prefix // addresses allowed even when they would be denied
	AllowHosts []string       // host names (lower case) whose addresses are not classified
	DenyHosts  []string       // host names always refused
	// Routes send an exact "host:port" (host lower case) to an exact address, without DNS,
	// port allow-list or address classification: the operator chose that address. Nothing
	// else reaches it unless other rules allow it.
	Routes   map[string]netip.AddrPort
	Resolver Resolver // nil means net.DefaultResolver
}

// Resolve checks host and port, resolves host once and checks every address. It returns
// the vetted addresses to dial, in resolver order, or a *DeniedError or *DNSError.
func (p *Policy) Resolve(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error) {
	if to, ok := p.Routes[RouteKey(host, port)]; ok {
		return []netip.AddrPort{to}, nil
	}
	if !p.portAllowed(port) {
		return nil, &DeniedError{Reason: ReasonPort, Host: fmt.Sprintf("%s:%d", host, port)}
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if slices.Contains(p.DenyHosts, host) {
		return nil, &DeniedError{Reason: ReasonHostDenied, Host: host}
	}
	addrs, err := p.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	hostAllowed := slices.Contains(p.AllowHosts, host)
	out := make([]netip.AddrPort, 0, len(addrs))
	for _, a := range addrs {
		if !hostAllowed && !p.cidrAllowed(a) {
			if r, bad := Classify(a); bad {
				return nil, &DeniedError{Reason: r, Host: host, Addr: a}
			}
		}
		out = append(out, netip.AddrPortFrom(a, port))
	}
	return out, nil
}

// RouteKey is the key of Routes for a destination: "host:port", host lower case without a
// trailing dot.
func RouteKey(host string, port uint16) string {
	return net.JoinHostPort(strings.TrimSuffix(strings.ToLower(host), "."), fmt.Sprint(port))
}

// lookup turns host into addresses: a canonical IP literal as is, a DNS name through the
// resolver (once). Non-canonical literals are refused before any lookup.
func (p *Policy) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	if strings.ContainsRune(host, ':') {
		a, err := netip.ParseAddr(host)
		if err != nil || a.Zone() != "" {
			return nil, &DeniedError{Reason: ReasonOddLiteral, Host: host}
		}
		if a.Is4In6() || isIPv4Compatible(a) {
			return nil, &DeniedError{Reason: ReasonMapped, Host: host, Addr: a}
		}
		return []netip.Addr{a}, nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	if looksNumeric(host) {
		// 2130706433, 0177.0.0.1, 0x7f.1, 127.1, 010.0.0.1: libc would read these as
		// addresses, no DNS name ends in a numeric label; refuse them outright.
		return nil, &DeniedError{Reason: ReasonOddLiteral, Host: host}
	}
	if !validName(host) {
		return nil, &DeniedError{Reason: ReasonHostName, Host: host}
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, &DNSError{Host: host, Err: err}
	}
	if len(addrs) == 0 {
		return nil, &DNSError{Host: host, Err: errors.New("no addresses")}
	}
	for i, a := range addrs {
		// A mapped answer is checked and dialled as the IPv4 address it carries.
		addrs[i] = a.Unmap().WithZone("")
	}
	return addrs, nil
}

func (p *Policy) portAllowed(port uint16) bool {
	ports := p.Ports
	if len(ports) == 0 {
		ports = DefaultPorts
	}
	return slices.Contains(ports, port)
}

func (p *Policy) cidrAllowed(a netip.Addr) bool {
	for _, c := range p.AllowCIDRs {
		if c.Contains(a) {
			return true
		}
	}
	return false
}

// looksNumeric reports whether the last label is made of digits or is a 0x hex number:
// the shapes inet_aton accepts and no real host name has.
func looksNumeric(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return true
	}
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return false
		}
	}
	return true
}

// validName checks DNS name syntax: labels of 1–63 letters, digits, '-' or '_', not starting
// or ending with '-'.
func validName(host string) bool {
	if len(host) == 0 || len(host) > 253 {
		return false
	}
	for label := range strings.SplitSeq(host, ".") {
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

func isIPv4Compatible(a netip.Addr) bool {
	return a.Is6() && netip.MustParsePrefix("::/96").Contains(a) && a != netip.IPv6Unspecified() &&
		a != netip.IPv6Loopback()
}
