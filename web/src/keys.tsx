import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { AttachedKeysView, KeyView, Message, Security, SendPlan, SetupMessage } from "./gen/api";
import { useI18n, type I18n } from "./i18n";
import type { PlanWords } from "./i18n/en";
import { useLive } from "./live";
import { setPrefs, usePrefs } from "./prefs";
import { useAction } from "./use-action";

/** securityText says in words what the core verified about a message's protection. */
function securityText(s: Security, t: I18n["t"]["keys"]): { label: string; tone: "good" | "warn" | "bad" | "none" } {
  if (s.undecrypted) return { label: t.notReadableYet, tone: "warn" };
  const enc = s.encrypted ? t.encrypted : "";
  const signed = { "good-known": t.signedKnown, "good-unknown": t.signedUnknown, bad: t.badSignature, error: t.notChecked }[s.signature ?? ""];
  const claimed = s.claimedFrom ? t.claimedFrom(s.claimedFrom) : "";
  if (signed) {
    const tone = s.signature === "bad" ? "bad" : s.signature === "good-known" && !claimed ? "good" : "warn";
    return { label: [enc, signed, claimed].filter(Boolean).join(" · "), tone };
  }
  if (enc) return { label: [t.encryptedNotSigned, claimed].filter(Boolean).join(" · "), tone: claimed ? "warn" : "good" };
  return { label: s.note ? t.notDecrypted : "", tone: s.note ? "bad" : "none" };
}

/** SecurityBadge shows a message's encryption and signature state, with the core's notes in
 * the user's language. */
export function SecurityBadge({ security }: { security: Security }) {
  const i18n = useI18n();
  const { label, tone } = securityText(security, i18n.t.keys);
  if (!label) return null;
  // Messages stored before notes had codes carry only the English text.
  const notes = security.notes?.length ? security.notes.map(i18n.securityNote) : security.note ? [security.note] : [];
  return (
    <p
      class={`security security-${tone}`}
      data-testid="security"
      data-signature={security.signature ?? ""}
      data-encrypted={String(!!security.encrypted)}
      data-claimed-from={security.claimedFrom ?? ""}
    >
      <span>{label}</span>
      {notes.length > 0 && <span class="muted"> — {notes.join(" ")}</span>}
    </p>
  );
}

/** useReplyPlan asks the core whether a reply to an email will be encrypted (and why not),
 * and keeps the user's choice; it returns nothing for other networks. */
export function useReplyPlan(core: CoreClient, message: Message) {
  const [plan, setPlan] = useState<SendPlan | null>(null);
  const [encrypt, setEncrypt] = useState(false);
  useEffect(() => {
    let gone = false;
    setPlan(null);
    if (message.network !== "email") return;
    core
      .call("message.plan", { messageId: message.id, text: "" })
      .then((p) => {
        if (gone) return;
        setPlan(p);
        setEncrypt(p.encrypt);
      })
      .catch(() => undefined);
    return () => {
      gone = true;
    };
  }, [core, message.id, message.network]);
  return { plan, encrypt, setEncrypt };
}

/** PlanLine shows before sending whether the reply will be encrypted, and why not when not. */
export function PlanLine({ plan, encrypt, setEncrypt }: ReturnType<typeof useReplyPlan>) {
  const t = useI18n().t.keys;
  return (
    <p class="plan" data-testid="plan" data-encrypt={String(plan ? encrypt : false)}>
      {!plan && t.planChecking}
      {plan && (
        <>
          <label>
            <input type="checkbox" checked={encrypt} disabled={!plan.canEncrypt} onChange={(e) => setEncrypt((e.target as HTMLInputElement).checked)} /> {t.encrypt}
          </label>{" "}
          <span class="muted">{encrypt === plan.encrypt ? planReason(t, plan) : encrypt ? t.chosenEncrypted : t.chosenClear}</span>
        </>
      )}
    </p>
  );
}

/** planReason says why a reply will be encrypted or not, in the user's language. */
function planReason(t: I18n["t"]["keys"], plan: SendPlan): string {
  const known = (t.reasons as Record<string, ((p: PlanWords) => string) | undefined>)[plan.reasonCode ?? ""];
  const list = (l?: string[]) => (l ?? []).join(", ");
  return known
    ? known({ missing: list(plan.missing), sender: plan.sender ?? "", revoked: list(plan.revoked), expired: list(plan.expired), noKey: list(plan.noKey) })
    : plan.reason;
}

/** KeysPanel lists the user's keys and contacts' keys with their fingerprints, and makes,
 * imports and exports keys. */
