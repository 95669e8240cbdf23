package discussions

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"caliopen/wasm/model"
)

// keptByMessages says whether f keeps a discussion, judged from its messages alone.
func keptByMessages(f Filter, msgs []model.Message) bool {
	unread, network, account, text := !f.Unread, f.Network == "", f.Account == "", f.Text == ""
	inbox, archived := false, false
	for _, m := range msgs {
		inbox = inbox || m.Box == model.BoxInbox && !m.Outgoing
		archived = archived || m.Box == model.BoxArchive
		unread = unread || !m.Flags.Seen
		network = network || m.Network == f.Network
		account = account || m.AccountID == f.Account
		text = text || strings.Contains(strings.ToLower(m.Subject), strings.ToLower(f.Text))
		for _, p := range m.Participants {
			text = text || strings.Contains(strings.ToLower(string(p.URI)+"\x00"+p.Name), strings.ToLower(f.Text))
		}
	}
	return (archived && !inbox) == f.Archive && unread && network && account && text
}

// pagedWhere reads every page f keeps, three at a time, checking the total on each.
func pagedWhere(t *testing.T, ix *Index, f Filter) []Key {
	t.Helper()
	var keys []Key
	cur := Cursor("")
	total := -1
	for {
		page, next, n, err := ix.PageWhere(f, cur, 3)
		if err != nil {
			t.Fatal(err)
		}
		if total >= 0 && n != total {
			t.Fatalf("%+v: total moved from %d to %d between pages", f, total, n)
		}
		total = n
		for _, s := range page {
			keys = append(keys, s.Key)
		}
		if next == "" {
			if len(keys) != total {
				t.Fatalf("%+v: %d discussions paged, total says %d", f, len(keys), total)
			}
			return keys
		}
		cur = next
	}
}

// Every filter keeps exactly the discussions its messages say, in list order, page after
// page, also after contacts merge and split and messages go.
func TestFiltersMatchTheMessages(t *testing.T) {
	filters := []Filter{
		{}, {Unread: true}, {Network: model.Email}, {Network: model.X}, {Account: "acct-mail-2"},
		{Unread: true, Network: model.Mastodon}, {Network: model.Email, Account: "acct-mail"},
		{Network: model.X, Account: "acct-mail"}, // no discussion has both
		{Text: "P1"}, {Text: "x:100", Unread: true}, {Text: "Meeting"},
		{Archive: true}, {Archive: true, Unread: true},
	}
	for seed := range uint64(5) {
		r := rand.New(rand.NewPCG(seed, 9))
		w := randomWorld(r, 15, 250)
		for i := range w.messages {
			if w.messages[i].Network == model.Email && r.IntN(3) == 0 {
				w.messages[i].AccountID = "acct-mail-2" // a second mailbox
			}
			if r.IntN(4) == 0 {
				w.messages[i].Subject = "Meeting notes"
			}
			if w.messages[i].Box == model.BoxInbox && r.IntN(3) == 0 {
				w.messages[i].Box = model.BoxArchive // enough archived discussions to filter
			}
			w.messages[i].Participants[0].Name = fmt.Sprint("Person ", r.IntN(30))
		}
		b := newWorldBook(t, w)
		ix := build(t, b, w.messages)
		check := func(when string) {
			inbox, _, _ := ix.Page("", 100000)
			archive, _, _, _ := ix.PageWhere(Filter{Archive: true}, "", 100000)
			for _, f := range filters {
				all := inbox
				if f.Archive {
					all = archive
				}
				var want []Key
				for _, s := range append(slices.Clone(inbox), archive...) {
					if keptByMessages(f, ix.Messages(s.Key)) {
						want = append(want, s.Key)
					}
				}
				beyondView := f
				beyondView.Archive = false
				if !beyondView.IsZero() && f.Network != model.X && len(all) >= 10 && len(want) == len(all) || f.Account == "acct-mail-2" && len(want) == 0 {
					t.Fatalf("seed %d, %s, %+v: a filter that proves nothing (%d of %d)", seed, when, f, len(want), len(all))
				}
				if got := pagedWhere(t, ix, f); !slices.Equal(got, want) {
					t.Fatalf("seed %d, %s, %+v: kept %d discussions, want %d", seed, when, f, len(got), len(want))
				}
			}
		}
		check("built")
		for i := range 20 {
			if ch, ok := randomMergeOrSplit(t, r, b, t0); ok {
				ix.Apply(ch)
			}
			ix.Remove(fmt.Sprint("m", r.IntN(250)))
			if i%5 == 4 {
				check(fmt.Sprintf("after %d changes", i+1))
			}
		}
	}
}

func TestFilterRefusesABadCursor(t *testing.T) {
	ix := NewIndex(newWorldBook(t, &world{}))
	if _, _, _, err := ix.PageWhere(Filter{Unread: true}, "garbage", 3); err == nil {
		t.Fatal("bad cursor accepted")
	}
}
