import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { CoreInfoResult, CoreStatus } from "./gen/api";
import { DiscussionList } from "./discussions";
import { DiscussionView } from "./discussion";
import { KeysPanel } from "./keys";
import { useLive } from "./live";
import { Setup } from "./setup";
import { SyncSettings } from "./sync-settings";

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
  | { kind: "ready"; info: CoreInfoResult; readyMs: number; measured?: boolean }
  | { kind: "failed"; message: string };

export function App({ core }: { core: CoreClient }) {
  const [state, setState] = useState<State>({ kind: "starting" });
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    // Show the app as soon as the core is up; the storage measures (core.info) follow.
    core.ready
      .then((info) => {
        setState({ kind: "ready", info, readyMs: core.readyMs ?? 0 });
        return core.call("core.info", {});
      })
      .then((info) => setState({ kind: "ready", info, readyMs: core.readyMs ?? 0, measured: true }))
      .catch((err: Error) => setState({ kind: "failed", message: err.message }));
  }, [core]);
  const status = useLive(core, "core.status", {}, state.kind === "ready");

  return (
    <div class="shell">
      <header class="topbar">
        <img src={ICON} alt="" width={32} height={32} />
        <h1>Caliopen</h1>
        {status && <StatusChips status={status} />}
      </header>
      {state.kind === "failed" && (
        <p class="card error" role="alert">
          The app could not start: {state.message}
        </p>
      )}
      {state.kind === "ready" && <Setup core={core} />}
      {state.kind === "ready" && <SyncSettings core={core} />}
      {state.kind === "ready" && <UserPrivacy core={core} />}
      {state.kind === "ready" && <KeysPanel core={core} />}
      {state.kind === "ready" && (
        <main class={open ? "panes detail-open" : "panes"}>
          <section class="list-pane" aria-label="Discussions">
            <DiscussionList core={core} selected={open} onOpen={setOpen} />
          </section>
          <section class="detail-pane" aria-label="Discussion">
            {open ? <DiscussionView core={core} discussionKey={open} onClose={() => setOpen(null)} /> : <p class="muted">Choose a discussion.</p>}
          </section>
        </main>
      )}
      <details class="card about" data-testid="core-status" data-state={state.kind}>
        <summary>About this app</summary>
        {state.kind === "starting" && <p>Starting the core…</p>}
        {state.kind === "ready" && <CoreInfo info={state.info} readyMs={state.readyMs} measured={!!state.measured} />}
      </details>
    </div>
  );
}

const ICON = ICON_URL;

function StatusChips({ status }: { status: CoreStatus }) {
  return (
    <div class="chips" role="status">
      <span class="chip" data-testid="role" data-leader={String(status.leader)}>
        {status.leader ? "This tab syncs" : "Synced by another tab"}
      </span>
      {!status.indexReady && <span class="chip">Loading your messages…</span>}
      {status.error && <span class="chip error">{status.error}</span>}
      {!status.storage.available && <span class="chip error">Nothing is kept on this device: {status.storage.error}</span>}
    </div>
  );
}

function CoreInfo({ info, readyMs, measured }: { info: CoreInfoResult; readyMs: number; measured: boolean }) {
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
      <dd data-testid="core-storage" data-available={String(st.available)} data-measured={String(measured)}>
        {!measured
          ? "measuring…"
          : st.available
          ? `${st.backend}, ${st.persistent ? "kept persistently" : "may be cleared by the browser"} — ${formatBytes(st.usageBytes)} used of ${formatBytes(st.quotaBytes)}`
          : `unavailable: ${st.error ?? "unknown reason"}`}
      </dd>
    </dl>
  );
}

/** UserPrivacy shows the user's own index and the actions that would raise it most. */
function UserPrivacy({ core }: { core: CoreClient }) {
  const report = useLive(core, "privacy.user", {});
  if (!report) return null;
  return (
    <details class="card user-privacy" data-testid="user-privacy" data-grade={report.index.grade}>
      <summary>
        <span class={`grade grade-${report.index.grade}`}>{report.index.grade}</span> Your privacy: {report.index.score}/100
        {report.actions.length > 0 && ` — ${report.actions[0].advice.text}`}
      </summary>
      <ol class="actions">
        {report.actions.map((a) => (
          <li key={a.advice.code + a.advice.text}>
            {a.advice.text} <span class="muted">(+{Math.round(a.gain)})</span>
          </li>
        ))}
      </ol>
    </details>
  );
}
