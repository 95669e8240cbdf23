package store

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unicode/utf16"
)

func utf16Compare(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func randString(r *rand.Rand) string {
	alphabet := []rune{0, 1, 'a', 'b', 'é', '中', 0xe000, 0xfffd, 0x1f600, 0x1d11e, 0x10000}
	n := r.IntN(5)
	s := make([]rune, n)
	for i := range s {
		s[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(s)
}

func TestCompareIsUTF16Order(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		a, b := randString(r), randString(r)
		if got, want := Compare(a, b), utf16Compare(a, b); got != want {
			t.Fatalf("Compare(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}

func TestTupleOrderAndRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 50000; i++ {
		a := []string{randString(r), randString(r)}
		b := []string{randString(r), randString(r)}
		want := slices.CompareFunc(a, b, utf16Compare)
		if got := Compare(Tuple(a...), Tuple(b...)); got != want {
			t.Fatalf("Tuple order %q vs %q = %d, want %d", a, b, got, want)
		}
		if got := SplitTuple(Tuple(a...)); !slices.Equal(got, a) {
			t.Fatalf("SplitTuple(Tuple(%q)) = %q", a, got)
		}
	}
}

func TestSeqKey(t *testing.T) {
	if SeqKey(9) >= SeqKey(10) || SeqKey(1<<63) >= SeqKey(1<<64-1) || len(SeqKey(0)) != 20 {
		t.Fatal("SeqKey does not order")
	}
}