export function KeysPanel({ core }: { core: CoreClient }) {
  const t = useI18n().t.keys;
  const keys = useLive(core, "keys.list", {});
  const accounts = useLive(core, "accounts.list", {});
  const [error, busy, run] = useAction();
  const [shown, setShown] = useState<{ title: string; text: string } | null>(null);
  const [importText, setImportText] = useState("");
  const [importPass, setImportPass] = useState("");
  const [exportPass, setExportPass] = useState("");
  const [setup, setSetup] = useState<SetupMessage | null>(null);
  const addresses = (accounts?.accounts ?? []).filter((a) => a.network === "email").map((a) => a.address);
  const missing = addresses.filter((a) => !(keys?.own ?? []).some((k) => k.address === a && !k.problem));
  return (
    <details class="card keys" data-testid="keys">
      <summary>{t.title}</summary>
      {error && <p class="error">{error}</p>}
      <h3>{t.yours}</h3>
      {(keys?.own ?? []).length === 0 && <p class="muted">{t.noneYet}</p>}
      <ul class="key-list">
        {(keys?.own ?? []).map((k) => (
          <li key={k.fingerprint} data-testid="own-key">
            <KeyLine k={k} />
            <button
              disabled={busy}
              onClick={() => run(async () => setShown({ title: t.publicOf(k.address), text: (await core.call("keys.exportPublic", { fingerprint: k.fingerprint })).armored }))}
            >
              {t.exportPublic}
            </button>
            <button
              disabled={busy || k.locked || exportPass.length < 8}
              title={t.exportSecretHint}
              onClick={() =>
                run(async () =>
                  setShown({
                    title: t.secretOf(k.address),
                    text: (await core.call("keys.exportSecret", { fingerprint: k.fingerprint, passphrase: exportPass })).armored,
                  }),
                )
              }
            >
              {t.exportSecret}
            </button>
            <button
              disabled={busy || k.locked}
              onClick={() => run(async () => setShown({ title: t.revocationOf(k.address), text: (await core.call("keys.revocation", { fingerprint: k.fingerprint })).armored }))}
            >
              {t.revocation}
            </button>
            <button
              disabled={busy || k.locked || !!k.problem}
              data-testid="make-setup"
              title={t.setupHint}
              onClick={() => run(async () => setSetup(await core.call("keys.makeSetupMessage", { fingerprint: k.fingerprint, send: true })))}
            >
              {t.setupMake}
            </button>
          </li>
        ))}
      </ul>
      <label>
        {t.exportPass} <input type="password" value={exportPass} onInput={(e) => setExportPass((e.target as HTMLInputElement).value)} autocomplete="new-password" />
      </label>
      <label class="prefer-encrypt" title={t.preferHint}>
        <input
          type="checkbox"
          data-testid="prefer-encrypt"
          checked={keys?.preferEncrypt !== "nopreference"}
          disabled={busy || !keys}
          onChange={(e) => run(() => core.call("keys.setPreferEncrypt", { mutual: (e.target as HTMLInputElement).checked }))}
        />{" "}
        {t.prefer}
      </label>
      <p class="muted hint">{t.preferHint}</p>
      {setup && <SetupShown setup={setup} onClose={() => setSetup(null)} />}
      {missing.map((address) => (
        <button class="primary" key={address} disabled={busy} onClick={() => run(() => core.call("keys.generate", { address }))}>
          {t.make(address)}
        </button>
      ))}
      {shown && (
        <div class="armored">
          <p>{shown.title}</p>
          <textarea readOnly rows={8} value={shown.text} />
          <button onClick={() => setShown(null)}>{t.close}</button>
        </div>
      )}
      <h3>{t.importTitle}</h3>
      <textarea aria-label={t.armored} rows={4} placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----" value={importText} onInput={(e) => setImportText((e.target as HTMLTextAreaElement).value)} />
      <label>
        {t.importPass} <input type="password" value={importPass} onInput={(e) => setImportPass((e.target as HTMLInputElement).value)} />
      </label>
      <button
        disabled={busy || !importText.trim()}
        onClick={() =>
          run(async () => {
            await core.call("keys.import", { armored: importText, passphrase: importPass });
            setImportText("");
            setImportPass("");
          })
        }
      >
        {t.import}
      </button>
      <SetupImport core={core} />
      <h3>{t.contacts}</h3>
      {(keys?.contacts ?? []).length === 0 && <p class="muted">{t.noContactKeys}</p>}
      <ul class="key-list">
        {(keys?.contacts ?? []).map((k) => (
          <li key={k.address + k.fingerprint} data-testid="contact-key">
            <KeyLine k={k} />
            <label title={t.verifyHint}>
              <input
                type="checkbox"
                checked={!!k.verified}
                disabled={busy}
                onChange={(e) => run(() => core.call("keys.setVerified", { address: k.address, fingerprint: k.fingerprint, verified: (e.target as HTMLInputElement).checked }))}
              />{" "}
              {t.verified}
            </label>
          </li>
        ))}
      </ul>
    </details>
  );
}

function KeyLine({ k }: { k: KeyView }) {
  const t = useI18n().t.keys;
  return (
    <span class="key">
      <strong>{k.address}</strong> <span class="muted">{(t.sources as Record<string, string>)[k.source] ?? k.source}</span>
      {k.auto && <span class="muted"> · {t.madeAuto}</span>}
      {k.locked && <span class="muted"> · {t.locked}</span>}
      {k.problem && <span class="error"> · {(t.problems as Record<string, string>)[k.problemCode ?? ""] ?? k.problem}</span>}
      <br />
      <code class="fingerprint">{k.display}</code>
    </span>
  );
}

