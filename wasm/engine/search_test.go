package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"caliopen/wasm/discussions"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// withBody is a message written with its body text (and, when html, as HTML only).
func withBody(w repo.MessageWrite, text string, html bool) repo.MessageWrite {
	if html {
		w.Body = &model.Body{HTML: "<p>" + text + "</p>"}
	} else {
		w.Body = &model.Body{Text: text}
	}
	return w
}

// searchKeys runs a text search through FilteredPage and returns the discussions' first
// person and the passage found, if any, in list order.
func searchKeys(t *testing.T, e *Engine, text string) []string {
	t.Helper()
	page, _, total, err := e.FilteredPage(context.Background(), discussions.Filter{Text: text}, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	if total != len(page) {
		t.Fatalf("search %q: total %d for %d items", text, total, len(page))
	}
	var out []string
	for _, s := range page {
		line := s.People[0].Name
		if s.Match != nil {
			var b strings.Builder
			for _, p := range s.Match.Parts {
				if p.Hit {
					b.WriteString("[" + p.Text + "]")
				} else {
					b.WriteString(p.Text)
				}
			}
			line += ": " + b.String()
		}
		out = append(out, line)
	}
	return out
}

// Words of bodies are found: email text, HTML-only mail, direct messages, with accents
// folded and by prefix; the list says where; a deleted or trashed message is not found; the
// words survive a restart without reading a body.
func TestSearchFindsWordsOfBodies(t *testing.T) {
	ctx := context.Background()
	db, e := startOwnEngine(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	trashed := withBody(msg("e1", model.Email, "Trash/1/1", "email:bin@example.org", "Bin", meMail, t0), "the workshop in the bin", false)
	trashed.Message.Box = model.BoxTrash
	err := e.Ingest(ctx, []repo.MessageWrite{
		withBody(msg("m1", model.Mastodon, "st1", tapM, "Tapioca", meMast, t0), "Hey Alex! The workshop is at 14 rue des Lilas, 3rd floor.", false),
		withBody(msg("x1", model.X, "dm1", tapX, "Hugo", meX, t0.Add(time.Hour)), "Running late, start without me!", false),
		withBody(msg("e1", model.Email, "INBOX/1/1", "email:camille@example.org", "Camille", meMail, t0.Add(2*time.Hour)), "Réunion d'été: notes below.\n> the workshop quoted\n", false),
		withBody(msg("e1", model.Email, "INBOX/1/2", "email:news@example.org", "News", meMail, t0.Add(3*time.Hour)), "<b>Workshops</b> and more", true),
		trashed,
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(e *Engine, text string, want ...string) {
		t.Helper()
		if got := searchKeys(t, e, text); !slices.Equal(got, want) {
			t.Fatalf("search %q:\n got %q\nwant %q", text, got, want)
		}
	}
	check(e, "workshop", "News: [Workshops] and more", "Tapioca: Hey Alex! The [workshop] is at 14 rue des Lilas, 3rd floor.")
	check(e, "lilas work", "Tapioca: Hey Alex! The [workshop] is at 14 rue des [Lilas], 3rd floor.")
	check(e, "ETE reunion", "Camille: [Réunion] d'[été]: notes below.")
	check(e, "late", "Hugo: Running [late], start without me!")
	check(e, "hugo", "Hugo") // by name, as before: no passage
	check(e, "nowhere")

	// After a restart the words come from the terms store: remove the bodies to prove it.
	if err := db.Update(ctx, []string{repo.Bodies}, func(tx store.Tx) error {
		return tx.Delete(repo.Bodies, model.MessageID("x1", "dm1"))
	}); err != nil {
		t.Fatal(err)
	}
	e2 := startEngine(t, db)
	if e2.unindexed != nil {
		t.Fatalf("nothing to index again after a restart: %q", e2.unindexed)
	}
	check(e2, "without", "Hugo") // found by its stored words; no passage without the body

	// A message deleted is no longer found.
	if err := e2.Repo.DeleteMessage(ctx, model.MessageID("m1", "st1")); err != nil {
		t.Fatal(err)
	}
	check(e2, "workshop", "News: [Workshops] and more")
}

// Messages stored before the search index (or cut by an older tokenizer) are indexed in the
// background after the load.
func TestSearchIndexesOldMessagesInTheBackground(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var writes []repo.MessageWrite
	for i := range 250 {
		writes = append(writes, withBody(msg("e1", model.Email, fmt.Sprint("INBOX/1/", i), model.IdentityURI(fmt.Sprintf("email:p%d@example.org", i)), fmt.Sprint("P", i), meMail, t0.Add(time.Duration(i)*time.Minute)),
			fmt.Sprintf("note number%d about the garden", i), false))
	}
	if err := e.Ingest(ctx, writes); err != nil {
		t.Fatal(err)
	}
	// As an older version left it: no words for most, words of another version for some.
	if err := db.Update(ctx, []string{repo.Terms}, func(tx store.Tx) error {
		recs, err := store.ScanAll(tx, repo.Terms, store.Query{})
		for i, r := range recs {
			if i%5 == 0 {
				err = tx.Put(repo.Terms, store.Record{Key: r.Key, Value: []byte("0\nstale")})
			} else {
				err = tx.Delete(repo.Terms, r.Key)
			}
			if err != nil {
				return err
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e2 := startEngine(t, db)
	if len(e2.unindexed) != 250 {
		t.Fatalf("%d messages to index, want 250", len(e2.unindexed))
	}
	// A message changed before the background indexing comes to it is indexed with its body.
	if err := e2.Repo.UpdateMessage(ctx, model.MessageID("e1", "INBOX/1/249"), func(m *model.Message) error {
		m.Flags.Seen = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := searchKeys(t, e2, "number249 garden"); len(got) != 1 {
		t.Fatalf("the message changed is found by its body: %q", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := searchKeys(t, e2, "garden number24")
		if len(got) == 11 { // number24 and number240…249
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not indexed in the background: %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := searchKeys(t, e2, "stale"); len(got) != 0 {
		t.Fatalf("words of the old version are gone: %q", got)
	}
}

// benchVocabulary is the words of the benchmark's messages: common ones and rarer ones.
var benchVocabulary = strings.Fields(`the meeting moved to thursday please find attached report budget draft review
thanks regards project deadline schedule call tomorrow update numbers plan customer release notes quarter team
lunch agenda minutes question answer follow up garden workshop invoice contract supplier salary holiday train
tickets photos weekend birthday surprise concert museum bakery bicycle climbing library neighbour festival
volunteer translation onboarding privacy encryption keyring fingerprint signature mailbox calendar recipe`)

// TestSearch10k stores 10,000 messages with 2-5 KB bodies and searches their words: one
// word, two words, prefixes, a word found nowhere; each finds what it should, and the index
// is whole after a reload. With CALIOPEN_BENCH=1 (`make bench BENCH=search_`) it prints BENCH
// lines: the mean time of a search (the index, then the page of 50 discussions listed with
// their passages), of the index alone, and of restoring the index at load. (Its times are
// measures, not pass marks: a loaded machine must not fail it.)
func TestSearch10k(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 10,000 messages")
	}
	ctx := context.Background()
	db, err := store.OpenMemory(repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, db)
	r := rand.New(rand.NewPCG(1, 2))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 10000
	for batch := 0; batch < n; batch += 250 {
		var writes []repo.MessageWrite
		for i := batch; i < batch+250; i++ {
			var b strings.Builder
			for b.Len() < 2048+r.IntN(3072) {
				b.WriteString(benchVocabulary[r.IntN(len(benchVocabulary))])
				fmt.Fprintf(&b, " ref%d ", r.IntN(50000))
			}
			from := model.IdentityURI(fmt.Sprintf("email:sender%d@example.org", i%400))
			writes = append(writes, withBody(msg("acct", model.Email, fmt.Sprint("INBOX/1/", i), from, fmt.Sprint("Sender ", i%400), meMail, t0.Add(time.Duration(i)*time.Minute)), b.String(), false))
		}
		if err := e.Ingest(ctx, writes); err != nil {
			t.Fatal(err)
		}
	}
	queries := []string{"workshop", "garden invoice", "fing", "re", "ref123", "absentword"}
	var times []time.Duration
	for range 5 {
		for _, q := range queries {
			started := time.Now()
			page, _, _, err := e.FilteredPage(ctx, discussions.Filter{Text: q}, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(started))
			if found := len(page) > 0; found != (q != "absentword") {
				t.Fatalf("search %q: %d discussions", q, len(page))
			}
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	var sum time.Duration
	for _, d := range times {
		sum += d
	}
	mean := sum / time.Duration(len(times))
	t.Logf("search among %d messages: mean %v, median %v, max %v", n, mean, times[len(times)/2], times[len(times)-1])
	// The index alone, without listing the page (grading and naming 50 discussions).
	started := time.Now()
	for _, q := range queries {
		e.search.Find(q)
	}
	find := time.Since(started) / time.Duration(len(queries))
	t.Logf("the index alone: mean %v per query", find)
	started = time.Now()
	e2 := startEngine(t, db)
	load := time.Since(started)
	if e2.search.Len() != n {
		t.Fatalf("%d messages indexed after the load", e2.search.Len())
	}
	t.Logf("load with the search index: %v", load)
	if os.Getenv("CALIOPEN_BENCH") != "" {
		fmt.Printf("BENCH search_10k_us %d us\n", mean.Microseconds())
		fmt.Printf("BENCH search_10k_find_us %d us\n", find.Microseconds())
		fmt.Printf("BENCH search_10k_load_ms %d ms\n", load.Milliseconds())
	}

}
