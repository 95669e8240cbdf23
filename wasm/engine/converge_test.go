package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"caliopen/wasm/contacts"
	"caliopen/wasm/model"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// userOps returns the user's contact operations (merges, splits) this engine logged after
// seq, and the last sequence number read.
func userOps(t *testing.T, e *Engine, after uint64) ([]contacts.Op, uint64) {
	t.Helper()
	logged, err := e.Repo.Ops(context.Background(), after, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []contacts.Op
	for _, l := range logged {
		after = l.Seq
		var op contacts.Op
		if l.Kind == opContact && json.Unmarshal(l.Data, &op) == nil && (op.Kind == contacts.OpMerge || op.Kind == contacts.OpSplit) {
			out = append(out, op)
		}
	}
	return out, after
}

// state renders what a device shows of its contacts and discussions: the contacts (with
// their identities) and the keys of the stored discussion summaries.
func state(t *testing.T, e *Engine) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	if err := e.lock(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.book.Contacts() {
		fmt.Fprintf(&b, "contact %s %v\n", c.ID, c.Identities)
	}
	e.unlock()
	var keys []string
	after := ""
	for {
		page, next, err := e.DiscussionPage(ctx, after, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range page {
			keys = append(keys, fmt.Sprintf("%s %d", s.Key, s.Count))
		}
		if next == "" {
			break
		}
		after = next
	}
	slices.Sort(keys)
	b.WriteString(strings.Join(keys, "\n"))
	return b.String()
}

// N devices with the same mailbox, each merging and splitting people on what it has seen so
// far and receiving the others' operations late, in random order and duplicated, end with
// the same contacts and the same discussion keys, also after a restart.
func TestDevicesConvergeOnContacts(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 5))
		const n = 3
		var devices []*Engine
		var dbs []store.DB
		for range n {
			db, err := store.OpenMemory(repo.Schema())
			if err != nil {
				t.Fatal(err)
			}
			e := startEngine(t, db)
			if err := e.SeedSynthetic(ctx, 150, 3, 50); err != nil {
				t.Fatal(err)
			}
			devices, dbs = append(devices, e), append(dbs, db)
		}
		// The people the devices will merge and split: correspondents of the mailbox.
		var people []model.IdentityURI
		for _, c := range devices[0].book.Contacts() {
			people = append(people, c.Identities...)
		}
		slices.Sort(people)
		people = people[:min(len(people), 14)]
		cursors := make([]uint64, n)
		for i, e := range devices {
			_, cursors[i] = userOps(t, e, 0)
		}
		var made []contacts.Op
		deliver := func(e *Engine, ops []contacts.Op) {
			var shuffled []contacts.Op
			for _, i := range r.Perm(len(ops)) {
				for range 1 + r.IntN(2) {
					shuffled = append(shuffled, ops[i])
				}
			}
			if later, err := e.ApplyContactOps(ctx, shuffled); err != nil || len(later) > 0 {
				t.Fatalf("seed %d: %d operations did not apply: %v", seed, len(later), err)
			}
		}
		for round := range 30 {
			d := r.IntN(n)
			e := devices[d]
			a, b := people[r.IntN(len(people))], people[r.IntN(len(people))]
			if r.IntN(2) == 0 {
				if a != b {
					if err := e.Link(ctx, []model.IdentityURI{a, b}); err != nil {
						t.Fatalf("seed %d round %d: link: %v", seed, round, err)
					}
				}
			} else if err := e.lock(ctx); err == nil {
				c, _ := e.book.ContactOf(a)
				ct, _ := e.book.Contact(c)
				e.unlock()
				if len(ct.Identities) > 1 {
					if err := e.Split(ctx, c, []model.IdentityURI{a}); err != nil {
						t.Fatalf("seed %d round %d: split: %v", seed, round, err)
					}
				}
			}
			var ops []contacts.Op
			ops, cursors[d] = userOps(t, e, cursors[d])
			made = append(made, ops...)
			if r.IntN(3) == 0 {
				other := r.IntN(n)
				deliver(devices[other], made[r.IntN(len(made)+1):])
				_, cursors[other] = userOps(t, devices[other], cursors[other])
			}
		}
		for _, e := range devices {
			deliver(e, made)
		}
		want := state(t, devices[0])
		for i, e := range devices[1:] {
			if got := state(t, e); got != want {
				t.Fatalf("seed %d: device %d differs from device 0:\n%s\n---\n%s", seed, i+1, got, want)
			}
		}
		// A restart rebuilds the book from the device's own log, in its order: the same.
		restarted := startEngine(t, dbs[n-1])
		if got := state(t, restarted); got != want {
			t.Fatalf("seed %d: after a restart:\n%s\n---\n%s", seed, got, want)
		}
	}
}