/** SetupShown shows a new Autocrypt Setup Message's code, once, and offers the message to
 * download; it was also sent to the user's own address. */
function SetupShown({ setup, onClose }: { setup: SetupMessage; onClose: () => void }) {
  const t = useI18n().t.keys;
  const href = `data:message/rfc822;charset=utf-8,${encodeURIComponent(setup.message)}`;
  return (
    <div class="setup-shown card" role="alert" data-testid="setup-shown">
      <p>{t.setupCodeIntro}</p>
      <p class="setup-code" data-testid="setup-code">
        <code>{setup.code}</code>
      </p>
      <p class="muted">{setup.sent ? t.setupSent : t.setupNotSent}</p>
      <a class="button secondary" href={href} download="autocrypt-setup-message.eml">
        {t.setupDownload}
      </a>{" "}
      <button onClick={onClose}>{t.setupDone}</button>
    </div>
  );
}

/** SetupImport imports an Autocrypt Setup Message: a received one (by message id) or a file
 * the user picks, with its setup code. */
export function SetupImport({ core, messageId }: { core: CoreClient; messageId?: string }) {
  const t = useI18n().t.keys;
  const [error, busy, run] = useAction();
  const [code, setCode] = useState("");
  const [file, setFile] = useState("");
  const [done, setDone] = useState("");
  return (
    <form
      class="setup-import"
      data-testid="setup-import"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const v = await core.call("keys.importSetupMessage", messageId ? { messageId, code } : { message: file, code });
          setDone(v.own[0]?.address ?? "");
          setCode("");
        });
      }}
    >
      {messageId ? <p>{t.setupReceived}</p> : <h3>{t.setupImportTitle}</h3>}
      {!messageId && (
        <label>
          {t.setupFile}{" "}
          <input
            type="file"
            accept=".eml,.htm,.html,message/rfc822"
            onChange={async (e) => {
              const picked = e.currentTarget.files?.[0];
              setFile(picked ? await picked.text() : "");
            }}
          />
        </label>
      )}
      <label>
        {t.setupCode}{" "}
        <input type="text" inputMode="numeric" autocomplete="off" data-testid="setup-code-input" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
      </label>
      <button disabled={busy || code.replace(/\D/g, "").length !== 36 || (!messageId && !file)}>{t.setupImport}</button>
      {done && (
        <p class="muted" role="status">
          {t.setupImported(done)}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

/** AttachedKeys offers the OpenPGP keys attached to a received message for import, as the
 * sender's when they name the sender's address, with their fingerprints. */
export function AttachedKeys({ core, messageId }: { core: CoreClient; messageId: string }) {
  const t = useI18n().t.keys;
  const [view, setView] = useState<AttachedKeysView | null>(null);
  const [error, busy, run] = useAction();
  const load = () =>
    core
      .call("keys.attached", { id: messageId })
      .then(setView)
      .catch(() => setView(null));
  useEffect(() => {
    void load();
  }, [core, messageId]);
  if (!view || view.keys.length === 0) return null;
  return (
    <section class="attached-keys" aria-label={t.attachedTitle}>
      <ul>
        {view.keys.map((k) => (
          <li key={k.attachmentId + k.fingerprint} data-testid="attached-key" data-known={String(!!k.known)}>
            <span>{k.forSender ? t.attachedFor(view.sender) : t.attachedOther(k.addresses.join(", "), view.sender)}</span>
            <br />
            <code class="fingerprint">{k.display}</code>
            {k.problem && <span class="error"> · {(t.problems as Record<string, string>)[k.problemCode ?? ""] ?? k.problem}</span>}{" "}
            {k.known ? (
              <span class="muted">{t.attachedKnown}</span>
            ) : (
              <button
                class="secondary"
                disabled={busy}
                onClick={() =>
                  run(async () => {
                    await core.call("keys.importAttached", { messageId, attachmentId: k.attachmentId, fingerprint: k.fingerprint });
                    await load();
                  })
                }
              >
                {t.attachedImport}
              </button>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** NewKeyNotice tells the user once that a key was made for them when they first sent mail
 * (every mail carries it, Autocrypt), and where to back it up. */
export function NewKeyNotice({ core }: { core: CoreClient }) {
  const t = useI18n().t.keys;
  const keys = useLive(core, "keys.list", {});
  const prefs = usePrefs();
  const made = (keys?.own ?? []).filter((k) => k.auto && !prefs.keysNoticed.includes(k.fingerprint));
  if (made.length === 0) return null;
  return (
    <p class="banner" role="status" data-testid="new-key-notice">
      {t.madeNotice(made.map((k) => k.address).join(", "))} <a href="#/settings">{t.madeWhere}</a>{" "}
      <button class="secondary" onClick={() => setPrefs({ keysNoticed: [...prefs.keysNoticed, ...made.map((k) => k.fingerprint)] })}>
        {t.madeOk}
      </button>
    </p>
  );
}
