import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { CoreError } from "./core-client";
import type { AccountHealth, AccountView, CertPin, EmailServer, VaultStatus } from "./gen/api";
import { AccountActions, FormProblem, offerOf, ServerFields, serverField, type CertificateOffer } from "./account-manage";
import { AddAccount, signInReturned } from "./add-account";
import { DemoButton, useDemoRunning } from "./demo";
import { fragmentValue } from "./fragment";
import { useI18n, type I18n } from "./i18n";
import { useLive } from "./live";
import { go } from "./router";
import { useAction } from "./use-action";


/** strength gives rough feedback on a passphrase: length and variety, 0 (too short) to 4. */
export function strength(p: string): number {
  let score = Math.min(4, Math.floor(p.length / 5));
  if (/[a-z]/.test(p) && /[A-Z0-9]/.test(p) && /[^a-zA-Z0-9]/.test(p)) score = Math.min(4, score + 1);
  return p.length < 8 ? 0 : score;
}

/**
 * Setup walks through the vault, the relay and the accounts. In the inbox (onboarding) it
 * folds away once all is set; in the settings it stays, listing the accounts.
 */
export function Setup({ core, onboarding }: { core: CoreClient; onboarding?: boolean }) {
  const vault = useLive(core, "vault.status", {});
  const accounts = useLive(core, "accounts.list", {});
  const demo = useDemoRunning();
  if (!vault || !accounts) return null; // (the accounts known first: the add form opens only when there are none)
  if (!vault.exists) return <CreateVault core={core} />;
  if (!vault.unlocked) return <Unlock core={core} />;
  if (!vault.relayUrl) return <Relay core={core} vault={vault} />;
  if (onboarding && accounts!.accounts.length > 0 && !demo) return null;
  return <Accounts core={core} accounts={accounts?.accounts ?? []} manage={!onboarding} />;
}

/** NewPassphrase asks for a new passphrase twice, with feedback on its strength (0: too short). */
export function NewPassphrase(props: { label: string; pass: string; again: string; onPass: (p: string) => void; onAgain: (p: string) => void }) {
  const { t } = useI18n();
  const score = strength(props.pass);
  return (
    <>
      <label>
        {props.label}
        <input type="password" autocomplete="new-password" value={props.pass} onInput={(e) => props.onPass(e.currentTarget.value)} required minLength={8} />
      </label>
      <span class="strength">
        <meter min={0} max={4} value={score} aria-label={t.setup.strengthLabel} aria-valuetext={t.setup.strength[score]} />{" "}
        <span class="muted" aria-hidden="true">
          {t.setup.strength[score]}
        </span>
      </span>
      <label>
        {t.setup.again}
        <input type="password" autocomplete="new-password" value={props.again} onInput={(e) => props.onAgain(e.currentTarget.value)} required />
      </label>
    </>
  );
}

function CreateVault({ core }: { core: CoreClient }) {
  const [pass, setPass] = useState("");
  const [again, setAgain] = useState("");
  const [error, busy, run] = useAction();
  const { t } = useI18n();
  const score = strength(pass);
  return (
    <form
      class="card setup"
      data-testid="setup-vault"
      onSubmit={(e) => {
        e.preventDefault();
        if (pass !== again) return void run(() => Promise.reject(new Error(t.setup.differ)));
        void run(() => core.call("vault.create", { passphrase: pass }));
      }}
    >
      <h2>{t.setup.vaultTitle}</h2>
      <p class="muted">{t.setup.vaultWhy}</p>
      <NewPassphrase label={t.setup.passphrase} pass={pass} again={again} onPass={setPass} onAgain={setAgain} />
      {error && <p class="error" role="alert">{error}</p>}
      <button class="primary" disabled={busy || score === 0}>
        {t.setup.createVault}
      </button>
    </form>
  );
}

