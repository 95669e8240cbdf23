import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { KeyView, Message, Security, SendPlan } from "./gen/api";
import { useLive } from "./live";
import { useAction } from "./use-action";

/** securityText says in words what the core verified about a message's protection. */
function securityText(s: Security): { label: string; tone: "good" | "warn" | "bad" | "none" } {
  if (s.undecrypted) return { label: "Encrypted · not readable yet", tone: "warn" };
  const enc = s.encrypted ? "Encrypted" : "";
  switch (s.signature) {
    case "good-known":
      return { label: [enc, "Signed by a known key"].filter(Boolean).join(" · "), tone: "good" };
    case "good-unknown":
      return { label: [enc, "Signed by a key not yet known"].filter(Boolean).join(" · "), tone: "warn" };
    case "bad":
      return { label: [enc, "Bad signature"].filter(Boolean).join(" · "), tone: "bad" };
    case "error":
      return { label: [enc, "Signature not checked"].filter(Boolean).join(" · "), tone: "warn" };
  }
  return { label: enc ? "Encrypted · not signed" : s.note ? "Could not be decrypted" : "", tone: enc ? "good" : s.note ? "bad" : "none" };
}

/** SecurityBadge shows a message's encryption and signature state, with the core's note. */
export function SecurityBadge({ security }: { security: Security }) {
  const { label, tone } = securityText(security);
  if (!label) return null;
  return (
    <p class={`security security-${tone}`} data-testid="security" data-signature={security.signature ?? ""} data-encrypted={String(!!security.encrypted)}>
      <span>{label}</span>
      {security.note && <span class="muted"> — {security.note}</span>}
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
  return (
    <p class="plan" data-testid="plan" data-encrypt={String(plan ? encrypt : false)}>
      {!plan && "Checking whether this reply can be encrypted…"}
      {plan && (
        <>
          <label>
            <input type="checkbox" checked={encrypt} disabled={!plan.canEncrypt} onChange={(e) => setEncrypt((e.target as HTMLInputElement).checked)} /> Encrypt
          </label>{" "}
          <span class="muted">{encrypt === plan.encrypt ? plan.reason : encrypt ? "Encrypted, as you chose." : "Not encrypted, as you chose."}</span>
        </>
      )}
    </p>
  );
}

/** KeysPanel lists the user's keys and contacts' keys with their fingerprints, and makes,
 * imports and exports keys. */
export function KeysPanel({ core }: { core: CoreClient }) {
  const keys = useLive(core, "keys.list", {});
  const accounts = useLive(core, "accounts.list", {});
  const [error, busy, run] = useAction();
  const [shown, setShown] = useState<{ title: string; text: string } | null>(null);
  const [importText, setImportText] = useState("");
  const [importPass, setImportPass] = useState("");
  const [exportPass, setExportPass] = useState("");
  const addresses = (accounts?.accounts ?? []).filter((a) => a.network === "email").map((a) => a.address);
  const missing = addresses.filter((a) => !(keys?.own ?? []).some((k) => k.address === a && !k.problem));
  return (
    <details class="card keys" data-testid="keys">
      <summary>Encryption keys</summary>
      {error && <p class="error">{error}</p>}
      <h3>Your keys</h3>
      {(keys?.own ?? []).length === 0 && <p class="muted">You have no key yet: make one so people can write to you encrypted.</p>}
      <ul class="key-list">
        {(keys?.own ?? []).map((k) => (
          <li key={k.fingerprint} data-testid="own-key">
            <KeyLine k={k} />
            <button
              disabled={busy}
              onClick={() => run(async () => setShown({ title: `Public key of ${k.address}`, text: (await core.call("keys.exportPublic", { fingerprint: k.fingerprint })).armored }))}
            >
              Export public key
            </button>
            <button
              disabled={busy || k.locked || exportPass.length < 8}
              title="Protected with the export passphrase below"
              onClick={() =>
                run(async () =>
                  setShown({
                    title: `Secret key of ${k.address} (protected with your export passphrase)`,
                    text: (await core.call("keys.exportSecret", { fingerprint: k.fingerprint, passphrase: exportPass })).armored,
                  }),
                )
              }
            >
              Export secret key
            </button>
            <button
              disabled={busy || k.locked}
              onClick={() => run(async () => setShown({ title: `Revocation certificate of ${k.address}`, text: (await core.call("keys.revocation", { fingerprint: k.fingerprint })).armored }))}
            >
              Revocation certificate
            </button>
          </li>
        ))}
      </ul>
      <label>
        Export passphrase <input type="password" value={exportPass} onInput={(e) => setExportPass((e.target as HTMLInputElement).value)} autocomplete="new-password" />
      </label>
      {missing.map((address) => (
        <button class="primary" key={address} disabled={busy} onClick={() => run(() => core.call("keys.generate", { address }))}>
          Make a key for {address}
        </button>
      ))}
      {shown && (
        <div class="armored">
          <p>{shown.title}</p>
          <textarea readOnly rows={8} value={shown.text} />
          <button onClick={() => setShown(null)}>Close</button>
        </div>
      )}
      <h3>Import a key</h3>
      <textarea aria-label="Armored key" rows={4} placeholder="-----BEGIN PGP PUBLIC KEY BLOCK-----" value={importText} onInput={(e) => setImportText((e.target as HTMLTextAreaElement).value)} />
      <label>
        Its passphrase (secret keys) <input type="password" value={importPass} onInput={(e) => setImportPass((e.target as HTMLInputElement).value)} />
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
        Import
      </button>
      <h3>Contacts' keys</h3>
      {(keys?.contacts ?? []).length === 0 && <p class="muted">No key yet: they come with mail from people who use Autocrypt, from their Web Key Directory, or by import.</p>}
      <ul class="key-list">
        {(keys?.contacts ?? []).map((k) => (
          <li key={k.address + k.fingerprint} data-testid="contact-key">
            <KeyLine k={k} />
            <label title="Check the fingerprint with the person (in person, or by phone) before marking it">
              <input
                type="checkbox"
                checked={!!k.verified}
                disabled={busy}
                onChange={(e) => run(() => core.call("keys.setVerified", { address: k.address, fingerprint: k.fingerprint, verified: (e.target as HTMLInputElement).checked }))}
              />{" "}
              Verified
            </label>
          </li>
        ))}
      </ul>
    </details>
  );
}

const sources: Record<string, string> = { own: "your key", autocrypt: "from Autocrypt", wkd: "from their Web Key Directory", import: "imported", attachment: "from an attachment" };

function KeyLine({ k }: { k: KeyView }) {
  return (
    <span class="key">
      <strong>{k.address}</strong> <span class="muted">{sources[k.source] ?? k.source}</span>
      {k.locked && <span class="muted"> · locked</span>}
      {k.problem && <span class="error"> · {k.problem}</span>}
      <br />
      <code class="fingerprint">{k.display}</code>
    </span>
  );
}
