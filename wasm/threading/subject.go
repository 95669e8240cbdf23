package threading

import (
	"strings"
)

// BaseSubject returns the RFC 5256 §2.1 base subject (lower-cased for comparison) and
// whether reply or forward markers were removed. The subject must already be decoded.
func BaseSubject(subject string) (base string, reply bool) {
	s := strings.Join(strings.Fields(subject), " ")
	for {
		before := s
		// (2) trailing "(fwd)" markers.
		for {
			t := strings.TrimSpace(s)
			if !strings.HasSuffix(strings.ToLower(t), "(fwd)") {
				s = t
				break
			}
			s, reply = t[:len(t)-len("(fwd)")], true
		}
		// (3) leading "re:", "fw:", "fwd:" with optional blobs, and leading blobs.
		for {
			t, r, ok := trimLeader(s)
			if !ok {
				break
			}
			s, reply = t, reply || r
		}
		// (4) a "[fwd: ...]" wrapper.
		if l := strings.ToLower(s); strings.HasPrefix(l, "[fwd:") && strings.HasSuffix(l, "]") {
			s, reply = strings.TrimSpace(s[len("[fwd:"):len(s)-1]), true
		}
		if s == before {
			return strings.ToLower(s), reply
		}
	}
}

// trimLeader removes one subj-leader: *(blob) ("re" / "fw" / "fwd") *WSP [blob] ":", or a
// lone leading blob when something is left after it.
func trimLeader(s string) (rest string, reply, ok bool) {
	t := s
	for {
		b, ok := trimBlob(t)
		if !ok {
			break
		}
		t = b
	}
	l := strings.ToLower(t)
	for _, p := range []string{"re", "fwd", "fw"} {
		if !strings.HasPrefix(l, p) {
			continue
		}
		u := strings.TrimLeft(t[len(p):], " ")
		if b, ok := trimBlob(u); ok {
			u = b
		}
		if strings.HasPrefix(u, ":") {
			return strings.TrimLeft(u[1:], " "), true, true
		}
	}
	if t != s && strings.TrimSpace(t) != "" {
		return t, false, true
	}
	return s, false, false
}

// trimBlob removes one leading "[...]" (no brackets inside) and the spaces after it.
func trimBlob(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return s, false
	}
	end := strings.IndexAny(s[1:], "[]")
	if end < 0 || s[1+end] != ']' {
		return s, false
	}
	return strings.TrimLeft(s[end+2:], " "), true
}

// groupBySubject merges roots that share a base subject (RFC 5256 REFERENCES step 5).
func groupBySubject(roots []*Node) []*Node {
	bySubject := map[string]*Node{}
	subjectOf := func(n *Node) (string, bool) {
		m := n
		for m.Message == nil && len(m.Children) > 0 {
			m = m.Children[0]
		}
		if m.Message == nil {
			return "", false
		}
		return BaseSubject(m.Message.Subject)
	}
	for _, r := range roots {
		base, reply := subjectOf(r)
		if base == "" {
			continue
		}
		cur, ok := bySubject[base]
		if !ok {
			bySubject[base] = r
			continue
		}
		_, curReply := subjectOf(cur)
		if r.Ghost() && !cur.Ghost() || !r.Ghost() && !cur.Ghost() && curReply && !reply {
			bySubject[base] = r
		}
	}
	var out []*Node
	for _, r := range roots {
		if r.parent != nil {
			continue // already placed under another root in this pass
		}
		base, reply := subjectOf(r)
		target, ok := bySubject[base]
		if base == "" || !ok || target == r {
			out = append(out, r)
			continue
		}
		_, targetReply := subjectOf(target)
		switch {
		case target.Ghost() && r.Ghost():
			for _, c := range r.Children {
				link(target, c)
			}
			r.Children = nil
		case target.Ghost():
			link(target, r)
		case reply && !targetReply:
			link(target, r)
		default:
			holder := &Node{}
			if target.parent == nil {
				// Replace target in out (if already there) by the holder.
				for i, o := range out {
					if o == target {
						out[i] = holder
					}
				}
			}
			link(holder, target)
			link(holder, r)
			bySubject[base] = holder
			if !contains(out, holder) {
				out = append(out, holder)
			}
		}
	}
	return out
}

func contains(nodes []*Node, n *Node) bool {
	for _, x := range nodes {
		if x == n {
			return true
		}
	}
	return false
}
