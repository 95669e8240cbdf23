//go:build js && wasm

package bench

import (
	"fmt"
	"os"
	"testing"
)

// TestBenchGrouping100k runs the grouping benchmark in the browser (CALIOPEN_BENCH=1).
func TestBenchGrouping100k(t *testing.T) {
	if os.Getenv("CALIOPEN_BENCH") != "1" {
		t.Skip("set CALIOPEN_BENCH=1")
	}
	d := BestOf(3, 100_000)
	fmt.Printf("BENCH grouping_100k_wasm_ms %d ms\n", d.Milliseconds())
}

// TestBenchGroupingPhases prints where the browser time goes (CALIOPEN_BENCH=1).
func TestBenchGroupingPhases(t *testing.T) {
	if os.Getenv("CALIOPEN_BENCH") != "1" {
		t.Skip("set CALIOPEN_BENCH=1")
	}
	ph := RunGroupingPhases(100_000)
	fmt.Printf("BENCH grouping_100k_wasm_contacts_ms %d ms\n", ph.Contacts.Milliseconds())
	fmt.Printf("BENCH grouping_100k_wasm_index_ms %d ms\n", ph.Index.Milliseconds())
	fmt.Printf("BENCH grouping_100k_wasm_topics_ms %d ms\n", ph.Topics.Milliseconds())
}
