package app

import (
	"testing"
	"time"
)

// Devices renew X tokens at moments drawn apart, within what leaves the token valid.
func TestXRefreshEarlyIsDrawnPerConnection(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 50 {
		d := xRefreshEarly()
		if d < 5*time.Minute || d >= 25*time.Minute {
			t.Fatalf("renewed %v before expiry", d)
		}
		seen[d] = true
	}
	if len(seen) < 40 {
		t.Fatalf("only %d distinct moments in 50 draws", len(seen))
	}
}
