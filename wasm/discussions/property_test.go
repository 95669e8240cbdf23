package discussions

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
)

// world is a random mailbox: people with identities on several networks, the user's own
// identities, and messages between them.
type world struct {
	byNetwork map[model.Network][]model.IdentityURI
	own       map[model.Network]model.IdentityURI
	messages  []model.Message
}

func randomWorld(r *rand.Rand, people, messages int) *world {
	w := &world{byNetwork: map[model.Network][]model.IdentityURI{}, own: map[model.Network]model.IdentityURI{
		model.Email: meMail, model.Mastodon: meMasto, model.X: meX,
	}}
	nets := []model.Network{model.Email, model.Mastodon, model.X}
	for p := range people {
		for _, n := range nets {
			if r.IntN(2) == 0 && n != model.Email {
				continue
			}
			var u model.IdentityURI
			switch n {
			case model.Email:
				u = model.IdentityURI(fmt.Sprintf("email:p%d@x.org", p))
			case model.Mastodon:
				u = model.IdentityURI(fmt.Sprintf("mastodon:p%d@m.example", p))
			case model.X:
				u = model.IdentityURI(fmt.Sprintf("x:%d", 1000+p))
			}
			w.byNetwork[n] = append(w.byNetwork[n], u)
		}
	}
	var mails []int // indexes of the email messages, to file copies of them
	for i := range messages {
		if len(mails) > 0 && r.IntN(6) == 0 {
			// A copy of an email in another folder: the same Message-ID and headers.
			m := w.messages[mails[r.IntN(len(mails))]]
			m.ID, m.Box = fmt.Sprint("m", i), randomBox(r, m.Outgoing)
			m.Flags.Seen = r.IntN(2) == 0
			w.messages = append(w.messages, m)
			continue
		}
		n := nets[r.IntN(len(nets))]
		pool := w.byNetwork[n]
		other := pool[r.IntN(len(pool))]
		from, to := other, []model.IdentityURI{w.own[n]}
		if r.IntN(3) == 0 {
			from, to = w.own[n], []model.IdentityURI{other}
		}
		if n == model.Email && r.IntN(5) == 0 {
			to = append(to, pool[r.IntN(len(pool))])
		}
		m := message(fmt.Sprint("m", i), n, r.IntN(10000), from, to...)
		m.Flags.Seen = r.IntN(2) == 0
		if n == model.Email && r.IntN(10) == 0 {
			m.ListID = fmt.Sprintf("<list%d.example>", r.IntN(3))
		}
		if n == model.Email {
			m.MessageID = fmt.Sprintf("<mid%d@x.org>", i)
			m.Box = randomBox(r, m.Outgoing)
			mails = append(mails, i)
		} else if r.IntN(8) == 0 {
			m.Box = model.BoxArchive // a direct message the user archived
		}
		w.messages = append(w.messages, m)
	}
	return w
}

// randomBox files an email: mostly in the inbox (or Sent, for the user's), sometimes in the
// archive, the trash, junk or drafts.
func randomBox(r *rand.Rand, outgoing bool) model.Box {
	if outgoing && r.IntN(2) == 0 {
		return model.BoxSent
	}
	switch r.IntN(12) {
	case 0, 1:
		return model.BoxArchive
	case 2:
		return model.BoxTrash
	case 3:
		return model.BoxJunk
	case 4:
		return model.BoxDrafts
	}
	return model.BoxInbox
}

func (w *world) identities() []model.IdentityURI {
	var out []model.IdentityURI
	for _, n := range []model.Network{model.Email, model.Mastodon, model.X} {
		out = append(out, w.byNetwork[n]...)
	}
	return out
}

