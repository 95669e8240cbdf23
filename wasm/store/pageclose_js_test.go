//go:build js && wasm

package store_test

import (
	"context"
	"fmt"
	"syscall/js"
	"testing"
	"time"

	"caliopen/wasm/store"
)

// pageScript runs a writer in a same-origin iframe: it opens the database, keeps one read-write
// transaction busy with puts, reports midway, and the parent then removes the iframe, as a user
// closing the tab would.
//
// With close false the writer stops at 300 puts and the page goes once its transaction
// committed: the control.
const pageScript = `(function(name, close, cb) {
  const f = document.createElement("iframe");
  window.addEventListener("message", function onmsg(e) {
    if (!e.data || !e.data.midway) return;
    window.removeEventListener("message", onmsg);
    f.remove();
    setTimeout(() => cb("page removed after " + e.data.midway + " puts"), 300);
  });
  f.srcdoc = "<script>" +
    "const req = indexedDB.open(" + JSON.stringify(name) + ");" +
    "req.onsuccess = () => {" +
    "  const tx = req.result.transaction(['items'], 'readwrite'); const os = tx.objectStore('items'); let n = 0;" +
    "  const next = () => { const r = os.put({k: 'r' + n, v: new Uint8Array(100), i_a: 'x'});" +
    "    r.onsuccess = () => { n++;" +
    "      if (n < 300 || " + close + ") { if (n == 300) parent.postMessage({midway: n}, '*'); next(); }" +
    "      else tx.oncomplete = () => parent.postMessage({midway: n}, '*'); }; };" +
    "  next();" +
    "};" +
    "<\/script>";
  document.body.appendChild(f);
})`

// TestPageClosedMidTransaction closes a page while its transaction is midway: after reopening,
// none of its writes are there.
func TestPageClosedMidTransaction(t *testing.T) {
	for _, c := range []struct {
		close bool
		want  int
	}{{false, 300}, {true, 0}} {
		t.Run(fmt.Sprint("close=", c.close), func(t *testing.T) { pageClose(t, c.close, c.want) })
	}
}

func pageClose(t *testing.T, close bool, want int) {
	ctx := context.Background()
	name := fmt.Sprint("pageclose-", time.Now().UnixNano())
	defer store.DeleteIndexedDB(ctx, name)
	db, err := store.OpenIndexedDB(ctx, name, crashSchema)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	done := make(chan string, 1)
	cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- args[0].String()
		return nil
	})
	defer cb.Release()
	js.Global().Call("eval", pageScript).Invoke(name, close, cb)
	select {
	case msg := <-done:
		t.Log(msg)
	case <-time.After(20 * time.Second):
		t.Fatal("the writer page never reached midway")
	}
	db, err = store.OpenIndexedDB(ctx, name, crashSchema)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(ctx, []string{"items"}, func(tx store.Tx) error {
		n, err := tx.Count("items", store.Query{})
		if err == nil && n != want {
			err = fmt.Errorf("%d records of the writer page's transaction, want %d", n, want)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
