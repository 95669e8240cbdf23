// The core's dedicated Web Worker: it loads Go's wasm_exec.js and instantiates the core
// (wasm/cmd/core), which then owns this worker's message port. Messages that arrive while the
// core is starting wait in __caliopenInbox; the core reads them first.

/// <reference lib="webworker" />
export {};
declare const self: DedicatedWorkerGlobalScope & {
  __caliopenInbox?: string[];
  Go: new () => { importObject: WebAssembly.Imports; run(instance: WebAssembly.Instance): Promise<void> };
};

// Go's fetch transport (net/http on js/wasm) cancels a response body's reader on Close and
// leaves the promise unhandled; when the connection had already failed (the server went away
// under a Mastodon stream), that promise rejects with "network error" and surfaces as an
// uncaught error. Nothing waits for it: it is caught here.
const cancelReader = ReadableStreamDefaultReader.prototype.cancel;
ReadableStreamDefaultReader.prototype.cancel = function (this: ReadableStreamDefaultReader, reason?: unknown) {
  const done = cancelReader.call(this, reason);
  done.catch(() => undefined);
  return done;
};

const inbox: string[] = [];
self.__caliopenInbox = inbox;
self.onmessage = (e: MessageEvent) => {
  inbox.push(e.data);
};

/** fail tells the page the core is gone: a code for the page's words, an English message. */
function fail(code: string, message: string, detail?: string): void {
  self.postMessage(JSON.stringify({ event: "core.failed", data: { code, message, params: detail ? { detail } : undefined } }));
}

async function boot(): Promise<void> {
  importScripts(WASM_EXEC_URL);
  const go = new self.Go();
  let instance: WebAssembly.Instance;
  try {
    const result = await WebAssembly.instantiateStreaming(fetch(CORE_WASM_URL), go.importObject);
    instance = result.instance;
  } catch (err) {
    fail("core_load_failed", `The core could not be loaded: ${String(err)}`, String(err));
    return;
  }
  go.run(instance).then(
    () => fail("core_stopped", "The core stopped."),
    (err: unknown) => fail("core_crashed", `The core crashed: ${String(err)}`, String(err)),
  );
}

boot().catch((err: unknown) => fail("core_load_failed", `The core could not be loaded: ${String(err)}`, String(err)));
