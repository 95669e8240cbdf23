package policy

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

type fakeResolver map[string][]string

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	ss, ok := f[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func TestClassify(t *testing.T) {
	bad := map[string]Reason{
		"127.0.0.1": ReasonLoopback, "10.1.2.3": ReasonPrivate, "172.31.0.1": ReasonPrivate,
		"192.168.1.1": ReasonPrivate, "169.254.169.254": ReasonMetadata, "169.254.1.1": ReasonLinkLocal,
		"168.63.129.16": ReasonMetadata, "100.100.100.200": ReasonMetadata, "100.64.0.1": ReasonCGNAT,
		"0.0.0.0": ReasonUnspecified, "0.1.2.3": ReasonUnspecified, "224.0.0.1": ReasonMulticast,
		"255.255.255.255": ReasonBroadcast, "240.0.0.1": ReasonReserved, "198.18.0.1": ReasonBenchmarking,
		"192.0.2.1": ReasonDocumentation, "198.51.100.7": ReasonDocumentation, "203.0.113.9": ReasonDocumentation,
		"::1": ReasonLoopback, "::": ReasonUnspecified, "fd00:ec2::254": ReasonMetadata, "fd12::1": ReasonULA,
		"fe80::1": ReasonLinkLocal, "fec0::1": ReasonSiteLocal, "ff02::1": ReasonMulticast,
		"64:ff9b::7f00:1": ReasonNAT64, "64:ff9b:1::1": ReasonNAT64, "2002:7f00:1::": ReasonTransition,
		"2001:0:4136:e378::1": ReasonTransition, "2001:db8::1": ReasonDocumentation, "::ffff:127.0.0.1": ReasonMapped,
		"::127.0.0.1": ReasonMapped, "100::1": ReasonReserved, "3fff::1": ReasonDocumentation, "4000::1": ReasonReserved,
	}
	for s, want := range bad {
		got, denied := Classify(netip.MustParseAddr(s))
		if !denied || got != want {
			t.Errorf("Classify(%s) = %q,%v want %q", s, got, denied, want)
		}
	}
	for _, s := range []string{"93.184.216.34", "1.1.1.1", "2606:4700::1111", "2a01:4f8::1"} {
		if r, denied := Classify(netip.MustParseAddr(s)); denied {
			t.Errorf("Classify(%s) denied: %s", s, r)
		}
	}
}

func TestResolve(t *testing.T) {
	p := &Policy{Resolver: fakeResolver{
		"mail.example.org": {"93.184.216.34", "2606:4700::1111"},
		"mixed.example":    {"93.184.216.34", "10.0.0.1"},
		"mapped.example":   {"::ffff:1.1.1.1"},
	}}
	ctx := context.Background()
	got, err := p.Resolve(ctx, "Mail.Example.org.", 993)
	if err != nil || len(got) != 2 || got[0] != netip.MustParseAddrPort("93.184.216.34:993") {
		t.Fatalf("Resolve = %v, %v", got, err)
	}
	if got, err := p.Resolve(ctx, "mapped.example", 443); err != nil || got[0].Addr() != netip.MustParseAddr("1.1.1.1") {
		t.Fatalf("mapped answer: %v %v", got, err)
	}
	var de *DeniedError
	if _, err := p.Resolve(ctx, "mixed.example", 993); !errors.As(err, &de) || de.Reason != ReasonPrivate {
		t.Fatalf("mixed answer: %v", err)
	}
	if _, err := p.Resolve(ctx, "mail.example.org", 25); !errors.As(err, &de) || de.Reason != ReasonPort {
		t.Fatalf("port 25: %v", err)
	}
	var dns *DNSError
	if _, err := p.Resolve(ctx, "nowhere.example", 993); !errors.As(err, &dns) {
		t.Fatalf("unknown name: %v", err)
	}
	for _, h := range []string{"2130706433", "0177.0.0.1", "0x7f.1", "127.1", "010.0.0.1", "0x7f000001", "1.2.3.4.5", "fe80::1%eth0", "::ffff:7f00:1", "a..b", "-a.example", "a b"} {
		if _, err := p.Resolve(ctx, h, 993); !errors.As(err, &de) {
			t.Errorf("%q: %v, want denied", h, err)
		}
	}
}

func TestOperatorAllow(t *testing.T) {
	p := &Policy{
		Ports:      []uint16{1143},
		AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		AllowHosts: []string{"sandbox.local"},
		DenyHosts:  []string{"evil.example"},
		Resolver:   fakeResolver{"sandbox.local": {"10.9.9.9"}, "evil.example": {"1.1.1.1"}},
	}
	ctx := context.Background()
	if _, err := p.Resolve(ctx, "127.0.0.1", 1143); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Resolve(ctx, "127.0.0.2", 1143); err == nil {
		t.Fatal("127.0.0.2 allowed")
	}
	if _, err := p.Resolve(ctx, "127.0.0.1", 993); err == nil {
		t.Fatal("port outside the operator's list allowed")
	}
	if _, err := p.Resolve(ctx, "sandbox.local", 1143); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Resolve(ctx, "evil.example", 1143); err == nil {
		t.Fatal("denied host allowed")
	}
}

func TestRoutes(t *testing.T) {
	to := netip.MustParseAddrPort("127.0.0.1:40993")
	p := &Policy{
		Routes:   map[string]netip.AddrPort{RouteKey("IMAP.Sandbox.test.", 993): to},
		Resolver: fakeResolver{},
	}
	ctx := context.Background()
	got, err := p.Resolve(ctx, "imap.sandbox.test", 993)
	if err != nil || len(got) != 1 || got[0] != to {
		t.Fatalf("routed name: %v, %v", got, err)
	}
	// Only the exact name and port are routed; loopback itself stays refused.
	for _, dest := range []struct {
		host string
		port uint16
	}{{"imap.sandbox.test", 443}, {"127.0.0.1", 40993}, {"127.0.0.1", 993}, {"other.sandbox.test", 993}} {
		if _, err := p.Resolve(ctx, dest.host, dest.port); err == nil {
			t.Errorf("%s:%d allowed", dest.host, dest.port)
		}
	}
}
