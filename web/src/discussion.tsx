import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { Index, Message, MessageView } from "./gen/api";
import { useI18n } from "./i18n";
import { SecurityBadge, SetupImport } from "./keys";
import { useLive } from "./live";
import { MessageBody } from "./message-body";
import { ReplyBox } from "./reply";

/** DiscussionView shows one discussion's messages from every network in time order. */
export function DiscussionView({ core, discussionKey, onClose }: { core: CoreClient; discussionKey: string; onClose: () => void }) {
  const { t } = useI18n();
  const view = useLive(core, "discussion.messages", { key: discussionKey });
  const [replyTo, setReplyTo] = useState<string | null>(null);
  // Messages opened or closed by the user; the last one is open by default.
  const [open, setOpen] = useState<Record<string, boolean>>({});
  // The reply answers the message chosen, else the last one received.
  const target = view && (view.messages.find((v) => v.message.id === replyTo)?.message ?? lastIncoming(view.messages));
  return (
    <article class="discussion-view" data-testid="discussion-view" aria-labelledby="discussion-title">
      <header class="detail-head">
        <button class="back" onClick={onClose} data-testid="back">
          <span aria-hidden="true">←</span> {t.app.backToList}
        </button>
        <h2 id="discussion-title">{view ? people(view.messages, t.discussion.you) : t.discussion.label}</h2>
      </header>
      {!view && <p class="muted">{t.discussion.loading}</p>}
      {view && (
        <ol class="messages">
          {view.messages.map((v, i) => (
            <MessageItem
              key={v.message.id}
              core={core}
              v={v}
              open={open[v.message.id] ?? i === view.messages.length - 1}
              onToggle={(o) => setOpen({ ...open, [v.message.id]: o })}
              onReply={() => setReplyTo(v.message.id)}
            />
          ))}
        </ol>
      )}
      {view && <ReplyBox core={core} key={discussionKey} parent={target ?? null} />}
    </article>
  );
}

/** lastIncoming is the message a reply answers: the latest one the user did not write, else the latest. */
function lastIncoming(msgs: MessageView[]): Message | undefined {
  for (let i = msgs.length - 1; i >= 0; i--) if (!msgs[i].message.outgoing) return msgs[i].message;
  return msgs[msgs.length - 1]?.message;
}

/** people names the discussion after the senders other than the user. */
function people(msgs: MessageView[], you: string): string {
  const names = new Set<string>();
  for (const v of msgs) if (!v.message.outgoing) names.add(senderName(v.message) ?? "");
  names.delete("");
  return [...names].join(", ") || you;
}

function senderName(m: Message): string | undefined {
  const from = m.participants.find((p) => p.role === "from");
  return from?.name || from?.uri.replace(/^[a-z]+:/, "");
}

function MessageItem({
  core,
  v,
  open,
  onToggle,
  onReply,
}: {
  core: CoreClient;
  v: MessageView;
  open: boolean;
  onToggle: (open: boolean) => void;
  onReply: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const m = v.message;
  return (
    <li class={`message${m.outgoing ? " outgoing" : ""}`} data-testid="message" data-network={m.network} data-open={String(open)}>
      <header>
        <span class="from">{m.outgoing ? t.discussion.you : senderName(m) || t.discussion.unknownSender}</span>
        <span class={`net net-${m.network}`}>{i18n.network(m.network)}</span>
        <time dateTime={m.date} title={i18n.dateLong(m.date)}>
          {i18n.date(m.date)}
        </time>
      </header>
      {m.subject && !m.contentWarning && <p class="subject">{m.subject}</p>}
      {open ? (
        <MessageBody core={core} message={m} />
      ) : (
        <p class="snippet">{m.contentWarning ? t.content.contentWarning(m.contentWarning) : m.snippet}</p>
      )}
      <SecurityBadge security={m.security} />
      {m.security.setupMessage && !m.outgoing && <SetupImport core={core} messageId={m.id} />}
      <PrivacyBadge index={v.privacy} />
      <div class="message-actions">
        <button class="link" data-testid="expand" aria-expanded={open} onClick={() => onToggle(!open)}>
          {open ? t.content.collapse : t.content.expand}
        </button>
        <button class="link" data-testid="reply-to" onClick={onReply}>
          {t.discussion.replyTo}
        </button>
      </div>
    </li>
  );
}

/** PrivacyBadge shows a message's grade; opened, each factor with its evidence and advice. */
export function PrivacyBadge({ index }: { index: Index }) {
  const { t, note } = useI18n();
  const advice = index.factors.flatMap((f) => f.advice ?? []);
  return (
    <details class="privacy" data-testid="privacy" data-grade={index.grade}>
      <summary>
        <span class={`grade grade-${index.grade}`} role="img" aria-label={t.privacy.gradeScore(index.grade, index.score)}>
          {index.grade}
        </span>{" "}
        {t.privacy.score(index.score)}
        {advice.length > 0 && ` · ${note(advice[0])}`}
      </summary>
      {index.cap && <p class="cap">{note(index.cap.reason)}</p>}
      <ul class="factors">
        {index.factors.map((f) => (
          <li key={f.id} data-factor={f.id}>
            <span class="pts">{t.privacy.points(f.earned, f.possible)}</span> {f.evidence.map(note).join(" ")}
            {(f.advice ?? []).map((a) => (
              <p class="advice" key={a.code}>
                <span aria-hidden="true">→</span> {note(a)}
              </p>
            ))}
          </li>
        ))}
      </ul>
    </details>
  );
}