func newWorldBook(t *testing.T, w *world) *contacts.Book {
	b := contacts.NewBook()
	for _, u := range w.own {
		b.SetOwn(u)
	}
	for _, u := range w.identities() {
		if _, err := b.Ensure(u, t0); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func build(t *testing.T, b *contacts.Book, msgs []model.Message) *Index {
	ix := NewIndex(b)
	for _, m := range msgs {
		if _, err := ix.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	return ix
}

// state is the whole index as text: every discussion of the inbox, then of the archive, in
// page order with its summary and its messages.
func state(t *testing.T, ix *Index) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []Filter{{}, {Archive: true}} {
		cur := Cursor("")
		for {
			page, next, _, err := ix.PageWhere(f, cur, 7)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				fmt.Fprintf(&b, "%s n=%d u=%d f=%d a=%v last=%s %v %v %v %v\n", s.Key, s.Count, s.Unread, s.Flagged, s.Archived,
					s.LastMessageID, s.Networks, s.Accounts, s.Participants, ids(ix.Messages(s.Key)))
			}
			if next == "" {
				break
			}
			cur = next
		}
	}
	return b.String()
}

func randomMergeOrSplit(t *testing.T, r *rand.Rand, b *contacts.Book, at time.Time) (contacts.Change, bool) {
	cs := b.Contacts()
	if r.IntN(2) == 0 {
		a, c := cs[r.IntN(len(cs))], cs[r.IntN(len(cs))]
		if a.ID == c.ID {
			return contacts.Change{}, false
		}
		ch, err := b.Merge(a.ID, c.ID, nil, at)
		if err != nil {
			t.Fatal(err)
		}
		return ch, true
	}
	c := cs[r.IntN(len(cs))]
	if len(c.Identities) < 2 {
		return contacts.Change{}, false
	}
	ch, err := b.Split(c.ID, c.Identities[:1+r.IntN(len(c.Identities)-1)], at)
	if err != nil {
		t.Fatal(err)
	}
	return ch, true
}

func TestGroupingDoesNotDependOnArrivalOrder(t *testing.T) {
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 1))
		w := randomWorld(r, 15, 200)
		b := newWorldBook(t, w)
		want := state(t, build(t, b, w.messages))
		for range 3 {
			shuffled := slices.Clone(w.messages)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if got := state(t, build(t, b, shuffled)); got != want {
				t.Fatalf("seed %d: order changed the grouping", seed)
			}
		}
	}
}

func TestRekeyEqualsRegroupingFromScratch(t *testing.T) {
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 2))
		w := randomWorld(r, 15, 200)
		b := newWorldBook(t, w)
		ix := build(t, b, w.messages)
		for i := range 40 {
			if ch, ok := randomMergeOrSplit(t, r, b, t0.Add(time.Duration(i)*time.Minute)); ok {
				changes := ix.Apply(ch)
				// Incremental: only sets naming a moved identity move.
				for _, mv := range changes.SetMoves {
					if !slices.ContainsFunc(ix.sets[mv.Set].uris, func(u model.IdentityURI) bool {
						return slices.Contains(ch.Identities(), u)
					}) {
						t.Fatalf("seed %d: set %s moved without naming a moved identity", seed, mv.Set)
					}
				}
			}
			if i%10 == 9 {
				if got, want := state(t, ix), state(t, build(t, b, w.messages)); got != want {
					t.Fatalf("seed %d step %d: incremental re-key differs from regrouping\n%s\nwant\n%s", seed, i, got, want)
				}
			}
		}
	}
}

func TestMergeThenSplitAndUndoRestore(t *testing.T) {
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 3))
		w := randomWorld(r, 12, 150)
		b := newWorldBook(t, w)
		ix := build(t, b, w.messages)
		for i := range 20 {
			at := t0.Add(time.Duration(i) * time.Minute)
			before := state(t, ix)
			ch, ok := randomMergeOrSplit(t, r, b, at)
			if !ok {
				continue
			}
			ix.Apply(ch)
			undo, err := b.Undo(ch.Op.ID, fmt.Sprint("undo", seed, i), at)
			if err != nil {
				t.Fatal(err)
			}
			ix.Apply(undo)
			if got := state(t, ix); got != before {
				t.Fatalf("seed %d step %d: %s then undo did not restore", seed, i, ch.Op.Kind)
			}
			// Leave some operations applied so later steps start from varied books.
			if r.IntN(2) == 0 {
				if ch, ok := randomMergeOrSplit(t, r, b, at); ok {
					ix.Apply(ch)
				}
			}
		}
	}
}

