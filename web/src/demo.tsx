// The "Try it with demo accounts" path of onboarding: the relay started by `make run` runs a
// sandbox of the three networks. demo.start adds its mailbox by the normal email flow; then
// the demo encryption key is imported, and the Mastodon and X accounts are added through
// their real consent pages, in one popup window (see oauth-popup.ts).
import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { finish } from "./add-account";
import { useI18n } from "./i18n";
import { CALLBACK_PATH, consent, openConsentWindow } from "./oauth-popup";
import { useAction } from "./use-action";

// While the demo runs, onboarding stays on screen (it would fold away after the first account).
let running = false;
const listeners = new Set<(r: boolean) => void>();
function setRunning(r: boolean) {
  running = r;
  listeners.forEach((l) => l(r));
}

/** useDemoRunning says whether the demo accounts are being added. */
export function useDemoRunning(): boolean {
  const [r, setR] = useState(running);
  useEffect(() => {
    listeners.add(setR);
    return () => void listeners.delete(setR);
  }, []);
  return r;
}

type Step = "email" | "key" | "mastodon" | "x";

export function DemoButton({ core }: { core: CoreClient }) {
  const { t } = useI18n();
  const [step, setStep] = useState<Step | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  if (done) {
    return (
      <p class="muted" data-testid="demo-started">
        {done}
      </p>
    );
  }
  const start = () => {
    const popup = openConsentWindow(); // now, in the click: later it would be blocked
    setRunning(true);
    void run(async () => {
      try {
        const redirectUri = `${location.origin}${CALLBACK_PATH}`;
        setStep("email");
        const plan = await core.call("demo.start", {});
        setStep("key");
        await core.call("keys.import", { armored: plan.key, passphrase: plan.keyPassphrase });
        setStep("mastodon");
        const m = await core.call("accounts.mastodonSignIn", { instance: plan.mastodon.instance, redirectUri });
        await finish(core, await consent(popup, m.authorizeUrl));
        setStep("x");
        const x = await core.call("accounts.xSignIn", {
          clientId: plan.x.clientId,
          redirectUri,
          apiBase: plan.x.apiBase,
          caPem: plan.x.caPem,
          authorizeUrl: plan.x.authorizeUrl,
        });
        await finish(core, await consent(popup, x.authorizeUrl));
        setDone(t.setup.demoDone(plan.email.address));
      } finally {
        popup?.close();
        setStep(null);
        setRunning(false);
      }
    });
  };
  return (
    <div class="demo" data-testid="demo">
      <button type="button" class="primary" disabled={busy} onClick={start}>
        {busy ? t.setup.demoBusy : t.setup.demo}
      </button>
      <p class="muted" role="status" data-testid="demo-step">
        {step ? t.setup.demoStep[step] : t.setup.demoWhy}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
