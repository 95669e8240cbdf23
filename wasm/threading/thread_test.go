package threading

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func msg(id, mid, subject string, minute int, refs ...string) Message {
	return Message{ID: id, MessageID: mid, Subject: subject, Date: t0.Add(time.Duration(minute) * time.Minute), References: refs}
}

func TestThreadWithGhostParent(t *testing.T) {
	roots := Build([]Message{
		msg("b", "b@x", "Re: hi", 2, "a@x"),
		msg("c", "c@x", "Re: hi", 3, "a@x"),
		msg("d", "d@x", "Re: hi", 4, "a@x", "c@x"),
	}, Strict)
	if len(roots) != 1 || !roots[0].Ghost() || len(roots[0].Children) != 2 {
		t.Fatalf("want one ghost root with two children, got %s", dump(roots))
	}
	if got := Partition(roots); !reflect.DeepEqual(got, [][]string{{"b", "c", "d"}}) {
		t.Fatalf("partition %v", got)
	}
}

func TestSingleChildGhostIsPromoted(t *testing.T) {
	roots := Build([]Message{msg("b", "b@x", "Re: hi", 2, "a@x")}, Strict)
	if len(roots) != 1 || roots[0].Ghost() || roots[0].Message.ID != "b" {
		t.Fatalf("got %s", dump(roots))
	}
}

// Strict follows notmuch: every id a message names joins threads, and In-Reply-To names the
// parent; References mode follows RFC 5256.
func TestStrictJoinsEveryNamedID(t *testing.T) {
	a := msg("a", "a@x", "one", 1)
	b := msg("b", "b@x", "re", 2, "ghost@x") // References names a ghost…
	b.InReplyTo = []string{"a@x"}            // …In-Reply-To the real parent
	p, q := msg("p", "p@x", "p", 3), msg("q", "q@x", "q", 4)
	m1 := msg("m1", "m1@x", "m1", 5, "p@x", "z@x")
	m2 := msg("m2", "m2@x", "m2", 6, "q@x", "z@x") // z already has parent p: RFC keeps it
	in := []Message{a, b, p, q, m1, m2}
	strict := Partition(Build(in, Strict))
	if !reflect.DeepEqual(strict, [][]string{{"a", "b"}, {"m1", "m2", "p", "q"}}) {
		t.Fatalf("strict %v", strict)
	}
	roots := Build(in, Strict)
	if roots[0].Message == nil || roots[0].Message.ID != "a" || roots[0].Children[0].Message.ID != "b" {
		t.Fatalf("In-Reply-To is not the parent:\n%s", dump(roots))
	}
	rfc := Partition(Build(in, References))
	if len(rfc) != 4 {
		t.Fatalf("references mode %v", rfc)
	}
}

func TestInReplyToFallback(t *testing.T) {
	a := msg("a", "a@x", "hi", 1)
	b := msg("b", "b@x", "Re: hi", 2)
	b.InReplyTo = []string{"a@x", "z@x"}
	if got := Partition(Build([]Message{a, b}, Strict)); len(got) != 1 {
		t.Fatalf("In-Reply-To not used: %v", got)
	}
}

func TestLoopsAreBroken(t *testing.T) {
	// The shape of the notmuch corpus's broken/loop: two messages replying to each other.
	a := msg("a", "a@x", "loop", 1)
	a.InReplyTo = []string{"b@x"}
	b := msg("b", "b@x", "loop", 2)
	b.InReplyTo = []string{"a@x"}
	c := msg("c", "c@x", "self", 3, "c@x", "c@x")
	roots := Build([]Message{a, b, c}, Strict)
	if got := Partition(roots); !reflect.DeepEqual(got, [][]string{{"a", "b"}, {"c"}}) {
		t.Fatalf("partition %v (%s)", got, dump(roots))
	}
}

func TestDuplicatesShareAThread(t *testing.T) {
	roots := Build([]Message{
		msg("1", "d@x", "first copy", 1, "p@x"),
		msg("2", "d@x", "second copy", 1, "q@x"),
		msg("3", "other@x", "other", 5),
	}, Strict)
	if got := Partition(roots); !reflect.DeepEqual(got, [][]string{{"1", "2"}, {"3"}}) {
		t.Fatalf("partition %v", got)
	}
}

func TestHugeReferencesAreBounded(t *testing.T) {
	var refs []string
	for i := range 20000 {
		refs = append(refs, fmt.Sprintf("r%d@x", i))
	}
	start := time.Now()
	roots := Build([]Message{msg("a", "a@x", "s", 1, refs...), msg("b", "b@x", "s", 2, "r19999@x")}, Strict)
	if len(Partition(roots)) != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("partition %v in %v", Partition(roots), time.Since(start))
	}
}

