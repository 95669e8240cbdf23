// The "Try it with demo accounts" path of onboarding: the relay started by `make run` runs a
// sandbox of the three networks; demo.start adds its mailbox by the normal email flow.
import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { DemoPlan } from "./gen/api";

export function DemoButton({ core }: { core: CoreClient }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [plan, setPlan] = useState<DemoPlan | null>(null);
  if (plan) {
    return (
      <p class="muted" data-testid="demo-started">
        Demo mailbox {plan.email.address} added: its mail is arriving.
      </p>
    );
  }
  return (
    <div class="demo" data-testid="demo">
      <button
        type="button"
        class="primary"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            setPlan(await core.call("demo.start", {}));
          } catch (e) {
            setError(e instanceof Error ? e.message : String(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "Adding the demo accounts…" : "Try it with demo accounts"}
      </button>
      <p class="muted">A sandbox next to the relay plays a small world: mail, Mastodon and X messages keep arriving.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
