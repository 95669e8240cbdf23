import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { CoreError } from "./core-client";
import type { AccountView, VaultStatus } from "./gen/api";
import { useLive } from "./live";

/** strength gives rough feedback on a passphrase: length and variety, in words. */
function strength(p: string): { score: number; words: string } {
  let score = Math.min(4, Math.floor(p.length / 5));
  if (/[a-z]/.test(p) && /[A-Z0-9]/.test(p) && /[^a-zA-Z0-9]/.test(p)) score = Math.min(4, score + 1);
  if (p.length < 8) score = 0;
  return { score, words: ["too short", "weak", "fair", "good", "strong"][score] };
}

export function useAction(): [string | null, boolean, (fn: () => Promise<unknown>) => Promise<void>] {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e instanceof CoreError || e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return [error, busy, run];
}

/** Setup walks through the vault, the relay and the accounts; it folds away once done. */
export function Setup({ core }: { core: CoreClient }) {
  const vault = useLive(core, "vault.status", {});
  const accounts = useLive(core, "accounts.list", {});
  if (!vault) return null;
  if (!vault.exists) return <CreateVault core={core} />;
  if (!vault.unlocked) return <Unlock core={core} />;
  if (!vault.relayUrl) return <Relay core={core} vault={vault} />;
  return <Accounts core={core} accounts={accounts?.accounts ?? []} />;
}

function CreateVault({ core }: { core: CoreClient }) {
  const [pass, setPass] = useState("");
  const [again, setAgain] = useState("");
  const [error, busy, run] = useAction();
  const s = strength(pass);
  return (
    <form
      class="card setup"
      data-testid="setup-vault"
      onSubmit={(e) => {
        e.preventDefault();
        if (pass !== again) return void run(() => Promise.reject(new Error("The two passphrases differ.")));
        void run(() => core.call("vault.create", { passphrase: pass }));
      }}
    >
      <h2>Choose a passphrase</h2>
      <p class="muted">
        It seals your account passwords, tokens and encryption keys on this device. Nobody else has it — not the relay, not us — so
        nobody can recover it for you.
      </p>
      <label>
        Passphrase
        <input type="password" autocomplete="new-password" value={pass} onInput={(e) => setPass(e.currentTarget.value)} required minLength={8} />
      </label>
      <meter min={0} max={4} value={s.score} aria-label="Passphrase strength" /> <span class="muted">{s.words}</span>
      <label>
        Again
        <input type="password" autocomplete="new-password" value={again} onInput={(e) => setAgain(e.currentTarget.value)} required />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button class="primary" disabled={busy || s.score === 0}>
        Create the vault
      </button>
    </form>
  );
}

function Unlock({ core }: { core: CoreClient }) {
  const [pass, setPass] = useState("");
  const [error, busy, run] = useAction();
  return (
    <form
      class="card setup"
      data-testid="setup-unlock"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => core.call("vault.unlock", { passphrase: pass }));
      }}
    >
      <h2>Unlock</h2>
      <p class="muted">Your messages are readable; connecting to your accounts needs the passphrase.</p>
      <label>
        Passphrase
        <input type="password" autocomplete="current-password" value={pass} onInput={(e) => setPass(e.currentTarget.value)} required />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button class="primary" disabled={busy}>
        Unlock
      </button>
    </form>
  );
}

function Relay({ core, vault }: { core: CoreClient; vault: VaultStatus }) {
  const [url, setURL] = useState(vault.relayUrl || location.origin);
  const [token, setToken] = useState("");
  const [error, busy, run] = useAction();
  return (
    <form
      class="card setup"
      data-testid="setup-relay"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => core.call("relay.set", { url, token }));
      }}
    >
      <h2>Relay</h2>
      <p class="muted">
        Browsers cannot reach mail servers directly. The relay carries the connection; encryption ends here, in your browser, so the
        relay sees only ciphertext. Its operator gives you an access token (<code>relay token add you</code>).
      </p>
      <label>
        Relay address
        <input type="url" value={url} onInput={(e) => setURL(e.currentTarget.value)} required />
      </label>
      <label>
        Access token
        <input type="password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button class="primary" disabled={busy}>
        Use this relay
      </button>
    </form>
  );
}

