//go:build js && wasm

package repo_test

import (
	"encoding/json"
	"fmt"
	"syscall/js"
	"testing"
	"time"

	"caliopen/wasm/store"
	"caliopen/wasm/store/repo"
	"caliopen/wasm/store/storetest"
)

func TestRepoIndexedDB(t *testing.T) { RunRepo(t, storetest.IndexedDB()) }

const benchPlatform = ""

func openBenchDB(t *testing.T) store.DB {
	name := fmt.Sprint("bench-", time.Now().UnixNano())
	db, err := store.OpenIndexedDB(ctx, name, repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		store.DeleteIndexedDB(ctx, name)
	})
	return db
}

// jsBaseline writes the same records as the benchmark (same value sizes, keys and index
// fields, same batches) with plain JavaScript into a database of the same schema: the browser's
// own cost, measured in the same run.
const jsBaseline = `(function(name, sizes, batch, cb) {
  const req = indexedDB.open(name);
  req.onsuccess = () => {
    const db = req.result, n = sizes.length / 2, t0 = performance.now();
    const pad = (i) => String(i).padStart(9, "0");
    const step = (from) => {
      if (from >= n) { db.close(); cb(performance.now() - t0); return; }
      const tx = db.transaction(["messages", "bodies"], "readwrite");
      const ms = tx.objectStore("messages"), bs = tx.objectStore("bodies");
      for (let i = from; i < Math.min(n, from + batch); i++) {
        const id = "acct" + (i % 3) + "|INBOX/1700000000/" + i, d = "2025-01-01T00:00:00." + pad(i) + "Z";
        ms.put({k: id, v: new Uint8Array(sizes[2*i]), i_account_date: "acct" + (i % 3) + "\0\0" + d + "\0\0",
          i_date: d, i_folder: "acct" + (i % 3) + "\0\0INBOX\0\0" + d + "\0\0",
          i_conversation: "acct" + (i % 3) + "\0\0thread-" + (i / 7 | 0) + "\0\0" + d + "\0\0",
          i_message_id: i + ".1234567@mail.example.org\0\0"});
        bs.put({k: id, v: new Uint8Array(sizes[2*i+1])});
      }
      tx.oncomplete = () => step(from + batch);
    };
    step(0);
  };
})`

// baseline runs jsBaseline for the messages and returns its time.
func baseline(t *testing.T, msgs []repo.MessageWrite, batch int) (time.Duration, bool) {
	sizes := make([]int32, 0, 2*len(msgs))
	for _, w := range msgs {
		m, _ := json.Marshal(w.Message)
		b, _ := json.Marshal(w.Body)
		sizes = append(sizes, int32(len(m)), int32(len(b)))
	}
	arr := js.Global().Get("Int32Array").New(len(sizes))
	for i, s := range sizes {
		arr.SetIndex(i, s)
	}
	name := fmt.Sprint("bench-js-", time.Now().UnixNano())
	db, err := store.OpenIndexedDB(ctx, name, repo.Schema())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	defer store.DeleteIndexedDB(ctx, name)
	done := make(chan float64, 1)
	cb := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- args[0].Float()
		return nil
	})
	defer cb.Release()
	js.Global().Call("eval", jsBaseline).Invoke(name, arr, batch, cb)
	ms := <-done
	return time.Duration(ms * float64(time.Millisecond)), true
}
