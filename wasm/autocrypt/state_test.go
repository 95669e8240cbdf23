package autocrypt

import (
	"bytes"
	"testing"
	"time"
)

// t0 is after the test keys are made: a key cannot encrypt before its creation.
var t0 = time.Now().Add(time.Minute).Truncate(time.Second)

func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

func header(t *testing.T, addr string, prefer Preference) (string, []byte) {
	t.Helper()
	_, pub := newKey(t, addr)
	return Header{Addr: addr, PreferEncrypt: prefer, KeyData: pub}.String(), pub
}

func TestUpdate(t *testing.T) {
	s := NewStore()
	now := day(100)
	h1, k1 := header(t, "bob@example.org", Mutual)
	h2, k2 := header(t, "bob@example.org", NoPreference)

	s.Update(Incoming{From: "Bob@example.org", Date: day(1), Autocrypt: []string{h1}}, now)
	p, _ := s.Peer("bob@example.org")
	if !p.LastSeen.Equal(day(1)) || !p.AutocryptTimestamp.Equal(day(1)) || !bytes.Equal(p.PublicKey, k1) || p.PreferEncrypt != Mutual {
		t.Fatalf("first header: %+v", p)
	}
	// no header: only last_seen moves
	s.Update(Incoming{From: "bob@example.org", Date: day(5)}, now)
	p, _ = s.Peer("bob@example.org")
	if !p.LastSeen.Equal(day(5)) || !p.AutocryptTimestamp.Equal(day(1)) || !bytes.Equal(p.PublicKey, k1) {
		t.Fatalf("no header: %+v", p)
	}
	// an older message changes nothing
	s.Update(Incoming{From: "bob@example.org", Date: t0.Add(-time.Hour), Autocrypt: []string{h2}}, now)
	if p2, _ := s.Peer("bob@example.org"); !bytes.Equal(p2.PublicKey, k1) {
		t.Fatal("an older message replaced the key")
	}
	// a newer header replaces key and preference
	s.Update(Incoming{From: "bob@example.org", Date: day(6), Autocrypt: []string{h2}}, now)
	p, _ = s.Peer("bob@example.org")
	if !bytes.Equal(p.PublicKey, k2) || p.PreferEncrypt != NoPreference || !p.AutocryptTimestamp.Equal(day(6)) {
		t.Fatalf("new header: %+v", p)
	}
	// a date in the future counts as now
	s.Update(Incoming{From: "bob@example.org", Date: day(1000)}, now)
	if p, _ = s.Peer("bob@example.org"); !p.LastSeen.Equal(now) {
		t.Fatalf("future date: %+v", p)
	}
	// a delivery report changes nothing
	s.Update(Incoming{From: "bob@example.org", Date: now, Autocrypt: []string{h1}, Report: true}, now)
	if p, _ = s.Peer("bob@example.org"); !bytes.Equal(p.PublicKey, k2) {
		t.Fatal("a report was used")
	}
	// a header for another address is not Bob's
	hc, _ := header(t, "carol@example.org", Mutual)
	s.Update(Incoming{From: "bob@example.org", Date: now, Autocrypt: []string{hc}}, now)
	if p, _ = s.Peer("bob@example.org"); !bytes.Equal(p.PublicKey, k2) {
		t.Fatal("header with a foreign addr accepted")
	}
}

