// Managing an account from its row in the settings: fixing what stopped it (the password
// the server now expects, a certificate to check and trust, server settings), changing an
// email account's settings, signing in again to Mastodon or X, removing an account.
import { useRef, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { CoreError } from "./core-client";
import type { AccountView, CertPin, EmailServer } from "./gen/api";
import { finish } from "./add-account";
import { useI18n } from "./i18n";
import { CALLBACK_PATH, consent, openConsentWindow } from "./oauth-popup";
import { useAction } from "./use-action";
import "./accounts.css";

/** The certificate an untrusted_certificate error (or health) names. */
export type CertificateOffer = { server: string; host: string; fingerprint: string };

/** offerOf reads the certificate to trust from an error of the core, if it names one. */
export function offerOf(err: unknown): CertificateOffer | null {
  if (!(err instanceof CoreError) || err.code !== "untrusted_certificate" || !err.params?.fingerprint) return null;
  return { server: err.params.server ?? "", host: err.params.host ?? "", fingerprint: err.params.fingerprint };
}

/** pinOf is the pin that trusts an offered certificate, for its server and host. */
export const pinOf = (o: CertificateOffer): CertPin => ({ server: o.server || undefined, host: o.host, sha256: o.fingerprint });

/**
 * CertificateCheck shows a certificate the app does not trust (yet): its fingerprint, what to
 * compare it with, and the button that trusts it.
 */
export function CertificateCheck({ offer, busy, onTrust }: { offer: CertificateOffer; busy: boolean; onTrust: () => void }) {
  const A = useI18n().t.accounts;
  return (
    <div class="certificate-check" data-testid="certificate-check" data-server={offer.server}>
      <p>
        {A.certificateFingerprint} <code class="fingerprint" data-testid="certificate-fingerprint">{offer.fingerprint}</code>
      </p>
      <p class="muted">{A.certificateCheck}</p>
      <button type="button" class="secondary" data-testid="trust-certificate" disabled={busy} onClick={onTrust}>
        {A.trustCertificate}
      </button>
    </div>
  );
}

/**
 * FormProblem is what a form's last try says: its error, and the certificate to check and
 * trust when the error is an untrusted one (onTrust tries again trusting it).
 */
export function FormProblem({ error, offer, busy, onTrust }: { error: string | null; offer: CertificateOffer | null; busy: boolean; onTrust: (pin: CertPin) => void }) {
  return (
    <>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {offer && <CertificateCheck offer={offer} busy={busy} onTrust={() => onTrust(pinOf(offer))} />}
    </>
  );
}

/** ServerFields are the host, port and security of one server (IMAP or SMTP) of a form. */
export function ServerFields({ proto, server, field }: { proto: "imap" | "smtp"; server: EmailServer; field: (k: keyof EmailServer) => (e: Event) => void }) {
  const { t } = useI18n();
  const host = `${proto}Host` as const;
  const port = `${proto}Port` as const;
  const security = `${proto}Security` as const;
  return (
    <>
      <label>
        {t.setup.server(proto.toUpperCase())} <input value={server[host]} onInput={field(host)} required data-testid={`${proto}-host`} />
      </label>
      <label>
        {t.setup.port} <input type="number" min={1} max={65535} value={server[port]} onInput={field(port)} required />
      </label>
      <label>
        {t.setup.security}
        <select value={server[security]} onChange={field(security)}>
          <option value="tls">TLS</option>
          <option value="starttls">STARTTLS</option>
        </select>
      </label>
    </>
  );
}

/** serverField is the onInput of a server form's field (numbers stay numbers). */
export function serverField(server: EmailServer, set: (s: EmailServer) => void) {
  return (k: keyof EmailServer) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    set({ ...server, [k]: typeof server[k] === "number" ? Number(v) : v });
  };
}

type Panel = null | "edit" | "remove";

/** AccountActions are an account row's fix (when it stopped for the user), edit and remove. */
export function AccountActions({ core, account }: { core: CoreClient; account: AccountView }) {
  const A = useI18n().t.accounts;
  const [panel, setPanel] = useState<Panel>(null);
  const who = account.label || account.address;
  const toggle = (p: Panel) => setPanel(panel === p ? null : p);
  return (
    <div class="account-manage">
      <AccountFix core={core} account={account} onEdit={() => setPanel("edit")} />
      <div class="account-buttons">
        <button type="button" class="secondary" data-testid="account-edit" aria-expanded={panel === "edit"} aria-label={A.editLabel(who)} onClick={() => toggle("edit")}>
          {A.edit}
        </button>
        <button type="button" class="secondary" data-testid="account-remove" aria-expanded={panel === "remove"} aria-label={A.removeLabel(who)} onClick={() => toggle("remove")}>
          {A.remove}
        </button>
      </div>
      {panel === "edit" &&
        (account.network === "email" ? <EmailEdit core={core} account={account} onDone={() => setPanel(null)} /> : <SignInAgain core={core} account={account} />)}
      {panel === "remove" && <RemoveAccount core={core} account={account} onCancel={() => setPanel(null)} />}
    </div>
  );
}

/** AccountFix offers what the account's health asks of the user. */
function AccountFix({ core, account, onEdit }: { core: CoreClient; account: AccountView; onEdit: () => void }) {
  const A = useI18n().t.accounts;
  const h = account.health;
  switch (h.code) {
    case "password-refused":
      return <PasswordFix core={core} account={account} />;
    case "untrusted-certificate":
      return <CertificateFix core={core} account={account} />;
    case "insecure-server":
      return (
        <button type="button" class="secondary" data-testid="fix-servers" onClick={onEdit}>
          {A.fixServers}
        </button>
      );
    case "token-refused":
    case "sign-in-again":
    case "x-no-dm-scope":
      return <SignInAgain core={core} account={account} />;
  }
  return null;
}

