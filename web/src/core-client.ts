// CoreClient is the UI's only way to the core: it starts the worker and speaks the typed API
// generated from wasm/api (gen/api.ts): calls, live queries and events.

import type { ApiError, Events, Methods, Queries } from "./gen/api";

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** CoreError is a failure the core reported, with its stable code. */
export class CoreError extends Error {
  constructor(
    public code: string,
    message: string,
    /** Named values the message mentions, for translations of it. */
    public params?: Record<string, string>,
  ) {
    super(message);
    this.name = "CoreError";
  }
}

export class CoreClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private subs = new Map<number, (data: unknown) => void>();
  private listeners = new Map<string, Set<(data: unknown) => void>>();
  /** Milliseconds from starting the worker to the core's ready event. */
  readyMs: number | undefined;
  readonly ready: Promise<Events["core.ready"]>;

  constructor(workerURL: string) {
    const started = performance.now();
    this.worker = new Worker(workerURL, { name: "caliopen-core" });
    this.ready = new Promise((resolve, reject) => {
      this.on("core.ready", (info) => {
        this.readyMs = performance.now() - started;
        resolve(info);
      });
      this.onAny("core.failed", (data) => {
        const d = data as { code?: string; message: string; params?: Record<string, string> };
        reject(new CoreError(d.code ?? "core_failed", d.message, d.params));
      });
    });
    this.worker.onmessage = (e: MessageEvent<string>) => this.receive(e.data);
    this.worker.onerror = (e: ErrorEvent) =>
      this.emit("core.failed", { code: "worker_failed", message: e.message || "the core's worker failed", params: { detail: e.message } });
  }

  /** call sends a request and resolves with its typed result. */
  call<M extends keyof Methods>(method: M, params: Methods[M]["params"]): Promise<Methods[M]["result"]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage(JSON.stringify({ id, method, params }));
    });
  }

  /** subscribe starts a live query; onData receives each result. Returns the stop function. */
  async subscribe<Q extends keyof Queries>(
    query: Q,
    args: Queries[Q]["args"],
    onData: (result: Queries[Q]["result"] | { error: ApiError }) => void,
  ): Promise<() => void> {
    const { sub } = await this.call("subscribe", { query, args });
    this.subs.set(sub, onData as (d: unknown) => void);
    return () => {
      this.subs.delete(sub);
      void this.call("unsubscribe", { sub }).catch(() => undefined);
    };
  }

  /** on listens to a core event. Returns the stop function. */
  on<E extends keyof Events>(event: E, fn: (data: Events[E]) => void): () => void {
    return this.onAny(event, fn as (d: unknown) => void);
  }

  private onAny(event: string, fn: (data: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  }

  private emit(event: string, data: unknown): void {
    this.listeners.get(event)?.forEach((fn) => fn(data));
  }

  private receive(raw: string): void {
    let msg: { id?: number; result?: unknown; error?: ApiError; event?: string; sub?: number; data?: unknown };
    try {
      msg = JSON.parse(raw);
    } catch {
      console.error("core sent an unreadable message");
      return;
    }
    if (msg.event) {
      this.emit(msg.event, msg.data);
    } else if (msg.sub) {
      // The core pushes a query's first result after answering "subscribe"; the answer's
      // continuation (a microtask) registers the handler before the next message event.
      this.subs.get(msg.sub)?.(msg.data);
    } else if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new CoreError(msg.error.code, msg.error.message, msg.error.params));
      else p.resolve(msg.result);
    }
  }
}