func TestGossip(t *testing.T) {
	s := NewStore()
	_, kc := newKey(t, "carol@example.org")
	_, kd := newKey(t, "dave@example.org")
	g := []string{
		Header{Addr: "carol@example.org", KeyData: kc}.GossipString(),
		Header{Addr: "dave@example.org", KeyData: kd}.GossipString(),
	}
	s.Update(Incoming{From: "bob@example.org", Date: day(2), Recipients: []string{"me@example.org", "carol@example.org"}, Gossip: g}, day(3))
	p, ok := s.Peer("carol@example.org")
	if !ok || !bytes.Equal(p.GossipKey, kc) || !p.GossipTimestamp.Equal(day(2)) {
		t.Fatalf("carol: %+v", p)
	}
	if _, ok := s.Peer("dave@example.org"); ok {
		t.Error("gossip about a non-recipient accepted")
	}
	if r := s.Recommend(Compose{Recipients: []string{"carol@example.org"}}, day(3)); r != Discourage {
		t.Errorf("gossip-only key: %s, want discourage", r)
	}
	s.Update(Incoming{From: "x@example.org", Date: day(1), Recipients: []string{"carol@example.org"}, Gossip: g[1:]}, day(3))
	if p, _ = s.Peer("carol@example.org"); !p.GossipTimestamp.Equal(day(2)) {
		t.Error("older gossip replaced newer")
	}
	hs := s.GossipHeaders([]string{"carol@example.org", "bob@example.org"}, day(3))
	if len(hs) != 1 {
		t.Fatalf("gossip headers %q", hs)
	}
	if h, err := ParseHeader(hs[0]); err != nil || !bytes.Equal(h.KeyData, kc) {
		t.Errorf("gossip header: %v", err)
	}
	if s.GossipHeaders([]string{"carol@example.org"}, day(3)) != nil {
		t.Error("gossip for a single recipient")
	}
}

func TestRecommend(t *testing.T) {
	s := NewStore()
	hm, _ := header(t, "mutual@example.org", Mutual)
	hn, _ := header(t, "nopref@example.org", NoPreference)
	hs, _ := header(t, "stale@example.org", Mutual)
	s.Update(Incoming{From: "mutual@example.org", Date: day(50), Autocrypt: []string{hm}}, day(60))
	s.Update(Incoming{From: "nopref@example.org", Date: day(50), Autocrypt: []string{hn}}, day(60))
	s.Update(Incoming{From: "stale@example.org", Date: day(1), Autocrypt: []string{hs}}, day(60))
	s.Update(Incoming{From: "stale@example.org", Date: day(40)}, day(60)) // 39 days without header
	now := day(60)
	cases := []struct {
		name        string
		to          []string
		own         Preference
		reply       bool
		want        Recommendation
		preliminary Recommendation
	}{
		{"unknown", []string{"nobody@example.org"}, Mutual, false, Disable, Disable},
		{"unknown, reply to encrypted", []string{"nobody@example.org"}, Mutual, true, Disable, Disable},
		{"both mutual", []string{"mutual@example.org"}, Mutual, false, Encrypt, Available},
		{"we have no preference", []string{"mutual@example.org"}, NoPreference, false, Available, Available},
		{"they have no preference", []string{"nopref@example.org"}, Mutual, false, Available, Available},
		{"reply to encrypted", []string{"nopref@example.org"}, NoPreference, true, Encrypt, Available},
		{"35 days stale", []string{"stale@example.org"}, Mutual, false, Discourage, Discourage},
		{"stale, reply to encrypted", []string{"stale@example.org"}, Mutual, true, Encrypt, Discourage},
		{"several, all mutual", []string{"mutual@example.org", "me@example.org"}, Mutual, false, Encrypt, ""},
		{"several, one no preference", []string{"mutual@example.org", "nopref@example.org"}, Mutual, false, Available, ""},
		{"several, one stale", []string{"mutual@example.org", "stale@example.org"}, Mutual, false, Discourage, ""},
		{"several, one unknown", []string{"mutual@example.org", "nobody@example.org"}, Mutual, true, Disable, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.Recommend(Compose{Recipients: c.to, Self: "me@example.org", OwnPreference: c.own, ReplyToEncrypted: c.reply}, now)
			if got != c.want {
				t.Errorf("recommendation %s, want %s", got, c.want)
			}
			if c.preliminary != "" {
				p, _ := s.Peer(c.to[0])
				if pre := p.Preliminary(now); pre != c.preliminary {
					t.Errorf("preliminary %s, want %s", pre, c.preliminary)
				}
			}
		})
	}
}

func TestRestore(t *testing.T) {
	s := NewStore()
	h, _ := header(t, "bob@example.org", Mutual)
	s.Update(Incoming{From: "bob@example.org", Date: day(1), Autocrypt: []string{h}}, day(2))
	r := NewStore()
	r.Restore(s.Peers())
	if p, ok := r.Peer("bob@example.org"); !ok || p.PreferEncrypt != Mutual {
		t.Errorf("restored %+v", p)
	}
}
