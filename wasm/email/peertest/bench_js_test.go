//go:build js && wasm

package peertest

import (
	"context"
	"fmt"
	"syscall/js"
	"testing"
	"time"

	"caliopen/shared/testkit"
	"caliopen/wasm/email"
	"caliopen/wasm/email/emailtest"
	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
)

// TestBenchFirstSyncBrowser is the browser side of TestBenchFirstSync10k: the first sync of
// the Dovecot mailbox through the relay, TLS ending in WebAssembly, into IndexedDB. It prints
// a timing line per run (firstSyncLine) for the native test to read.
func TestBenchFirstSyncBrowser(t *testing.T) {
	var env benchEnv
	testkit.BrowserEnv(t, benchEnvVar, &env)
	acct := &email.Account{ID: "bench-" + env.User,
		Settings: email.Settings{Address: env.User + "@example.test", Username: env.User,
			IMAP: email.Server{Host: env.Host, Port: env.Port, Security: email.ImplicitTLS}},
		Password:  env.Password,
		Transport: emailtest.TunnelTransport(env.RelayURL, env.Token, []byte(env.CAPEM)),
	}
	ctx := context.Background()
	var kept string // the last run's database, for the plain JavaScript writes
	for i := 0; i < env.Runs; i++ {
		name := fmt.Sprintf("bench-first-sync-%d-%d", time.Now().UnixNano(), i)
		db, err := store.OpenIndexedDB(ctx, name, repo.Schema())
		if err != nil {
			t.Fatal(err)
		}
		all, first := firstSync(t, acct, db, env.Messages)
		db.Close()
		if kept != "" {
			if err := store.DeleteIndexedDB(ctx, kept); err != nil {
				t.Fatal(err)
			}
		}
		kept = name
		fmt.Printf(firstSyncLine+"\n", all.Milliseconds(), first.Milliseconds())
	}
	defer store.DeleteIndexedDB(ctx, kept)
	// The same sync storing nothing: all of the client's work but IndexedDB's.
	for i := 0; i < env.Runs; i++ {
		db := newDiscardingDB(t)
		all, _ := firstSync(t, acct, db, env.Messages)
		db.Close()
		fmt.Printf(noStoreLine+"\n", all.Milliseconds())
	}
	// What IndexedDB alone takes to store what the sync stored, written by plain JavaScript
	// with nothing else to do: as the store keeps it (a record in messages and one in bodies
	// per message) and, for comparison, with each body inside its message's record.
	for i := 0; i < env.Runs; i++ {
		var ms [2]int
		for j, oneRecord := range []bool{false, true} {
			name := fmt.Sprintf("bench-idb-only-%d-%d", time.Now().UnixNano(), j)
			db, err := store.OpenIndexedDB(ctx, name, repo.Schema())
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			ms[j] = writeAgainInJS(t, kept, name, 200, oneRecord)
			if err := store.DeleteIndexedDB(ctx, name); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Printf(idbOnlyLine+"\n", ms[0], ms[1])
	}
}

// writeAgainJS reads every record of the messages and bodies stores of database src, then
// writes them into dst (same schema) in transactions of batch messages, each committed before
// the next starts, and calls back with the time the writes took (in ms) or an error.
const writeAgainJS = `(async function(src, dst, batch, oneRecord, cb) {
  try {
    const open = (name) => new Promise((ok, fail) => {
      const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
    });
    const s = await open(src);
    const all = (store) => new Promise((ok, fail) => {
      const r = s.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error);
    });
    const msgs = await all("messages"), bodies = new Map((await all("bodies")).map((b) => [b.k, b]));
    s.close();
    const d = await open(dst), t0 = performance.now();
    for (let i = 0; i < msgs.length; i += batch) {
      await new Promise((ok, fail) => {
        const tx = d.transaction(["messages", "bodies"], "readwrite");
        const ms = tx.objectStore("messages"), bs = tx.objectStore("bodies");
        for (const m of msgs.slice(i, i + batch)) {
          const b = bodies.get(m.k);
          if (oneRecord) {
            ms.put(b ? Object.assign({}, m, {body: b.v}) : m);
          } else {
            ms.put(m);
            if (b) bs.put(b);
          }
        }
        tx.oncomplete = ok; tx.onabort = () => fail(tx.error);
      });
    }
    const took = performance.now() - t0;
    d.close();
    cb(took, msgs.length + " messages, " + bodies.size + " bodies");
  } catch (e) {
    cb(-1, String(e));
  }
})`

// writeAgainInJS runs writeAgainJS and returns its time in ms.
func writeAgainInJS(t *testing.T, src, dst string, batch int, oneRecord bool) int {
	type result struct {
		ms   float64
		what string
	}
	done := make(chan result, 1)
	cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{args[0].Float(), args[1].String()}
		return nil
	})
	defer cb.Release()
	js.Global().Call("eval", writeAgainJS).Invoke(src, dst, batch, oneRecord, cb)
	r := <-done
	if r.ms < 0 {
		t.Fatalf("plain JavaScript writes: %s", r.what)
	}
	t.Logf("plain JavaScript wrote %s again in %.0f ms (one record per message: %v)", r.what, r.ms, oneRecord)
	return int(r.ms)
}
