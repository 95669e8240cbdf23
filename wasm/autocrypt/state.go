package autocrypt

import (
	"strings"
	"sync"
	"time"
)

// Peer is the Autocrypt state kept for one address (Level 1, "Peer State").
type Peer struct {
	Addr               string     `json:"addr"`
	LastSeen           time.Time  `json:"lastSeen"`
	AutocryptTimestamp time.Time  `json:"autocryptTimestamp"`
	PublicKey          []byte     `json:"publicKey,omitempty"`
	PreferEncrypt      Preference `json:"preferEncrypt,omitempty"`
	GossipTimestamp    time.Time  `json:"gossipTimestamp"`
	GossipKey          []byte     `json:"gossipKey,omitempty"`
}

// Incoming is what the state update needs from a received message.
type Incoming struct {
	From       string    // the single From address
	Date       time.Time // the Date header
	Autocrypt  []string  // values of the outer Autocrypt headers
	Recipients []string  // To and Cc addresses, for gossip
	// Gossip holds the Autocrypt-Gossip values of the decrypted payload's root part; leave
	// it empty for a message that was not encrypted.
	Gossip []string
	// Report is true for a delivery or read report (multipart/report): Level 1 ignores them.
	Report bool
}

// Store holds the peer state of every address seen. It is safe for concurrent use; the
// caller persists it with Peers and Restore.
type Store struct {
	mu    sync.Mutex
	peers map[string]*Peer
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{peers: map[string]*Peer{}} }

// Restore loads saved peers.
func (s *Store) Restore(peers []Peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range peers {
		p := p
		s.peers[norm(p.Addr)] = &p
	}
}

// Peers returns a copy of every peer, to persist.
func (s *Store) Peers() []Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Peer, 0, len(s.peers))
	for _, p := range s.peers {
		out = append(out, *p)
	}
	return out
}

// Peer returns the state for addr.
func (s *Store) Peer(addr string) (Peer, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.peers[norm(addr)]
	if !ok {
		return Peer{}, false
	}
	return *p, true
}

// Update applies a received message to the state, as Level 1 "Updating Autocrypt Peer
// State" says. A message without a valid Autocrypt header only moves last_seen forward, which
// is how the spec "resets" a peer: once autocrypt_timestamp falls 35 days behind last_seen,
// the recommendation drops to discourage.
func (s *Store) Update(in Incoming, now time.Time) {
	if in.Report {
		return
	}
	effective := in.Date
	if effective.IsZero() || effective.After(now) {
		effective = now
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updateGossip(in, effective)
	from := norm(in.From)
	if from == "" {
		return
	}
	p := s.peer(from)
	if effective.Before(p.AutocryptTimestamp) {
		return
	}
	if effective.After(p.LastSeen) {
		p.LastSeen = effective
	}
	h, ok := Select(in.Autocrypt, from)
	if !ok {
		return
	}
	p.AutocryptTimestamp = effective
	p.PublicKey = h.KeyData
	p.PreferEncrypt = h.PreferEncrypt
}

// updateGossip applies Autocrypt-Gossip headers naming one of the message's recipients.
func (s *Store) updateGossip(in Incoming, effective time.Time) {
	recipients := map[string]bool{}
	for _, r := range in.Recipients {
		recipients[norm(r)] = true
	}
	for _, v := range in.Gossip {
		h, err := ParseHeader(v)
		if err != nil || !recipients[h.Addr] {
			continue
		}
		p := s.peer(h.Addr)
		if effective.After(p.GossipTimestamp) {
			p.GossipTimestamp = effective
			p.GossipKey = h.KeyData
		}
	}
}

func (s *Store) peer(addr string) *Peer {
	p, ok := s.peers[addr]
	if !ok {
		p = &Peer{Addr: addr}
		s.peers[addr] = p
	}
	return p
}

func norm(a string) string { return strings.ToLower(strings.TrimSpace(a)) }
