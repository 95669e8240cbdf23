// Command groupingbench prints the native grouping benchmarks as BENCH lines. Given the
// WebAssembly time (from TestBenchGrouping100k in a browser), it prints the ratio too.
package main

import (
	"flag"
	"fmt"

	"caliopen/wasm/discussions/bench"
)

func main() {
	n := flag.Int("n", 100_000, "messages to group")
	runs := flag.Int("runs", 3, "grouping runs; the fastest is reported")
	wasmMS := flag.Float64("wasm-ms", 0, "grouping_100k_wasm_ms measured in the browser")
	addOne := flag.Bool("add-one", true, "also measure the add-one cost ratio")
	sequential := flag.Bool("sequential", false, "measure the two sizes one after the other instead of in turn")
	flag.Parse()

	d := bench.BestOf(*runs, *n)
	ms := float64(d.Microseconds()) / 1000
	fmt.Printf("BENCH grouping_100k_native_ms %.0f ms\n", ms)
	if *wasmMS > 0 {
		fmt.Printf("BENCH grouping_100k_wasm_vs_native_ratio %.2f x\n", *wasmMS/ms)
	}
	ph := bench.RunGroupingPhases(*n)
	fmt.Printf("BENCH grouping_100k_native_contacts_ms %d ms\n", ph.Contacts.Milliseconds())
	fmt.Printf("BENCH grouping_100k_native_index_ms %d ms\n", ph.Index.Milliseconds())
	fmt.Printf("BENCH grouping_100k_native_topics_ms %d ms\n", ph.Topics.Milliseconds())
	fmt.Printf("BENCH grouping_100k_discussions %d count\n", ph.Discussions)
	fmt.Printf("BENCH grouping_100k_topics %d count\n", ph.TopicCount)
	if *addOne {
		costs := bench.AddOneCosts(5001, 1_000, 100_000)
		small, big := costs[0], costs[1]
		if *sequential {
			small, big = bench.AddOneCosts(5001, 1_000)[0], bench.AddOneCosts(5001, 100_000)[0]
		}
		fmt.Printf("BENCH grouping_add_one_1k_ns %d ns\n", small.Nanoseconds())
		fmt.Printf("BENCH grouping_add_one_100k_ns %d ns\n", big.Nanoseconds())
		fmt.Printf("BENCH grouping_add_one_100k_vs_1k_ratio %.2f x\n", float64(big)/float64(small))
		fmt.Printf("BENCH grouping_merge_rekey_100k_us %.1f us\n", float64(bench.MergeCost(100_000, 201).Nanoseconds())/1000)
	}
}
