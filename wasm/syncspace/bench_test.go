package syncspace

import (
	"context"
	"fmt"
	"testing"
)

// benchOps are 10,000 operations of the shapes syncbench writes, those of the app
// (wasm/app/sync*.go): a direct message's read mark (a field of the entry named by account
// and X event id) and a contact decision (an element of the contact set, a contacts.Op in
// JSON).
func benchOps() []Op {
	ops := make([]Op, 0, 10000)
	for i := range 10000 {
		op := Op{Kind: Add, Coll: "contact.ops", Key: "user", Elem: fmt.Sprintf(
			`{"id":"op-%012d","kind":"merge","identities":["email:person%d@example.org","mastodon:person%d@mamot.fr"],"at":"2026-12-07T10:00:00Z"}`, i, i, i)}
		if i%2 == 0 {
			op, _ = SetOp("message.state", fmt.Sprintf("a5f0c2e9d1b7a3c4 1867%015d", i), "seen", true)
		}
		ops = append(ops, op)
	}
	return ops
}

// BenchmarkClientPath is the client's own work for 10,000 operations from device A to device
// B, without the network: A writes them (100 per write) and seals batches of the pusher's
// size; B opens each batch and applies it as a delivered batch; A takes each back as the
// relay's Own (standing for the ack: it saves the ack and applies its own batch).
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
		pushA := &pusher{c: devA}
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
			items := devA.queue.next(devA.cfg.BatchBytes, false, nil)
			devA.mu.Unlock()
			if len(items) == 0 {
				break
			}
			batch = batch[:0]
			for _, it := range items {
				batch = append(batch, it.Op)
			}
			sealed, err := key.Seal(batch)
			if err != nil {
				b.Fatal(err)
			}
			ob := &outbound{id: [16]byte{byte(seq), byte(seq >> 8), 1}, sealed: sealed, items: items}
			devA.outbound = append(devA.outbound, ob)
			seq++
			if err := devB.receive(ctx, seq, sealed, nil); err != nil {
				b.Fatal(err)
			}
			if err := devA.receiveOwn(ctx, pushA, seq, ob.id); err != nil {
				b.Fatal(err)
			}
		}
		if devA.Status().Pending != 0 || len(devA.queue.items) > 64 {
			b.Fatalf("device A still holds %d operations", len(devA.queue.items))
		}
	}
}