func TestRemoveEqualsNeverAdded(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	w := randomWorld(r, 15, 300)
	b := newWorldBook(t, w)
	ix := build(t, b, w.messages)
	var kept []model.Message
	for _, m := range w.messages {
		if r.IntN(2) == 0 {
			ix.Remove(m.ID)
		} else {
			kept = append(kept, m)
		}
	}
	if got, want := state(t, ix), state(t, build(t, b, kept)); got != want {
		t.Fatal("removing messages differs from never adding them")
	}
	// Replacing a message (same id, now seen) updates the unread count.
	m := kept[0]
	m.Flags.Seen = !m.Flags.Seen
	ch, _ := ix.Add(m)
	if len(ch.Upserted) != 1 {
		t.Fatalf("replace: %+v", ch)
	}
}

func TestCursorPagination(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	w := randomWorld(r, 20, 300)
	ix := build(t, newWorldBook(t, w), w.messages)
	all, _, _ := ix.Page("", 10000)
	var paged []Summary
	cur := Cursor("")
	for {
		page, next, err := ix.Page(cur, 3)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if next == "" {
			break
		}
		cur = next
	}
	if len(paged) != len(all) {
		t.Fatalf("paged %d, all %d", len(paged), len(all))
	}
	for i := range all {
		if paged[i].Key != all[i].Key || i > 0 && all[i].LastDate.After(all[i-1].LastDate) {
			t.Fatalf("order broken at %d", i)
		}
	}
	if _, _, err := ix.Page("garbage", 3); err == nil {
		t.Fatal("bad cursor accepted")
	}
}

// Of the copies of an email filed in several folders of one account, exactly the best placed
// visible one is shown (inbox, then sent, then archive; never trash, junk or drafts), whatever
// the order they come and go in.
func TestOneCopyOfEachMessageIsShown(t *testing.T) {
	for seed := range uint64(8) {
		r := rand.New(rand.NewPCG(seed, 6))
		w := randomWorld(r, 12, 300)
		b := newWorldBook(t, w)
		ix := build(t, b, w.messages)
		kept := slices.Clone(w.messages)
		for step := range 4 {
			want := map[string]bool{}
			best := map[string]model.Message{}
			for _, m := range kept {
				if m.Box.Hidden() {
					continue
				}
				g := m.ID // a message without a Message-ID is alone
				if m.MessageID != "" {
					g = m.AccountID + " " + m.MessageID
				}
				if o, ok := best[g]; !ok || placeRank(m.Box) < placeRank(o.Box) || placeRank(m.Box) == placeRank(o.Box) && m.ID < o.ID {
					best[g] = m
				}
			}
			for _, m := range best {
				want[m.ID] = true
			}
			got := map[string]bool{}
			for _, f := range []Filter{{}, {Archive: true}} {
				page, _, _, _ := ix.PageWhere(f, "", 100000)
				for _, s := range page {
					for _, m := range ix.Messages(s.Key) {
						if got[m.ID] {
							t.Fatalf("seed %d: %s shown twice", seed, m.ID)
						}
						got[m.ID] = true
					}
				}
			}
			if len(got) != len(want) {
				t.Fatalf("seed %d step %d: %d messages shown, want %d", seed, step, len(got), len(want))
			}
			for id := range want {
				if !got[id] {
					t.Fatalf("seed %d step %d: %s is the copy to show, not shown", seed, step, id)
				}
			}
			// Some copies go (moved away) and come back elsewhere (the folder's next sync).
			for range 30 {
				i := r.IntN(len(kept))
				m := kept[i]
				ix.Remove(m.ID)
				if r.IntN(2) == 0 {
					kept = slices.Delete(kept, i, i+1)
					continue
				}
				m.Box = randomBox(r, m.Outgoing)
				kept[i] = m
				if _, err := ix.Add(m); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, want := state(t, ix), state(t, build(t, b, kept)); got != want {
			t.Fatalf("seed %d: moving copies around differs from indexing where they ended", seed)
		}
	}
}
