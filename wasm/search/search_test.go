package search

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokensFoldCaseAndAccentsAndSkipQuotes(t *testing.T) {
	got := Tokens("Réunion d'ÉTÉ à 14h, salle 4821\n> quoted words stay out\nCafé café CAFÉ", "Bubble-tea 🧋 x")
	want := []string{"reunion", "ete", "14h", "salle", "4821", "cafe", "bubble", "tea"}
	if !slices.Equal(got, want) {
		t.Fatalf("Tokens = %q, want %q", got, want)
	}
	if got := QueryWords("  Été  a CAFÉS "); !slices.Equal(got, []string{"ete", "cafes"}) {
		t.Fatalf("QueryWords = %q", got)
	}
	long := strings.Repeat("abc", 30)
	if got := Tokens(long); len(got) != 1 || utf8.RuneCountInString(got[0]) != MaxRunes {
		t.Fatalf("a long word is cut to %d runes: %q", MaxRunes, got)
	}
	var many strings.Builder
	for i := range MaxTokens + 50 {
		fmt.Fprintf(&many, "w%d ", i)
	}
	if got := Tokens(many.String()); len(got) != MaxTokens {
		t.Fatalf("%d tokens kept, want %d", len(got), MaxTokens)
	}
}

func TestIndexFindsEveryWordByPrefix(t *testing.T) {
	ix := NewIndex()
	ix.Set("a", Tokens("The workshop is at 14 rue des Lilas, 3rd floor"))
	ix.Set("b", Tokens("Meeting notes: the workshop moved"))
	ix.Set("c", Tokens("Été en montagne"))
	check := func(query string, want ...string) {
		t.Helper()
		got := ix.Find(query)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("Find(%q) = %q, want %q", query, got, want)
		}
	}
	check("workshop", "a", "b")
	check("work lilas", "a")
	check("WORKSHOP meet", "b")
	check("ete", "c")
	check("montagne été", "c")
	check("nothing")
	check("a") // too short to search
	// A message indexed again loses its old words; a removed one is gone, its slot reused.
	ix.Set("b", Tokens("Lunch on Thursday"))
	check("meeting")
	check("thurs", "b")
	ix.Remove("a")
	check("workshop")
	if ix.Has("a") || ix.Len() != 2 {
		t.Fatalf("after Remove: Has(a)=%v Len=%d", ix.Has("a"), ix.Len())
	}
	ix.Set("d", Tokens("lilas again"))
	check("lilas", "d")
}

// TestIndexMatchesBruteForce compares Find with a scan of every message's tokens, on random
// texts, adds, replacements and removals.
func TestIndexMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	vocab := strings.Fields("apple apricot banana band bandit cafe café car cart carton dog dot été ete zebra zero zeta 42 4821")
	ix := NewIndex()
	docs := map[string][]string{}
	for step := range 3000 {
		id := fmt.Sprint("m", r.IntN(200))
		switch r.IntN(5) {
		case 0:
			ix.Remove(id)
			delete(docs, id)
		default:
			var words []string
			for range 1 + r.IntN(8) {
				words = append(words, vocab[r.IntN(len(vocab))])
			}
			toks := Tokens(strings.Join(words, " "))
			ix.Set(id, toks)
			docs[id] = toks
		}
		if step%50 != 0 {
			continue
		}
		prefix := func(n int) string { w := []rune(vocab[r.IntN(len(vocab))]); return string(w[:min(n, len(w))]) }
		query := prefix(1+r.IntN(3)) + " " + prefix(2)
		var want []string
		for id, toks := range docs {
			all := len(QueryWords(query)) > 0
			for _, q := range QueryWords(query) {
				all = all && slices.ContainsFunc(toks, func(tok string) bool { return strings.HasPrefix(tok, q) })
			}
			if all {
				want = append(want, id)
			}
		}
		got := ix.Find(query)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: Find(%q) = %q, want %q", step, query, got, want)
		}
	}
}

func TestHighlight(t *testing.T) {
	text := "Hi Alex,\n\n> the old workshop text\nThe WORKSHOP is at 14 rue des Lilas, 3rd floor. Ring twice; the workshop starts at 2."
	parts := Highlight(text, "workshop lilas", 60)
	var b strings.Builder
	var hits []string
	for _, p := range parts {
		b.WriteString(p.Text)
		if p.Hit {
			hits = append(hits, p.Text)
		}
	}
	if !slices.Equal(hits, []string{"WORKSHOP", "Lilas"}) {
		t.Fatalf("hits %q in %q", hits, b.String())
	}
	if !strings.HasPrefix(b.String(), "The WORKSHOP is at") || !strings.HasSuffix(b.String(), "…") || utf8.RuneCountInString(b.String()) > 61 {
		t.Fatalf("passage %q", b.String())
	}
	far := strings.Repeat("filler words here ", 20) + "the café opens"
	parts = Highlight(far, "cafe", 40)
	if parts[0].Text[:len("…")] != "…" || !slices.ContainsFunc(parts, func(p Part) bool { return p.Hit && p.Text == "café" }) {
		t.Fatalf("far match: %+v", parts)
	}
	if Highlight(text, "absent", 60) != nil || Highlight(text, "x", 60) != nil {
		t.Fatal("a passage without a match")
	}
}

// FuzzTokens: any text, however broken its UTF-8, gives short valid tokens and passages
// made of the text's own pieces.
func FuzzTokens(f *testing.F) {
	f.Add("Réunion d'été > quoted\n\xff\xfe bad bytes", "ete")
	f.Add(strings.Repeat("é", 100), "é")
	f.Add("a\u0301\u0301b c\u200dd", "ab")
	f.Fuzz(func(t *testing.T, text, query string) {
		toks := Tokens(text)
		if len(toks) > MaxTokens {
			t.Fatalf("%d tokens", len(toks))
		}
		for _, tok := range toks {
			n := utf8.RuneCountInString(tok)
			if n < MinRunes || n > MaxRunes {
				t.Fatalf("token %q of %d runes", tok, n)
			}
		}
		ix := NewIndex()
		ix.Set("m", toks)
		ix.Find(query)
		for _, p := range Highlight(text, query, 80) {
			if p.Text != "…" && !strings.Contains(strings.Join(strings.Fields(text), " "), p.Text) {
				t.Fatalf("part %q is not from the text", p.Text)
			}
		}
	})
}
