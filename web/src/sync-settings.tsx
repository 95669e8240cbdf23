import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { SyncSecret, SyncView } from "./gen/api";
import { useLive } from "./live";
import { useAction } from "./use-action";

const STATES: Record<string, string> = {
  off: "Off",
  waiting: "Waiting (vault locked, no relay, or another tab syncs)",
  offline: "Offline — changes wait and go out on reconnect",
  connecting: "Connecting…",
  connected: "Connected",
};

/** SyncSettings pairs this device with the person's other devices through the relay. */
export function SyncSettings({ core }: { core: CoreClient }) {
  const vault = useLive(core, "vault.status", {});
  const view = useLive(core, "sync.status", {});
  const [secret, setSecret] = useState<SyncSecret | null>(null);
  if (!vault?.unlocked || !vault.relayUrl || !view) return null;
  return (
    <details class="card" data-testid="sync-settings" data-state={view.state} open={!!secret}>
      <summary>Sync with your other devices</summary>
      {secret && <ShowSecret secret={secret} onDone={() => setSecret(null)} />}
      {view.enabled ? <Status view={view} /> : <Pair core={core} onCreated={setSecret} />}
    </details>
  );
}

function Status({ view }: { view: SyncView }) {
  return (
    <dl class="facts" role="status">
      <dt>State</dt>
      <dd data-testid="sync-state">{STATES[view.state] ?? view.state}</dd>
      <dt>Waiting to send</dt>
      <dd data-testid="sync-pending">{view.pending === 0 ? "nothing" : `${view.pending} change${view.pending === 1 ? "" : "s"}`}</dd>
      {view.lastError && (
        <>
          <dt>Last error</dt>
          <dd class="error">{view.lastError}</dd>
        </>
      )}
    </dl>
  );
}

function ShowSecret({ secret, onDone }: { secret: SyncSecret; onDone: () => void }) {
  return (
    <div data-testid="sync-secret">
      <p>
        Write these 24 words down and keep them safe: they open your synced data on a new device, and they are shown only now.
      </p>
      <ol class="phrase" data-testid="sync-phrase">
        {secret.phrase.split(" ").map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ol>
      <p class="muted">
        Or paste this pairing code on the other device: <code data-testid="sync-code">{secret.pairingCode}</code>
      </p>
      <button class="primary" onClick={onDone}>
        I wrote it down
      </button>
    </div>
  );
}

function Pair({ core, onCreated }: { core: CoreClient; onCreated: (s: SyncSecret) => void }) {
  const [phrase, setPhrase] = useState("");
  const [error, busy, run] = useAction();
  return (
    <div>
      <p class="muted">
        Your contact merges, settings and other decisions follow you to your other devices, encrypted here: the relay only stores
        what it cannot read.
      </p>
      <button class="primary" disabled={busy} data-testid="sync-create" onClick={() => void run(async () => onCreated(await core.call("sync.create", {})))}>
        Start syncing from this device
      </button>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(() => core.call("sync.join", { secret: phrase }));
        }}
      >
        <label>
          Already syncing another device? Enter its recovery phrase or pairing code
          <textarea data-testid="sync-join-secret" value={phrase} onInput={(e) => setPhrase(e.currentTarget.value)} rows={3} required />
        </label>
        <button disabled={busy} data-testid="sync-join">
          Join
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
