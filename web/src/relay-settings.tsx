// The relay in the settings: where connections go, and changing its address or access token
// (the token is checked with the relay before it replaces the one sealed in the vault).
import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { useI18n } from "./i18n";
import { useLive } from "./live";
import { useAction } from "./use-action";
import "./accounts.css";

export function RelaySettings({ core }: { core: CoreClient }) {
  const R = useI18n().t.relay;
  const vault = useLive(core, "vault.status", {});
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  // The first relay is chosen at onboarding; this section is for the one in use.
  if (!vault?.unlocked || !vault.relayUrl) return null;
  return (
    <section class="card setup" data-testid="settings-relay" aria-labelledby="relay-title">
      <h2 id="relay-title">{R.title}</h2>
      <p>
        {R.current} <code data-testid="relay-url">{vault.relayUrl}</code>
      </p>
      <p class="muted">{R.tokenKept}</p>
      {saved && !editing && (
        <p role="status" data-testid="relay-saved">
          {R.saved}
        </p>
      )}
      {editing ? (
        <RelayForm
          core={core}
          current={vault.relayUrl}
          onDone={(ok) => {
            setEditing(false);
            setSaved(ok);
          }}
        />
      ) : (
        <button
          type="button"
          class="secondary"
          data-testid="relay-change"
          onClick={() => {
            setSaved(false);
            setEditing(true);
          }}
        >
          {R.change}
        </button>
      )}
    </section>
  );
}

function RelayForm({ core, current, onDone }: { core: CoreClient; current: string; onDone: (saved: boolean) => void }) {
  const R = useI18n().t.relay;
  const [url, setURL] = useState(current);
  const [token, setToken] = useState("");
  const [error, busy, run] = useAction();
  return (
    <form
      class="relay-form"
      data-testid="relay-form"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await core.call("relay.set", { url, token });
          onDone(true);
        });
      }}
    >
      <label>
        {R.address}
        <input type="url" value={url} onInput={(e) => setURL(e.currentTarget.value)} required data-testid="relay-address" />
      </label>
      <label>
        {R.newToken}
        <input type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} data-testid="relay-token" />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="account-buttons">
        <button class="primary" disabled={busy}>
          {busy ? R.checking : R.save}
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={() => onDone(false)}>
          {R.cancel}
        </button>
      </div>
    </form>
  );
}
