//go:build js && wasm

package platform

import (
	"testing"

	"github.com/hack-pad/safejs"
)

// TestMessagePortContract runs the port contract over a real MessageChannel.
func TestMessagePortContract(t *testing.T) {
	ctor, err := safejs.Global().Get("MessageChannel")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := ctor.New()
	if err != nil {
		t.Fatal(err)
	}
	p1, _ := ch.Get("port1")
	p2, _ := ch.Get("port2")
	a, err := NewMessagePort(p1)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewMessagePort(p2)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	testPortContract(t, a, b)
}

func TestStorageIsIndexedDB(t *testing.T) {
	if info := StorageInfo(t.Context()); info.Backend != "indexeddb" || info.QuotaBytes == 0 {
		t.Fatalf("browser storage: %+v", info)
	}
}

func TestChannelContract(t *testing.T) {
	a, err := OpenChannel("caliopen-test")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenChannel("caliopen-test")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	testBroadcastContract(t, a, b)
}
