import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { SyncSecret, SyncView } from "./gen/api";
import { useI18n } from "./i18n";
import { useLive } from "./live";
import { forgetFragmentValue, fragmentValue } from "./fragment";
import { QR } from "./qr";
import { useAction } from "./use-action";

/** SyncSettings pairs this device with the person's other devices through the relay. */
export function SyncSettings({ core }: { core: CoreClient }) {
  const vault = useLive(core, "vault.status", {});
  const view = useLive(core, "sync.status", {});
  const [secret, setSecret] = useState<SyncSecret | null>(null);
  const t = useI18n().t.sync;
  if (!vault?.unlocked || !vault.relayUrl || !view) return null;
  return (
    <details class="card" data-testid="sync-settings" data-state={view.state} open={!!secret || !!fragmentValue("sync-code")}>
      <summary>{t.title}</summary>
      {secret && <ShowSecret secret={secret} onDone={() => setSecret(null)} />}
      {view.enabled ? (
        <>
          <Status view={view} />
          {!secret && <PairAnother core={core} onShown={setSecret} />}
        </>
      ) : (
        <Pair core={core} onCreated={setSecret} />
      )}
    </details>
  );
}

function Status({ view }: { view: SyncView }) {
  const i18n = useI18n();
  const t = i18n.t.sync;
  return (
    <dl class="facts" role="status">
      <dt>{t.state}</dt>
      <dd data-testid="sync-state">{(t.states as Record<string, string>)[view.state] ?? view.state}</dd>
      <dt>{t.pendingLabel}</dt>
      <dd data-testid="sync-pending">{view.pending === 0 ? t.nothing : t.changes(view.pending, i18n.number(view.pending))}</dd>
      {view.state === "connected" && (
        <>
          <dt>{t.receivedLabel}</dt>
          <dd data-testid="sync-received" data-caught-up={String(view.caughtUp)}>
            {view.caughtUp && !view.behind ? t.upToDate : t.behind(view.behind ?? 0, i18n.number(view.behind ?? 0))}
          </dd>
        </>
      )}
      {view.lastError && (
        <>
          <dt>{t.lastError}</dt>
          <dd class="error">{(t.errors as Record<number, string>)[view.errorCode ?? 0] ?? t.connectionLost(view.lastError)}</dd>
        </>
      )}
      {view.problem && (
        <>
          <dt>{t.problem}</dt>
          <dd class="error" data-testid="sync-problem" data-code={view.problem}>
            {(t.problems as Record<string, (d: string) => string>)[view.problem]?.(view.problemDetail ?? "") ?? view.problemDetail}
          </dd>
        </>
      )}
    </dl>
  );
}

function ShowSecret({ secret, onDone }: { secret: SyncSecret; onDone: () => void }) {
  const t = useI18n().t.sync;
  return (
    <div data-testid="sync-secret">
      <p>{t.phraseTitle}</p>
      <ol class="phrase" data-testid="sync-phrase">
        {secret.phrase.split(" ").map((w, i) => (
          <li key={i}>{w}</li>
        ))}
      </ol>
      <p class="muted">
        {t.orCode} <code data-testid="sync-code">{secret.pairingCode}</code>
      </p>
      <figure class="qr-card">
        <QR text={`${location.origin}/#sync-code=${encodeURIComponent(secret.pairingCode)}`} label={t.qrLabel} />
        <figcaption class="muted">{t.qrHelp}</figcaption>
      </figure>
      <button class="primary" onClick={onDone}>
        {t.wroteIt}
      </button>
    </div>
  );
}

/** PairAnother shows the space's secret again, for one more device, once the passphrase is given. */
function PairAnother({ core, onShown }: { core: CoreClient; onShown: (s: SyncSecret) => void }) {
  const [pass, setPass] = useState("");
  const [error, busy, run] = useAction();
  const t = useI18n().t.sync;
  return (
    <details data-testid="sync-pair-another">
      <summary>{t.pairAnother}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            onShown(await core.call("sync.secret", { passphrase: pass }));
            setPass("");
          });
        }}
      >
        <label>
          {t.pairAnotherWhy}
          <input type="password" autocomplete="current-password" value={pass} onInput={(e) => setPass(e.currentTarget.value)} required />
        </label>
        <button disabled={busy}>{t.show}</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </details>
  );
}

function Pair({ core, onCreated }: { core: CoreClient; onCreated: (s: SyncSecret) => void }) {
  // A pairing code from a scanned QR code (the address's fragment) is filled in.
  const [phrase, setPhrase] = useState(() => fragmentValue("sync-code"));
  const [error, busy, run] = useAction();
  const t = useI18n().t.sync;
  return (
    <div>
      <p class="muted">{t.why}</p>
      <button class="primary" disabled={busy} data-testid="sync-create" onClick={() => void run(async () => onCreated(await core.call("sync.create", {})))}>
        {t.start}
      </button>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await core.call("sync.join", { secret: phrase });
            forgetFragmentValue("sync-code");
          });
        }}
      >
        <label>
          {t.joinLabel}
          <textarea data-testid="sync-join-secret" value={phrase} onInput={(e) => setPhrase(e.currentTarget.value)} rows={3} required />
        </label>
        <button disabled={busy} data-testid="sync-join">
          {t.join}
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