function PasswordFix({ core, account }: { core: CoreClient; account: AccountView }) {
  const A = useI18n().t.accounts;
  const [password, setPassword] = useState("");
  const [error, busy, run] = useAction();
  return (
    <form
      class="account-fix"
      data-testid="fix-password"
      onSubmit={(e) => {
        e.preventDefault();
        void run(() => core.call("accounts.updateEmail", { id: account.id, password }));
      }}
    >
      <label>
        {A.fixPassword}
        <input type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" disabled={busy}>
        {busy ? A.saving : A.usePassword}
      </button>
    </form>
  );
}

function CertificateFix({ core, account }: { core: CoreClient; account: AccountView }) {
  const p = account.health.params ?? {};
  const [error, busy, run] = useAction();
  const offer = { server: p.server ?? "", host: p.host ?? "", fingerprint: p.fingerprint ?? "" };
  if (!offer.fingerprint) return null;
  return (
    <div class="account-fix" data-testid="fix-certificate">
      <CertificateCheck offer={offer} busy={busy} onTrust={() => void run(() => core.call("accounts.updateEmail", { id: account.id, pins: [pinOf(offer)] }))} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** SignInAgain signs in to Mastodon or X again through the consent page, in a popup. */
function SignInAgain({ core, account }: { core: CoreClient; account: AccountView }) {
  const A = useI18n().t.accounts;
  const [done, setDone] = useState(false);
  const [error, busy, run] = useAction();
  return (
    <div class="account-fix" data-testid="sign-in-again">
      <p class="muted">{A.signInAgainWhy}</p>
      <button
        type="button"
        class="secondary"
        disabled={busy}
        onClick={() => {
          setDone(false);
          const popup = openConsentWindow(); // in the click: popups need a user gesture
          void run(async () => {
            try {
              const { authorizeUrl } = await core.call("accounts.signInAgain", { id: account.id, redirectUri: `${location.origin}${CALLBACK_PATH}` });
              await finish(core, await consent(popup, authorizeUrl));
              setDone(true);
            } finally {
              popup?.close();
            }
          });
        }}
      >
        {busy ? A.signingIn : A.signInAgain}
      </button>
      {done && <p data-testid="signed-in-again">{A.signedIn}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function RemoveAccount({ core, account, onCancel }: { core: CoreClient; account: AccountView; onCancel: () => void }) {
  const A = useI18n().t.accounts;
  const [error, busy, run] = useAction();
  const who = account.label || account.address;
  return (
    <div class="account-fix" data-testid="remove-confirm" role="group" aria-label={A.removeLabel(who)}>
      <p>{A.removeConfirm(who)}</p>
      <div class="account-buttons">
        <button
          type="button"
          class="primary danger"
          data-testid="remove-yes"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await core.call("accounts.remove", { id: account.id });
              document.getElementById("accounts-title")?.focus(); // the row is gone
            })
          }
        >
          {busy ? A.removing : A.removeYes}
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={onCancel}>
          {A.keep}
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** EmailEdit changes an email account: its name, password, servers and trusted certificates. */
function EmailEdit({ core, account, onDone }: { core: CoreClient; account: AccountView; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const A = t.accounts;
  const settings = account.email;
  const [name, setName] = useState(settings?.name ?? "");
  const [password, setPassword] = useState("");
  const [server, setServer] = useState<EmailServer>(
    settings?.server ?? { imapHost: "", imapPort: 993, imapSecurity: "tls", smtpHost: "", smtpPort: 465, smtpSecurity: "tls" },
  );
  const [offer, setOffer] = useState<CertificateOffer | null>(null);
  const pins = useRef<CertPin[]>([]);
  const [error, busy, run] = useAction();
  const field = serverField(server, setServer);
  const save = () =>
    run(async () => {
      setOffer(null);
      try {
        await core.call("accounts.updateEmail", { id: account.id, name, password: password || undefined, server, pins: pins.current });
      } catch (err) {
        setOffer(offerOf(err)); // a certificate to check, then to trust
        throw err;
      }
      onDone();
    });
  const filing = settings?.sentFiling === "server" ? A.sentFiling.server : settings?.sentFiling === "client" ? A.sentFiling.client : A.sentFiling.unknown;
  return (
    <form
      class="account-edit"
      data-testid="email-edit"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        {A.name}
        <input value={name} autocomplete="name" onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {A.newPassword}
        <input type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} data-testid="edit-password" />
      </label>
      <fieldset>
        <legend>{t.setup.servers}</legend>
        {(["imap", "smtp"] as const).map((proto) => {
          const pin = `${proto}Pin` as const;
          return (
            <div class="server-fields" key={proto}>
              <ServerFields proto={proto} server={server} field={field} />
              {settings?.server[pin] && (
                <label class="inline">
                  <input type="checkbox" checked={!!server[pin]} onChange={(e) => setServer({ ...server, [pin]: e.currentTarget.checked ? settings.server[pin] : "" })} />
                  <span>
                    {A.keepPin} — <span class="fingerprint">{A.pinnedFor(proto.toUpperCase(), settings.server[pin]!)}</span>
                  </span>
                </label>
              )}
            </div>
          );
        })}
        <label>
          {t.setup.username} <input value={server.username ?? ""} onInput={field("username")} />
        </label>
      </fieldset>
      <p class="muted" data-testid="sent-filing">
        {filing}
      </p>
      <FormProblem
        error={error}
        offer={offer}
        busy={busy}
        onTrust={(pin) => {
          pins.current = [...pins.current, pin];
          void save();
        }}
      />
      <button class="primary" disabled={busy}>
        {busy ? A.saving : A.save}
      </button>
    </form>
  );
}