function Unlock({ core }: { core: CoreClient }) {
  const [pass, setPass] = useState("");
  const [error, busy, run] = useAction();
  const { t } = useI18n();
  return (
    <form
      class="card setup"
      data-testid="setup-unlock"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => core.call("vault.unlock", { passphrase: pass }));
      }}
    >
      <h2>{t.setup.unlockTitle}</h2>
      <p class="muted">{t.setup.unlockWhy}</p>
      {signInReturned() && <p data-testid="signin-waiting">{t.setup.signinWaiting}</p>}
      <label>
        {t.setup.passphrase}
        <input type="password" autocomplete="current-password" value={pass} onInput={(e) => setPass(e.currentTarget.value)} required />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button class="primary" disabled={busy}>
        {t.setup.unlock}
      </button>
    </form>
  );
}

function Relay({ core, vault }: { core: CoreClient; vault: VaultStatus }) {
  const [url, setURL] = useState(vault.relayUrl || location.origin);
  const [token, setToken] = useState(() => fragmentValue("relay-token"));
  const [error, busy, run] = useAction();
  const { t } = useI18n();
  return (
    <form
      class="card setup"
      data-testid="setup-relay"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await core.call("relay.set", { url, token });
          // Opened from another device's pairing QR code: joining its sync space is next.
          if (fragmentValue("sync-code")) go({ screen: "settings" });
        });
      }}
    >
      <h2>{t.setup.relayTitle}</h2>
      <p class="muted">
        {t.setup.relayWhy} (<code>relay token add you</code>).
      </p>
      <label>
        {t.setup.relayAddress}
        <input type="url" value={url} onInput={(e) => setURL(e.currentTarget.value)} required />
      </label>
      <label>
        {t.setup.relayToken}
        <input type="password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
      </label>
      {error && <p class="error" role="alert">{error}</p>}
      <button class="primary" disabled={busy}>
        {t.setup.useRelay}
      </button>
    </form>
  );
}

/** AccountList shows each account with its connection health and first-sync progress, what
 * its network cannot give (X), and a "try now" for an account that waits; in the settings
 * (manage), what fixes an account stopped for the user, and editing and removing it. Each
 * row is the target of the top bar's account state (account-status.tsx). */