const STATE_WORDS: Record<string, string> = {
  connected: "Connected",
  connecting: "Connecting…",
  error: "Error",
  retrying: "Retrying",
  idle: "Not connected",
  locked: "Locked",
  "no-relay": "No relay",
  "other-tab": "Synced by another tab",
};

function Accounts({ core, accounts }: { core: CoreClient; accounts: AccountView[] }) {
  const [adding, setAdding] = useState(accounts.length === 0);
  return (
    <section class="card setup" data-testid="accounts">
      <h2>Accounts</h2>
      <ul class="accounts">
        {accounts.map((a) => (
          <li key={a.id} data-testid="account" data-state={a.health.state}>
            <span class="addr">{a.address}</span> <span class={`state state-${a.health.state}`}>{STATE_WORDS[a.health.state] ?? a.health.state}</span>
            {a.progress && a.progress.total > 0 && a.progress.done < a.progress.total && (
              <span class="progress" data-testid="sync-progress">
                {" "}
                · {a.progress.folder}: <progress max={a.progress.total} value={a.progress.done} /> {a.progress.done}/{a.progress.total}
              </span>
            )}
            {a.health.error && <p class="error">{a.health.error}</p>}
          </li>
        ))}
      </ul>
      {adding ? <AddEmail core={core} onDone={() => setAdding(false)} /> : <button onClick={() => setAdding(true)}>Add an email account</button>}
    </section>
  );
}

function AddEmail({ core, onDone }: { core: CoreClient; onDone: () => void }) {
  const [address, setAddress] = useState("");
  const [password, setPassword] = useState("");
  const [manual, setManual] = useState(false);
  const [server, setServer] = useState<ServerForm>({ imapHost: "", imapPort: 993, imapSecurity: "tls", smtpHost: "", smtpPort: 465, smtpSecurity: "tls", username: "", pinnedSha256: "" });
  const [error, busy, run] = useAction();
  const field = (k: keyof typeof server) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setServer({ ...server, [k]: typeof server[k] === "number" ? Number(v) : v });
  };
  return (
    <form
      data-testid="add-email"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          try {
            await core.call("accounts.addEmail", { address, password, server: manual ? server : undefined });
          } catch (err) {
            if (err instanceof CoreError && err.code === "not_found") setManual(true); // offer the form
            throw err;
          }
          onDone();
        });
      }}
    >
      <label>
        Email address
        <input type="email" autocomplete="email" value={address} onInput={(e) => setAddress(e.currentTarget.value)} required />
      </label>
      <label>
        Password (or app password)
        <input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      <label class="inline">
        <input type="checkbox" checked={manual} onChange={(e) => setManual(e.currentTarget.checked)} /> Enter the server settings by hand
      </label>
      {manual && (
        <fieldset>
          <legend>Servers</legend>
          <ServerFields proto="imap" label="IMAP" server={server} field={field} />
          <ServerFields proto="smtp" label="SMTP" server={server} field={field} />
          <label>
            User name (if not the address) <input value={server.username} onInput={field("username")} />
          </label>
          <label>
            Pinned certificate SHA-256 (self-hosted servers) <input value={server.pinnedSha256} onInput={field("pinnedSha256")} />
          </label>
        </fieldset>
      )}
      <p class="muted">Passwords are only ever sent over an encrypted connection, and are kept sealed in your vault.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" disabled={busy}>
        {busy ? "Checking…" : "Add the account"}
      </button>
    </form>
  );
}

type ServerForm = { imapHost: string; imapPort: number; imapSecurity: string; smtpHost: string; smtpPort: number; smtpSecurity: string; username: string; pinnedSha256: string };

/** ServerFields is the host, port and security of one server (IMAP or SMTP) in the manual form. */
function ServerFields({ proto, label, server, field }: { proto: "imap" | "smtp"; label: string; server: ServerForm; field: (k: keyof ServerForm) => (e: Event) => void }) {
  const host = `${proto}Host` as const;
  const port = `${proto}Port` as const;
  const security = `${proto}Security` as const;
  return (
    <>
      <label>
        {label} server <input value={server[host]} onInput={field(host)} required />
      </label>
      <label>
        Port <input type="number" value={server[port]} onInput={field(port)} />
      </label>
      <label>
        Security
        <select value={server[security]} onChange={field(security)}>
          <option value="tls">TLS</option>
          <option value="starttls">STARTTLS</option>
        </select>
      </label>
    </>
  );
}
