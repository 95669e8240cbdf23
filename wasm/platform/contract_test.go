package platform

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// These tests run natively and, through wasmbrowsertest, in headless Chromium.

func TestPipeContract(t *testing.T) {
	a, b := Pipe()
	defer a.Close()
	testPortContract(t, a, b)
}

// testPortContract checks that messages cross a pair of ports intact and in order.
func testPortContract(t *testing.T, a, b interface {
	Send([]byte) error
	Recv(context.Context) ([]byte, error)
}) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 0; i < 100; i++ {
		if err := a.Send([]byte(fmt.Sprintf(`{"n":%d,"s":"é☃"}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		got, err := b.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"n":%d,"s":"é☃"}`, i); string(got) != want {
			t.Fatalf("message %d: got %q, want %q", i, got, want)
		}
	}
	if err := b.Send([]byte("back")); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Recv(ctx); err != nil || string(got) != "back" {
		t.Fatalf("reply: %q, %v", got, err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := a.Recv(short); err == nil {
		t.Fatal("Recv on an empty port returned without a message")
	}
}

func TestStorageInfoContract(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info := StorageInfo(ctx)
	if !info.Available || info.Backend == "" {
		t.Fatalf("storage unavailable here: %+v", info)
	}
	if info.QuotaBytes < 0 || info.UsageBytes < 0 || (info.QuotaBytes > 0 && info.UsageBytes > info.QuotaBytes) {
		t.Fatalf("nonsense usage/quota: %+v", info)
	}
}