export function AccountList({ core, accounts, manage }: { core: CoreClient; accounts: AccountView[]; manage?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [error, busy, run] = useAction();
  return (
    <ul class="accounts">
      {error && (
        <li class="error" role="alert">
          {error}
        </li>
      )}
      {accounts.map((a) => (
        <li key={a.id} id={`account-${a.id}`} tabIndex={-1} data-testid="account" data-network={a.network} data-state={a.health.state} data-code={a.health.code ?? ""}>
          <span class={`net net-${a.network}`}>{i18n.network(a.network)}</span> <span class="addr">{a.label || a.address}</span>{" "}
          <span class={`state state-${a.health.state}`}>{(t.setup.states as Record<string, string>)[a.health.state] ?? a.health.state}</span>
          {a.health.lastActivity && (
            <span class="muted" data-testid="last-activity" title={i18n.dateLong(a.health.lastActivity)}>
              {" "}
              · {t.setup.lastActivity(i18n.date(a.health.lastActivity))}
            </span>
          )}
          {a.progress && a.progress.total > 0 && a.progress.done < a.progress.total && (
            <span class="progress" data-testid="sync-progress">
              {" "}
              · <progress max={a.progress.total} value={a.progress.done} aria-label={t.setup.progressLabel(a.progress.folder)} />{" "}
              {t.setup.progress(a.progress.folder, i18n.number(a.progress.done), i18n.number(a.progress.total))}
            </span>
          )}
          {a.progress && !a.progress.total && a.progress.done > 0 && (
            <span class="progress muted" data-testid="sync-progress">
              {" "}
              · {t.setup.syncedCount(a.progress.folder, i18n.number(a.progress.done))}
            </span>
          )}
          {a.health.error && <p class="error">{healthText(i18n, a.health)}</p>}
          {a.health.canRetry && (
            <button class="secondary" data-testid="account-retry" disabled={busy} onClick={() => run(() => core.call("accounts.retry", { id: a.id }))}>
              {t.setup.retryNow}
            </button>
          )}
          {a.network === "x" && (
            <p class="muted" data-testid="x-limits">
              {t.setup.xLimits}
            </p>
          )}
          {manage && <AccountActions core={core} account={a} />}
        </li>
      ))}
    </ul>
  );
}

/** healthText says why an account is not connected, in the user's language. */
export function healthText(i18n: I18n, h: AccountHealth): string {
  const known = (i18n.t.health as Record<string, ((p?: Record<string, string>) => string) | undefined>)[h.code ?? ""];
  return known ? known({ ...h.params, at: h.retryAt ? i18n.date(h.retryAt) : "" }) : h.error!;
}

function Accounts({ core, accounts, manage }: { core: CoreClient; accounts: AccountView[]; manage: boolean }) {
  const [adding, setAdding] = useState(accounts.length === 0);
  const { t } = useI18n();
  return (
    <section class="card setup" data-testid="accounts" aria-labelledby="accounts-title">
      <h2 id="accounts-title" tabIndex={-1}>
        {t.setup.accountsTitle}
      </h2>
      <AccountList core={core} accounts={accounts} manage={manage} />
      {accounts.length === 0 && <DemoButton core={core} />}
      {adding ? (
        <AddAccount core={core} email={<AddEmail core={core} onDone={() => setAdding(false)} />} />
      ) : (
        <button data-testid="add-account" onClick={() => setAdding(true)}>
          {t.setup.addAnyAccount}
        </button>
      )}
    </section>
  );
}

function AddEmail({ core, onDone }: { core: CoreClient; onDone: () => void }) {
  const [address, setAddress] = useState("");
  const [password, setPassword] = useState("");
  const [manual, setManual] = useState(false);
  const [server, setServer] = useState<EmailServer>({ imapHost: "", imapPort: 993, imapSecurity: "tls", smtpHost: "", smtpPort: 465, smtpSecurity: "tls", username: "" });
  // Certificates the user chose to trust after seeing them (an untrusted_certificate error).
  const [pins, setPins] = useState<CertPin[]>([]);
  const [offer, setOffer] = useState<CertificateOffer | null>(null);
  const [error, busy, run] = useAction();
  const { t } = useI18n();
  const field = serverField(server, setServer);
  const add = (trusted: CertPin[]) =>
    run(async () => {
      setOffer(null);
      try {
        await core.call("accounts.addEmail", { address, password, server: manual ? server : undefined, pins: trusted });
      } catch (err) {
        if (err instanceof CoreError && err.code === "not_found") setManual(true); // offer the form
        setOffer(offerOf(err)); // a certificate to check, then to trust
        throw err;
      }
      onDone();
    });
  return (
    <form
      data-testid="add-email"
      onSubmit={(e) => {
        e.preventDefault();
        void add(pins);
      }}
    >
      <label>
        {t.setup.emailAddress}
        <input type="email" autocomplete="email" value={address} onInput={(e) => setAddress(e.currentTarget.value)} required />
      </label>
      <label>
        {t.setup.password}
        <input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      <label class="inline">
        <input type="checkbox" checked={manual} onChange={(e) => setManual(e.currentTarget.checked)} /> {t.setup.manual}
      </label>
      {manual && (
        <fieldset>
          <legend>{t.setup.servers}</legend>
          <ServerFields proto="imap" server={server} field={field} />
          <ServerFields proto="smtp" server={server} field={field} />
          <label>
            {t.setup.username} <input value={server.username ?? ""} onInput={field("username")} />
          </label>
        </fieldset>
      )}
      <p class="muted">{t.setup.passwordNote}</p>
      <FormProblem
        error={error}
        offer={offer}
        busy={busy}
        onTrust={(pin) => {
          const trusted = [...pins, pin];
          setPins(trusted);
          void add(trusted);
        }}
      />
      <button class="primary" disabled={busy}>
        {busy ? t.setup.checking : t.setup.addAccount}
      </button>
    </form>
  );
}
