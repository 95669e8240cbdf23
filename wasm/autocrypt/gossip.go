package autocrypt

import "time"

// GossipHeaders returns the Autocrypt-Gossip values to put in the encrypted payload of a
// message to several recipients (To and Cc, never Bcc): one per recipient whose key is
// known. A message to a single recipient carries none.
func (s *Store) GossipHeaders(recipients []string, now time.Time) []string {
	if len(recipients) < 2 {
		return nil
	}
	var out []string
	for _, r := range recipients {
		p, ok := s.Peer(r)
		if !ok || p.Preliminary(now) == Disable {
			continue
		}
		out = append(out, Header{Addr: norm(r), KeyData: p.Key()}.GossipString())
	}
	return out
}
