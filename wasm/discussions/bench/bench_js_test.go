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
	d := RunGroupingBenchmark(100_000)
	fmt.Printf("BENCH grouping_100k_wasm_ms %d ms\n", d.Milliseconds())
}
