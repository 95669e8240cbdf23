package tunnel

import (
	"fmt"
	"net"
	"syscall"
	"testing"

	client "caliopen/wasm/tunnel"
)

// TestHostileDestinations opens tunnels to every class of address the relay must never
// reach, as literals and as names resolving to them, and checks that each is refused as
// "denied" without a single dial.
func TestHostileDestinations(t *testing.T) {
	f := newFixture(t, DefaultConfig()) // strict: no operator allowances
	names := map[string][][]string{
		"localhost":                 {{"127.0.0.1", "::1"}},
		"loop.attacker.example":     {{"127.0.0.1"}},
		"meta.attacker.example":     {{"169.254.169.254"}},
		"ecs.attacker.example":      {{"169.254.170.2"}},
		"azure.attacker.example":    {{"168.63.129.16"}},
		"alibaba.attacker.example":  {{"100.100.100.200"}},
		"imds6.attacker.example":    {{"fd00:ec2::254"}},
		"internal.attacker.example": {{"10.0.0.5"}},
		"lan.attacker.example":      {{"192.168.1.10"}},
		"cgnat.attacker.example":    {{"100.64.1.1"}},
		"v6loop.attacker.example":   {{"::1"}},
		"ula.attacker.example":      {{"fd12:3456::1"}},
		"mixed.attacker.example":    {{"93.184.216.34", "192.168.1.1"}},
		"mixed6.attacker.example":   {{"2606:4700::1111", "fe80::1"}},
		"mapped.attacker.example":   {{"::ffff:10.0.0.1"}},
		"nat64.attacker.example":    {{"64:ff9b::7f00:1"}},
		"6to4.attacker.example":     {{"2002:a00:1::1"}},
		"teredo.attacker.example":   {{"2001:0:4136:e378:8000:63bf:3fff:fdd2"}},
		"zero.attacker.example":     {{"0.0.0.0"}},
		"bcast.attacker.example":    {{"255.255.255.255"}},
		// DNS rebinding: the first (and only) answer is private; later answers would be public.
		"rebind.attacker.example": {{"10.0.0.1"}, {"93.184.216.34"}},
	}
	for n, a := range names {
		f.lookup.set(n, a...)
	}
	hosts := []string{
		// IPv4 literals.
		"127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.0.1",
		"169.254.169.254", "169.254.10.10", "168.63.129.16", "100.100.100.200", "100.64.0.1",
		"100.127.255.254", "0.0.0.0", "0.1.2.3", "255.255.255.255", "240.1.2.3", "224.0.0.251",
		"239.255.255.250", "198.18.0.1", "198.19.255.1", "192.0.2.10", "198.51.100.10", "203.0.113.10",
		"192.0.0.170", "192.88.99.1",
		// IPv6 literals.
		"::1", "::", "fd00:ec2::254", "fc00::1", "fe80::1", "fec0::1", "ff02::1", "ff05::2",
		"64:ff9b::a9fe:a9fe", "64:ff9b:1::1", "2002:7f00:1::1", "2001:0:5ef5:79fd::1",
		"::ffff:127.0.0.1", "::ffff:a9fe:a9fe", "::127.0.0.1", "2001:db8::1", "100::1", "3fff::1",
		"fe80::1%eth0",
		// Odd IPv4 spellings.
		"2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0x7f000001", "017700000001", "10.1",
		"127.000.000.001", "0x7f.0x0.0x0.0x1", "0xa9fea9fe", "2852039166",
	}
	for n := range names {
		hosts = append(hosts, n)
	}
	if len(hosts) < 40 {
		t.Fatalf("only %d hostile destinations", len(hosts))
	}
	for _, h := range hosts {
		addr := net.JoinHostPort(h, "993")
		_, err := f.dialer().Dial("tcp", addr)
		wantKind(t, addr, err, client.ErrDenied)
	}
	// Allowed addresses on forbidden ports.
	f.lookup.set("public.example", []string{"93.184.216.34"})
	for _, addr := range []string{"93.184.216.34:25", "93.184.216.34:22", "public.example:6379", "[2606:4700::1111]:80"} {
		_, err := f.dialer().Dial("tcp", addr)
		wantKind(t, addr, err, client.ErrDenied)
	}
	if n := f.dials.count(); n != 0 {
		t.Fatalf("hostile destinations caused %d dials: %v", n, f.dials.addrs)
	}
	t.Logf("%d hostile destinations refused", len(hosts)+4)
}

// TestResolveOnceDialVetted plays DNS rebinding the other way round: the first answer is
// public, a second lookup would say loopback. The relay must look up once and dial the
// address it vetted.
func TestResolveOnceDialVetted(t *testing.T) {
	f := newFixture(t, DefaultConfig())
	f.lookup.set("rebind2.attacker.example", []string{"93.184.216.34"}, []string{"127.0.0.1"})
	f.dials.fail = func(string) error { return syscall.ECONNREFUSED } // never leave the machine
	_, err := f.dialer().Dial("tcp", "rebind2.attacker.example:993")
	wantKind(t, "rebind2", err, client.ErrUnreachable)
	if f.lookup.lookups() != 1 {
		t.Fatalf("%d lookups, want exactly 1", f.lookup.lookups())
	}
	if fmt.Sprint(f.dials.addrs) != "[93.184.216.34:993]" {
		t.Fatalf("dialled %v, want the vetted address only", f.dials.addrs)
	}
}
