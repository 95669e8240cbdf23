import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { CoreInfoResult } from "./gen/api";

function formatBytes(n?: number): string {
  if (!n) return "0 B";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

type State =
  | { kind: "starting" }
  | { kind: "ready"; info: CoreInfoResult; readyMs: number }
  | { kind: "failed"; message: string };

export function App({ core }: { core: CoreClient }) {
  const [state, setState] = useState<State>({ kind: "starting" });
  useEffect(() => {
    core.ready
      .then(() => core.call("core.info", {}))
      .then((info) => setState({ kind: "ready", info, readyMs: core.readyMs ?? 0 }))
      .catch((err: Error) => setState({ kind: "failed", message: err.message }));
  }, [core]);

  return (
    <main class="shell">
      <header class="topbar">
        <img src={ICON} alt="" width={32} height={32} />
        <h1>Caliopen</h1>
      </header>
      <section class="card" aria-live="polite" data-testid="core-status" data-state={state.kind}>
        {state.kind === "starting" && <p>Starting the core…</p>}
        {state.kind === "failed" && (
          <p class="error" role="alert">
            The app could not start: {state.message}
          </p>
        )}
        {state.kind === "ready" && <CoreInfo info={state.info} readyMs={state.readyMs} />}
      </section>
    </main>
  );
}

const ICON = ICON_URL;

function CoreInfo({ info, readyMs }: { info: CoreInfoResult; readyMs: number }) {
  const st = info.storage;
  return (
    <dl class="facts">
      <dt>Core</dt>
      <dd data-testid="core-version">
        {info.product} {info.version}
      </dd>
      <dt>Build</dt>
      <dd data-testid="core-build">{info.build}</dd>
      <dt>Runtime</dt>
      <dd>
        {info.goVersion} · {info.platform}
      </dd>
      <dt>Started in</dt>
      <dd data-testid="core-ready-ms" data-ms={readyMs.toFixed(1)}>
        {Math.round(readyMs)} ms
      </dd>
      <dt>Storage</dt>
      <dd data-testid="core-storage" data-available={String(st.available)}>
        {st.available
          ? `${st.backend}, ${st.persistent ? "kept persistently" : "may be cleared by the browser"} — ${formatBytes(st.usageBytes)} used of ${formatBytes(st.quotaBytes)}`
          : `unavailable: ${st.error ?? "unknown reason"}`}
      </dd>
    </dl>
  );
}
