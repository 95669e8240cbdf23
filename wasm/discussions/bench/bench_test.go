package bench

import (
	"fmt"
	"os"
	"runtime"
	"testing"

	"caliopen/wasm/discussions"
)

func TestGroupSmall(t *testing.T) {
	mb := NewMailbox(3000, 1)
	ix, topics := Group(mb)
	msgs, discs := ix.Len()
	if msgs != 3000 || discs < 100 || topics == 0 {
		t.Fatalf("messages %d, discussions %d, topics %d", msgs, discs, topics)
	}
}

// TestBenchAddOneRatio prints the add-one cost ratio (CALIOPEN_BENCH=1).
func TestBenchAddOneRatio(t *testing.T) {
	if os.Getenv("CALIOPEN_BENCH") != "1" {
		t.Skip("set CALIOPEN_BENCH=1")
	}
	costs := AddOneCosts(5001, 1_000, 100_000)
	small, big := costs[0], costs[1]
	fmt.Printf("BENCH grouping_add_one_1k_ns %d ns\n", small.Nanoseconds())
	fmt.Printf("BENCH grouping_add_one_100k_ns %d ns\n", big.Nanoseconds())
	fmt.Printf("BENCH grouping_add_one_100k_vs_1k_ratio %.2f x\n", float64(big)/float64(small))
}

func TestMergeCostRuns(t *testing.T) {
	// Browsers coarsen timers, so a fast merge may measure as zero there; it must never be
	// negative, and natively it must be measured.
	d := MergeCost(3000, 5)
	if d < 0 || (runtime.GOOS != "js" && d == 0) {
		t.Fatalf("merge cost %v", d)
	}
}

func BenchmarkGrouping10k(b *testing.B) {
	mb := NewMailbox(10_000, 42)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		mb.Book = NewMailbox(0, 42).Book
		b.StartTimer()
		Group(mb)
	}
}

func benchmarkAddOne(b *testing.B, size int) {
	mb := NewMailbox(size, 7)
	ix, _ := Group(mb)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		m := mb.Next()
		b.StartTimer()
		if _, err := ix.Add(m); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ix.Remove(m.ID)
		b.StartTimer()
	}
}

func BenchmarkAddOne1k(b *testing.B)   { benchmarkAddOne(b, 1_000) }
func BenchmarkAddOne100k(b *testing.B) { benchmarkAddOne(b, 100_000) }

// BenchmarkFirstPage100k pages the first 50 discussions of a 100k-message mailbox kept by a
// tag (on one participant set in 20) beside the unread filter and no filter, in one run:
// the tag filter's cost is read as a ratio to theirs.
func BenchmarkFirstPage100k(b *testing.B) {
	mb := NewMailbox(100_000, 9)
	ix, _ := Group(mb)
	seen := map[discussions.SetKey]bool{}
	for i := range mb.Messages {
		sk := discussions.SetKeyOf(&mb.Messages[i])
		if !seen[sk] {
			seen[sk] = true
			if len(seen)%20 == 0 {
				ix.SetTags(sk, []string{"work"})
			}
		}
	}
	for _, c := range []struct {
		name string
		f    discussions.Filter
	}{{"none", discussions.Filter{}}, {"unread", discussions.Filter{Unread: true}}, {"tag", discussions.Filter{Tag: "work"}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				page, _, _, err := ix.PageWhere(c.f, "", 50)
				if err != nil || len(page) == 0 {
					b.Fatalf("%d, %v", len(page), err)
				}
			}
		})
	}
}