func TestSubjectModeGroupsRoots(t *testing.T) {
	in := []Message{
		msg("a", "a@x", "Lunch?", 1),
		msg("b", "b@x", "Re: [team] Lunch?", 2),
		msg("c", "c@x", "Fwd: lunch? (fwd)", 3),
		msg("d", "d@x", "Dinner", 4),
	}
	if got := Partition(Build(in, References)); len(got) != 4 {
		t.Fatalf("strict mode grouped by subject: %v", got)
	}
	got := Partition(Build(in, Subject))
	if !reflect.DeepEqual(got, [][]string{{"a", "b", "c"}, {"d"}}) {
		t.Fatalf("subject mode: %v", got)
	}
}

func TestBaseSubject(t *testing.T) {
	for in, want := range map[string]string{
		"Re: Re: hello":         "hello",
		"RE: [list] Fwd: hello": "hello",
		"[fwd: hello]":          "hello",
		"hello (fwd)":           "hello",
		"  Hello   world ":      "hello world",
		"[only blob]":           "[only blob]",
		"Re:":                   "",
		"Réponse: x":            "réponse: x",
	} {
		if got, _ := BaseSubject(in); got != want {
			t.Errorf("BaseSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

// The partition must not depend on the order messages arrive in.
func TestOrderIndependence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		var msgs []Message
		n := 2 + r.IntN(30)
		for i := range n {
			m := msg(fmt.Sprint(i), fmt.Sprintf("m%d@x", r.IntN(n+3)), fmt.Sprint("s", r.IntN(4)), r.IntN(100))
			for range r.IntN(4) {
				m.References = append(m.References, fmt.Sprintf("m%d@x", r.IntN(n+3)))
			}
			msgs = append(msgs, m)
		}
		for _, mode := range []Mode{Strict, References, Subject} {
			want := Partition(Build(slices.Clone(msgs), mode))
			sortParts(want)
			for range 5 {
				shuffled := slices.Clone(msgs)
				r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				got := Partition(Build(shuffled, mode))
				sortParts(got)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d mode %d: %v != %v", round, mode, got, want)
				}
			}
			count := 0
			for _, p := range want {
				count += len(p)
			}
			if count != n {
				t.Fatalf("round %d: lost messages: %d of %d", round, count, n)
			}
		}
	}
}

func sortParts(p [][]string) {
	slices.SortFunc(p, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
}

func TestReadHeader(t *testing.T) {
	raw := "Message-ID: <a@x>\r\nReferences: <r1@x>\r\n <r2@x>\r\nIn-Reply-To: <r2@x> (Bob's message)\r\n" +
		"Subject: =?UTF-8?Q?R=C3=A9union?=\r\nDate: Thu, 16 Jun 2016 22:14:41 -0400\r\n\r\nbody"
	m, err := ReadHeader("f", strings.NewReader(raw))
	if err != nil || m.MessageID != "a@x" || !reflect.DeepEqual(m.References, []string{"r1@x", "r2@x"}) ||
		!reflect.DeepEqual(m.InReplyTo, []string{"r2@x"}) || m.Subject != "Réunion" || m.Date.IsZero() {
		t.Fatalf("got %+v, %v", m, err)
	}
}

// FuzzReadHeader: untrusted headers never panic, and threading whatever comes out works.
func FuzzReadHeader(f *testing.F) {
	f.Add([]byte("Message-ID: <a@x>\r\nReferences: <b@x> <a@x>\r\n\r\n"))
	f.Add([]byte("In-Reply-To: a@x\r\nSubject: =?x?Q?=ff?=\r\n\r\n"))
	f.Add([]byte("References: <<>><\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadHeader("1", bytes.NewReader(b))
		if err != nil {
			return
		}
		m2 := m
		m2.ID, m2.References = "2", append([]string{m.MessageID}, m.References...)
		_ = Build([]Message{m, m2}, Subject)
		_, _ = BaseSubject(m.Subject)
	})
}

func dump(nodes []*Node) string {
	var b strings.Builder
	var rec func(n *Node, depth int)
	rec = func(n *Node, depth int) {
		id := "(ghost)"
		if n.Message != nil {
			id = n.Message.ID
		}
		fmt.Fprintf(&b, "%s%s <%s>\n", strings.Repeat("  ", depth), id, n.MessageID)
		for _, c := range n.Children {
			rec(c, depth+1)
		}
	}
	for _, n := range nodes {
		rec(n, 0)
	}
	return b.String()
}
