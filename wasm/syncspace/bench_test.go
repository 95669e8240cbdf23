package syncspace

import (
	"context"
	"fmt"
	"testing"
)

// benchOps are 10,000 operations of the shape syncbench writes: set elements and read flags.
func benchOps() []Op {
	ops := make([]Op, 0, 10000)
	for i := range 10000 {
		op := Op{Kind: Add, Coll: "contact.links", Key: fmt.Sprintf("c-%06d", i/3), Elem: fmt.Sprintf("email:person%d@example.org", i)}
		if i%2 == 0 {
			op, _ = SetOp("message.flags", fmt.Sprintf("imap:acct-1:INBOX:%d", i), "read", true)
		}
		ops = append(ops, op)
	}
	return ops
}

// BenchmarkClientPath is the client's own work for 10,000 operations from device A to device
// B, without the network: A writes them (100 per write) and seals batches of the pusher's size;
// B opens each batch and applies it as a delivered batch.
func BenchmarkClientPath(b *testing.B) {
	ctx := context.Background()
	key, err := NewKey()
	if err != nil {
		b.Fatal(err)
	}
	src := benchOps()
	b.ReportAllocs()
	for b.Loop() {
		devA, _ := New(ctx, Config{Key: key, Device: "device-a", Transport: WebSocket{}, Store: &MemStore{}})
		devB, _ := New(ctx, Config{Key: key, Device: "device-b", Transport: WebSocket{}, Store: &MemStore{}, OnChange: func([]Change) {}})
		ops := make([]Op, len(src))
		copy(ops, src)
		for i := 0; i < len(ops); i += 100 {
			if err := devA.Write(ctx, ops[i:i+100]...); err != nil {
				b.Fatal(err)
			}
		}
		seq := uint64(0)
		var batch []Op
		for {
			devA.mu.Lock()
			batch = devA.queue.next(devA.cfg.BatchBytes, batch[:0])
			devA.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			sealed, err := key.Seal(batch)
			if err != nil {
				b.Fatal(err)
			}
			seq++
			if err := devB.receive(ctx, seq, sealed); err != nil {
				b.Fatal(err)
			}
		}
	}
}
