// Adding an account: the choice of network, the Mastodon and X sign-ins through their consent
// pages, and the return from those pages. The words are in the catalogues (i18n, addAccount):
// X's pricing, 30-day and XChat notes live there only, as the UI is the only one to show them.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { useI18n } from "./i18n";
import { CALLBACK_PATH, consent, openConsentWindow } from "./oauth-popup";
import { useAction } from "./use-action";

const callbackURL = () => `${location.origin}${CALLBACK_PATH}`;

// The answer of a consent page arrives as this page's address. It is read once, at load, and
// the address cleaned at once (the code in it is single-use); the core finishes the sign-in
// once the vault is unlocked (the sign-in in progress is sealed in it).
let returned: string | null = null;
if (location.pathname === CALLBACK_PATH) {
  returned = location.href;
  history.replaceState(null, "", "/");
}

/** signInReturned says whether the page was loaded by the answer of a consent page. */
export function signInReturned(): boolean {
  return returned !== null;
}

/** FinishSignIn completes a sign-in the browser came back from, and says how it went. */
export function FinishSignIn({ core }: { core: CoreClient }) {
  const { t } = useI18n();
  const TEXT = t.addAccount;
  const [error, busy, run] = useAction();
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    const url = returned;
    if (!url) return;
    returned = null;
    void run(async () => {
      const a = await core.call("accounts.finishSignIn", { callbackUrl: url });
      setDone(TEXT.added(a.label || a.address));
    });
  }, [core]);
  if (!busy && !error && !done) return null;
  return (
    <div data-testid="finish-signin">
      {busy && <p class="muted">{TEXT.finishing}</p>}
      {done && <p data-testid="signin-done">{done}</p>}
      {error && (
        <p class="error" role="alert">
          {TEXT.failed(error)}
        </p>
      )}
    </div>
  );
}

/** finish completes a sign-in from the address its consent page came back to. */
export function finish(core: CoreClient, callbackUrl: string) {
  return core.call("accounts.finishSignIn", { callbackUrl });
}

type Network = "email" | "mastodon" | "x";

/** AddAccount offers the networks; email's form comes from the caller. */
export function AddAccount({ core, email }: { core: CoreClient; email: ComponentChildren }) {
  const i18n = useI18n();
  const [network, setNetwork] = useState<Network>("email");
  return (
    <div class="add-account" data-testid="add-account-form">
      <fieldset class="choice" role="radiogroup" aria-label={i18n.t.addAccount.choose}>
        {(["email", "mastodon", "x"] as const).map((n) => (
          <label class="inline" key={n}>
            <input type="radio" name="network" value={n} checked={network === n} onChange={() => setNetwork(n)} data-testid={`choose-${n}`} /> {i18n.network(n)}
          </label>
        ))}
      </fieldset>
      {network === "email" && email}
      {network === "mastodon" && <AddMastodon core={core} />}
      {network === "x" && <AddX core={core} />}
    </div>
  );
}

function AddMastodon({ core }: { core: CoreClient }) {
  const TEXT = useI18n().t.addAccount;
  const [instance, setInstance] = useState("");
  const [withToken, setWithToken] = useState(false);
  const [token, setToken] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  return (
    <form
      data-testid="add-mastodon"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          if (withToken) {
            const a = await core.call("accounts.mastodonToken", { instance, token });
            setToken("");
            setDone(TEXT.added(a.label || a.address));
            return;
          }
          const popup = openConsentWindow();
          try {
            const { authorizeUrl } = await core.call("accounts.mastodonSignIn", { instance, redirectUri: callbackURL() });
            const a = await finish(core, await consent(popup, authorizeUrl));
            setDone(TEXT.added(a.label || a.address));
          } finally {
            popup?.close();
          }
        });
      }}
    >
      <p class="muted">{TEXT.mastodonIntro}</p>
      <label>
        {TEXT.instance}
        <input value={instance} placeholder={TEXT.instancePlaceholder} onInput={(e) => setInstance(e.currentTarget.value)} required />
      </label>
      <label class="inline">
        <input type="checkbox" checked={withToken} onChange={(e) => setWithToken(e.currentTarget.checked)} /> {TEXT.useToken}
      </label>
      {withToken && (
        <label>
          {TEXT.token}
          <input type="password" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
        </label>
      )}
      {done && <p data-testid="signin-done">{done}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" disabled={busy}>
        {busy ? TEXT.opening : withToken ? TEXT.addWithToken : TEXT.continueMastodon}
      </button>
    </form>
  );
}

function AddX({ core }: { core: CoreClient }) {
  const TEXT = useI18n().t.addAccount;
  const [clientId, setClientId] = useState("");
  const [advanced, setAdvanced] = useState(false);
  const [apiBase, setApiBase] = useState("");
  const [caPem, setCaPem] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  return (
    <form
      data-testid="add-x"
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          const params = { clientId, redirectUri: callbackURL(), apiBase: advanced ? apiBase : undefined, caPem: advanced ? caPem : undefined };
          const popup = openConsentWindow();
          try {
            const { authorizeUrl } = await core.call("accounts.xSignIn", params);
            const a = await finish(core, await consent(popup, authorizeUrl));
            setDone(TEXT.added(a.label || a.address));
          } finally {
            popup?.close();
          }
        });
      }}
    >
      <p class="muted">{TEXT.xWhy}</p>
      <p class="muted">{TEXT.xPricing}</p>
      <ul class="muted notes">
        <li>{TEXT.x30Days}</li>
        <li>{TEXT.xChat}</li>
      </ul>
      <label>
        {TEXT.callbackLabel}
        <input readOnly value={callbackURL()} data-testid="x-callback" onFocus={(e) => e.currentTarget.select()} />
      </label>
      <label>
        {TEXT.clientId}
        <input value={clientId} onInput={(e) => setClientId(e.currentTarget.value)} required autocomplete="off" />
      </label>
      <label class="inline">
        <input type="checkbox" checked={advanced} onChange={(e) => setAdvanced(e.currentTarget.checked)} /> {TEXT.advanced}
      </label>
      {advanced && (
        <fieldset>
          <label>
            {TEXT.apiBase}
            <input type="url" value={apiBase} placeholder="https://api.x.com" onInput={(e) => setApiBase(e.currentTarget.value)} />
          </label>
          <label>
            {TEXT.caPem}
            <textarea rows={4} value={caPem} onInput={(e) => setCaPem(e.currentTarget.value)} />
          </label>
        </fieldset>
      )}
      {done && <p data-testid="signin-done">{done}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" disabled={busy}>
        {busy ? TEXT.opening : TEXT.continueX}
      </button>
    </form>
  );
}
