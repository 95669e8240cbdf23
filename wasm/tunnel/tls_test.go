package tunnel_test

import (
	"errors"
	"net"
	"testing"

	proto "caliopen/shared/tunnel"
	"caliopen/wasm/tunnel"
)

func TestTLSConfig(t *testing.T) {
	cfg, err := tunnel.TLSConfig("imap.example.org", nil, "")
	if err != nil || cfg.RootCAs == nil || cfg.ServerName != "imap.example.org" || cfg.InsecureSkipVerify {
		t.Fatalf("default config: %+v, %v", cfg, err)
	}
	if _, err := tunnel.TLSConfig("x", []byte("not a PEM"), ""); err == nil {
		t.Fatal("bad extra CA accepted")
	}
	if _, err := tunnel.TLSConfig("x", nil, "abcd"); err == nil {
		t.Fatal("short pin accepted")
	}
	pin := "AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89"
	if cfg, err := tunnel.TLSConfig("x", nil, pin); err != nil || cfg.VerifyConnection == nil {
		t.Fatalf("pin with colons: %v", err)
	}
	if len(tunnel.Roots().Subjects()) < 100 {
		t.Fatal("the NSS root bundle looks empty")
	}
}

func TestErrorKinds(t *testing.T) {
	d := &tunnel.Dialer{RelayURL: "ws://127.0.0.1:1/tunnel", Token: "crt_x"}
	_, err := d.Dial("udp", "example.org:53")
	if !errors.Is(err, tunnel.ErrBadRequest) {
		t.Fatalf("udp: %v", err)
	}
	_, err = d.Dial("tcp", "no-port")
	if !errors.Is(err, tunnel.ErrBadRequest) {
		t.Fatalf("no port: %v", err)
	}
	e := &tunnel.Error{Kind: tunnel.ErrTimeout, Code: proto.CodeTimeout, Reason: "idle timeout", Address: "a:1"}
	var ne net.Error = e
	if !ne.Timeout() || !errors.Is(e, tunnel.ErrTimeout) || errors.Is(e, tunnel.ErrDenied) {
		t.Fatal("kind matching")
	}
	if e.Error() != "tunnel to a:1: tunnel timed out (idle timeout)" {
		t.Fatalf("message %q", e.Error())
	}
}

func TestAnchorCovers(t *testing.T) {
	a := tunnel.Anchor{CAPEM: "x", Domains: []string{"caliopen.test", "X.Test."}}
	for host, want := range map[string]bool{
		"caliopen.test": true, "imap.caliopen.test": true, "API.x.test": true, "x.test.": true,
		"evilcaliopen.test": false, "caliopen.test.example.com": false, "example.org": false, "": false,
	} {
		if a.Covers(host) != want {
			t.Errorf("Covers(%q) = %v", host, !want)
		}
	}
	if got := tunnel.ExtraCAFor([]tunnel.Anchor{a}, "example.org"); len(got) != 0 {
		t.Errorf("an anchor vouches for example.org: %q", got)
	}
}
