package tunnel

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestOpenRoundTrip(t *testing.T) {
	cases := []Open{
		{Token: "t", Host: "a", Port: 1},
		{Token: "crt_abcDEF-123", Host: "imap.example.org", Port: 993},
		{Token: strings.Repeat("x", MaxTokenLen), Host: strings.Repeat("h", MaxHostLen), Port: 65535},
		{Token: "tok", Host: "2001:db8::1", Port: 443},
	}
	for _, o := range cases {
		b, err := AppendOpen(nil, o)
		if err != nil {
			t.Fatalf("AppendOpen(%+v): %v", o, err)
		}
		if len(b) > MaxOpenSize {
			t.Fatalf("encoding of %d bytes exceeds MaxOpenSize", len(b))
		}
		got, err := ParseOpen(b)
		if err != nil {
			t.Fatalf("ParseOpen: %v", err)
		}
		if got != o {
			t.Fatalf("round trip: got %+v want %+v", got, o)
		}
	}
}

func TestParseOpenRejects(t *testing.T) {
	good, _ := AppendOpen(nil, Open{Token: "tok", Host: "example.org", Port: 993})
	bad := map[string][]byte{
		"empty":         {},
		"version 0":     append([]byte{0}, good[1:]...),
		"version 2":     append([]byte{2}, good[1:]...),
		"trailing byte": append(append([]byte{}, good...), 0),
		"short port":    good[:len(good)-1],
		"no host":       {Version, 3, 't', 'o', 'k'},
		"empty token":   {Version, 0, 1, 'h', 0, 1},
		"empty host":    {Version, 1, 't', 0, 0, 1},
		"port zero":     {Version, 1, 't', 1, 'h', 0, 0},
		"token space":   {Version, 2, 't', ' ', 1, 'h', 0, 1},
		"token ctl":     {Version, 2, 't', 0, 1, 'h', 0, 1},
		"host slash":    {Version, 1, 't', 3, 'a', '/', 'b', 0, 1},
		"host space":    {Version, 1, 't', 3, 'a', ' ', 'b', 0, 1},
		"host nul":      {Version, 1, 't', 3, 'a', 0, 'b', 0, 1},
		"host 8bit":     {Version, 1, 't', 2, 'a', 0xc3, 0, 1},
		"token overrun": {Version, 200, 't'},
		"too long":      bytes.Repeat([]byte{1}, MaxOpenSize+1),
		"host 254":      append(append([]byte{Version, 1, 't', 254}, bytes.Repeat([]byte{'a'}, 254)...), 0, 1),
	}
	for name, p := range bad {
		if _, err := ParseOpen(p); !errors.Is(err, ErrBadOpen) {
			t.Errorf("%s: ParseOpen = %v, want ErrBadOpen", name, err)
		}
	}
}

func TestAppendOpenValidates(t *testing.T) {
	if _, err := AppendOpen(nil, Open{Token: "", Host: "h", Port: 1}); err == nil {
		t.Fatal("empty token accepted")
	}
	if _, err := AppendOpen(nil, Open{Token: "t", Host: "a b", Port: 1}); err == nil {
		t.Fatal("host with space accepted")
	}
}

func TestReply(t *testing.T) {
	if err := ParseReply(Reply); err != nil {
		t.Fatal(err)
	}
	for _, p := range [][]byte{nil, {1}, {1, 1}, {2, 0}, {1, 0, 0}} {
		if ParseReply(p) == nil {
			t.Errorf("ParseReply(%v) accepted", p)
		}
	}
}

func TestCodes(t *testing.T) {
	for _, c := range []Code{CodeBadRequest, CodeAuthFailed, CodeDenied, CodeDNS, CodeLimit, CodeUnreachable, CodeShuttingDown, CodeTimeout} {
		if c < 4000 || c > 4999 || !c.Known() {
			t.Errorf("code %d outside the application range or unnamed", c)
		}
	}
	if Code(4999).Known() {
		t.Error("4999 should be unknown")
	}
	if got := Reason(strings.Repeat("r", 200)); len(got) != MaxReasonLen {
		t.Errorf("Reason length %d", len(got))
	}
}
