// The outbox: what waits to go out (written offline, or while an account was unreachable),
// what is going out, what failed — to retry or cancel — and the last messages sent.
import type { CoreClient } from "./core-client";
import type { OutboxEntry } from "./gen/api";
import { useI18n } from "./i18n";
import { useLive } from "./live";
import { useAction } from "./use-action";

const pending = (e: OutboxEntry) => e.state === "queued" || e.state === "sending" || e.state === "failed";

/** OutboxChip shows in the top bar while something waits or failed; it opens the outbox. */
export function OutboxChip({ core }: { core: CoreClient }) {
  const { t } = useI18n();
  const view = useLive(core, "outbox.list", {});
  const waiting = view?.items.filter(pending) ?? [];
  if (waiting.length === 0) return null;
  const failed = waiting.filter((e) => e.state === "failed").length;
  return (
    <a class={`chip outbox-chip${failed ? " error" : ""}`} href="#/outbox" data-testid="outbox-chip" data-count={waiting.length}>
      {t.content.outboxCount(waiting.length)}
      {failed > 0 && ` · ${t.content.outboxFailedCount(failed)}`}
    </a>
  );
}

export function OutboxPanel({ core }: { core: CoreClient }) {
  const { t } = useI18n();
  const view = useLive(core, "outbox.list", {});
  return (
    <section class="card outbox" data-testid="outbox" aria-labelledby="outbox-title">
      <h2 id="outbox-title">{t.content.outbox}</h2>
      {view && view.items.length === 0 && <p class="muted">{t.content.outboxEmpty}</p>}
      <ul class="outbox-items">
        {view?.items.map((e) => <OutboxItem key={e.id} core={core} e={e} />)}
      </ul>
    </section>
  );
}

function OutboxItem({ core, e }: { core: CoreClient; e: OutboxEntry }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [error, busy, run] = useAction();
  return (
    <li class={`outbox-item state-${e.state}`} data-testid="outbox-item" data-state={e.state} data-network={e.network}>
      <p>
        <span class="state">{t.content.states[e.state] ?? e.state}</span> · <span class={`net net-${e.network}`}>{i18n.network(e.network)}</span> ·{" "}
        {t.content.outboxTo(e.to.join(", "))}
        {e.encrypted && ` · ${t.content.outboxEncrypted}`}
      </p>
      {e.subject && <p class="subject">{e.subject}</p>}
      {e.preview && <p class="muted preview">{e.preview}</p>}
      <p class="muted">
        <time dateTime={e.updatedAt}>{i18n.date(e.updatedAt)}</time>
        {e.attempts > 0 && ` · ${t.content.outboxAttempts(e.attempts)}`}
        {e.state === "queued" && e.attempts > 0 && e.nextAttempt && !e.deferred && ` · ${t.content.outboxNext(i18n.date(e.nextAttempt))}`}
      </p>
      {e.state === "queued" && e.deferred && e.nextAttempt ? (
        <p class="muted" data-testid="outbox-deferred">
          {t.content.outboxDeferred(i18n.date(e.nextAttempt))}
        </p>
      ) : (
        e.lastError &&
        e.state !== "sent" && (
          <p class="error" data-testid="outbox-error" data-code={e.lastErrorCode ?? ""}>
            {i18n.coded(e.lastErrorCode, e.lastErrorParams, t.unexpected(e.lastError))}
          </p>
        )
      )}
      {(e.state === "failed" || e.state === "queued") && (
        <div class="reply-actions">
          {e.state === "failed" && (
            <button class="primary" data-testid="outbox-retry" disabled={busy} onClick={() => run(() => core.call("outbox.retry", { id: e.id }))}>
              {t.content.retry}
            </button>
          )}
          <button class="secondary" data-testid="outbox-cancel" disabled={busy} onClick={() => run(() => core.call("outbox.cancel", { id: e.id }))}>
            {t.content.cancel}
          </button>
        </div>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
