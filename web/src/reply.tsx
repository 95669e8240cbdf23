// Replying in a discussion: the reply goes out on the network of the message it answers,
// through the core's durable outbox (it waits there while offline and is sent once). For
// email, the composer shows before sending whether the reply will be encrypted.
import { useEffect, useState } from "preact/hooks";
import { DraftNote, useDebounced } from "./compose";
import type { CoreClient } from "./core-client";
import type { Message } from "./gen/api";
import { useI18n } from "./i18n";
import { PlanLine, useReplyPlan } from "./keys";
import { useAction } from "./use-action";

/** ReplyBox writes a reply to one message, on that message's network. */
export function ReplyBox({ core, parent }: { core: CoreClient; parent: Message | null }) {
  const { t } = useI18n();
  if (!parent) return <p class="muted">{t.discussion.noReplyTarget}</p>;
  return <ReplyForm key={parent.id} core={core} parent={parent} />;
}

function ReplyForm({ core, parent }: { core: CoreClient; parent: Message }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [text, setText] = useState("");
  // A Mastodon reply keeps the content warning of the message it answers, as Mastodon's own
  // client does; the user may change or remove it.
  const [warning, setWarning] = useState(parent.contentWarning ?? "");
  const mastodon = parent.network === "mastodon";
  const [all, setAll] = useState(false);
  const [queued, setQueued] = useState(false);
  const [error, busy, run] = useAction();
  const crypto = useReplyPlan(core, parent);
  const email = parent.network === "email";
  // The draft of this reply: given back when the discussion opens again, saved as you type.
  const draftId = `reply:${parent.id}`;
  const [restored, setRestored] = useState(false);
  const [sealed, setSealed] = useState<string | null>(null);
  useEffect(() => {
    core
      .call("drafts.get", { id: draftId })
      .then((d) => {
        if (d.text) setText(d.text);
        if (d.all) setAll(true);
      })
      .catch(() => undefined)
      .finally(() => setRestored(true));
  }, [core, draftId]);
  useDebounced(
    { text, all },
    600,
    (d) =>
      void core
        .call("drafts.save", { id: draftId, accountId: parent.accountId, ...d })
        .then((s) => setSealed(s.sealed))
        .catch(() => undefined),
    restored,
  );
  return (
    <form
      class="reply"
      data-testid="reply"
      data-network={parent.network}
      aria-label={t.discussion.replyLabel}
      onSubmit={(e) => {
        e.preventDefault();
        setQueued(false);
        void run(async () => {
          await core.call("message.reply", {
            messageId: parent.id,
            text,
            all: email && all,
            encrypt: crypto.plan ? crypto.encrypt : undefined,
            contentWarning: mastodon ? warning : undefined,
          });
          await core.call("drafts.delete", { id: draftId });
          setText("");
          setSealed(null);
          setQueued(true);
        });
      }}
    >
      {mastodon && (
        <>
          <label for="reply-cw">{t.discussion.contentWarning}</label>
          <input
            id="reply-cw"
            type="text"
            data-testid="reply-cw"
            value={warning}
            onInput={(e) => setWarning(e.currentTarget.value)}
            aria-describedby={parent.contentWarning ? "reply-cw-kept" : undefined}
          />
          {parent.contentWarning && (
            <p id="reply-cw-kept" class="muted">
              {t.discussion.contentWarningKept}
            </p>
          )}
        </>
      )}
      <label for="reply-text">{t.discussion.replyOn(i18n.network(parent.network))}</label>
      <textarea id="reply-text" rows={3} placeholder={t.discussion.replyPlaceholder} value={text} onInput={(e) => setText(e.currentTarget.value)} required />
      {email && <PlanLine {...crypto} />}
      <div class="reply-actions">
        {email && (
          <label class="toggle">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} /> {t.discussion.replyAll}
          </label>
        )}
        <button class="primary" disabled={busy || !text.trim()}>
          {busy ? t.discussion.sending : t.discussion.send}
        </button>
      </div>
      <DraftNote sealed={sealed} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {queued && (
        <p class="muted" role="status" data-testid="reply-queued">
          {t.discussion.queued}
        </p>
      )}
    </form>
  );
}
