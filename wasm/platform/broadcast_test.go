package platform

import (
	"testing"
	"time"
)

// testBroadcastContract: what one end publishes, the other hears; nobody hears itself.
func testBroadcastContract(t *testing.T, a, b Broadcaster) {
	t.Helper()
	gotA, gotB := make(chan string, 10), make(chan string, 10)
	a.Listen(func(s string) { gotA <- s })
	b.Listen(func(s string) { gotB <- s })
	if err := a.Publish("discussions"); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-gotB:
		if s != "discussions" {
			t.Fatalf("heard %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the other end heard nothing")
	}
	select {
	case s := <-gotA:
		t.Fatalf("the publisher heard itself: %q", s)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestHubContract(t *testing.T) {
	h := NewHub()
	a, b := h.Join(), h.Join()
	defer a.Close()
	defer b.Close()
	testBroadcastContract(t, a, b)
}
