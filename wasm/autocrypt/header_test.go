package autocrypt

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"bytes"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

func TestParseHeader(t *testing.T) {
	_, pub := newKey(t, "alice@example.org")
	kd := base64.StdEncoding.EncodeToString(pub)
	folded := kd[:40] + "\r\n " + kd[40:80] + "\r\n\t" + kd[80:]
	cases := []struct {
		name, value string
		err         error
		prefer      Preference
	}{
		{"minimal", "addr=alice@example.org; keydata=" + kd, nil, NoPreference},
		{"mutual", "addr=Alice@Example.org; prefer-encrypt=mutual; keydata=" + kd, nil, Mutual},
		{"folded keydata", "addr=alice@example.org; keydata=" + folded, nil, NoPreference},
		{"other preference value", "addr=alice@example.org; prefer-encrypt=always; keydata=" + kd, nil, NoPreference},
		{"non-critical ignored", "addr=alice@example.org; _comment=hi; keydata=" + kd, nil, NoPreference},
		{"unknown critical", "addr=alice@example.org; type=1; keydata=" + kd, ErrUnknownCritical, ""},
		{"keydata not last", "keydata=" + kd + "; addr=alice@example.org", ErrKeydataNotLast, ""},
		{"no addr", "keydata=" + kd, ErrMissing, ""},
		{"no keydata", "addr=alice@example.org", ErrMissing, ""},
		{"twice", "addr=a@b.c; addr=alice@example.org; keydata=" + kd, ErrMalformed, ""},
		{"not base64", "addr=alice@example.org; keydata=!!!", ErrMalformed, ""},
		{"not a key", "addr=alice@example.org; keydata=" + base64.StdEncoding.EncodeToString([]byte("hello")), ErrBadKey, ""},
		{"too large", "addr=alice@example.org; _x=" + strings.Repeat("a", MaxHeaderSize) + "; keydata=" + kd, ErrTooLarge, ""},
		{"garbage", ";;;", ErrMalformed, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ParseHeader(c.value)
			if !errors.Is(err, c.err) {
				t.Fatalf("err = %v, want %v", err, c.err)
			}
			if err == nil && (h.Addr != "alice@example.org" || h.PreferEncrypt != c.prefer || !bytes.Equal(h.KeyData, pub)) {
				t.Errorf("got %+v", h)
			}
		})
	}
}

func TestSelectAndString(t *testing.T) {
	_, pub := newKey(t, "alice@example.org")
	h := Header{Addr: "alice@example.org", PreferEncrypt: Mutual, KeyData: pub}
	v := h.String()
	if _, ok := Select([]string{v}, "Alice@example.org"); !ok {
		t.Error("own header not selected")
	}
	if _, ok := Select([]string{v}, "bob@example.org"); ok {
		t.Error("header for another address selected")
	}
	if _, ok := Select([]string{v, v}, "alice@example.org"); ok {
		t.Error("two valid headers must count as none")
	}
	if g := h.GossipString(); strings.Contains(g, "prefer-encrypt") {
		t.Errorf("gossip carries prefer-encrypt: %s", g)
	}
}

// TestKeydataIsFivePackets checks Level 1's keydata shape for a key we generate.
func TestKeydataIsFivePackets(t *testing.T) {
	_, pub := newKey(t, "alice@example.org")
	r := packet.NewReader(bytes.NewReader(pub))
	n := 0
	for {
		if _, err := r.Next(); err != nil {
			break
		}
		n++
	}
	if n != 5 {
		t.Errorf("keydata has %d packets, want 5", n)
	}
}

func FuzzParseHeader(f *testing.F) {
	_, pub := newKey(f, "alice@example.org")
	f.Add("addr=alice@example.org; prefer-encrypt=mutual; keydata=" + base64.StdEncoding.EncodeToString(pub))
	f.Add("addr=a@b; keydata=AAAA")
	f.Add("_x=; addr=; keydata=")
	f.Fuzz(func(t *testing.T, v string) {
		h, err := ParseHeader(v)
		if err != nil {
			return
		}
		if h.Addr == "" || len(h.KeyData) == 0 || len(v) > MaxHeaderSize {
			t.Fatalf("accepted an invalid header: %q", v)
		}
		if _, err := ParseHeader(h.String()); err != nil {
			t.Fatalf("own output refused: %v", err)
		}
	})
}
