import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { Index, Message, MessageStateParams, MessageView, Topic } from "./gen/api";
import { useI18n, type I18n } from "./i18n";
import { SecurityBadge, SetupImport } from "./keys";
import { useLive } from "./live";
import { MessageBody } from "./message-body";
import { ReplyBox } from "./reply";
import { TagChips, TagPicker } from "./tags";
import { useAction } from "./use-action";

/**
 * DiscussionView shows one discussion's messages from every network in time order. Its email
 * topics (sub-threads, by References) can be shown one at a time: a row of topics above the
 * messages, and each email's subject opens its topic.
 */
export function DiscussionView({ core, discussionKey, onClose }: { core: CoreClient; discussionKey: string; onClose: () => void }) {
  const { t } = useI18n();
  const view = useLive(core, "discussion.messages", { key: discussionKey });
  const [replyTo, setReplyTo] = useState<string | null>(null);
  // Messages opened or closed by the user; the last one shown is open by default.
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const [topicId, setTopicId] = useState<string | null>(null);
  const [error, busy, run] = useAction();
  useMarkShownRead(core, discussionKey, view?.messages);
  const topics = view?.topics ?? [];
  const topicOf = new Map<string, Topic>();
  for (const tp of topics) for (const id of tp.messages) topicOf.set(id, tp);
  const topic = topics.find((tp) => tp.id === topicId);
  const shown = view ? (topic ? view.messages.filter((v) => topicOf.get(v.message.id) === topic) : view.messages) : [];
  // The reply answers the message chosen, else the last one received (of the topic shown).
  const target = view && (view.messages.find((v) => v.message.id === replyTo)?.message ?? lastIncoming(shown));
  const change = (params: Omit<MessageStateParams, "ids">, ids: string[], close = false) =>
    run(async () => {
      await core.call("messages.setState", { ids, ...params });
      if (close) onClose();
    });
  const chooseTopic = (id: string | null) => {
    setTopicId(id);
    setReplyTo(null);
  };
  return (
    <article class="discussion-view" data-testid="discussion-view" aria-labelledby="discussion-title">
      <header class="detail-head">
        <button class="back" onClick={onClose} data-testid="back">
          <span aria-hidden="true">←</span> {t.app.backToList}
        </button>
        <h2 id="discussion-title">{view ? title(view.messages, t) : t.discussion.label}</h2>
        {view && <TagChips tags={view.tags} />}
        {view && view.messages.length > 0 && (
          <Toolbar messages={view.messages} busy={busy} change={change}>
            <TagPicker core={core} discussionKey={discussionKey} tags={view.tags ?? []} />
          </Toolbar>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </header>
      {!view && <p class="muted">{t.discussion.loading}</p>}
      {view && topics.length > 1 && <Topics topics={topics} total={view.messages.length} chosen={topic} onChoose={chooseTopic} />}
      {view?.messages.some((v) => v.message.network === "x") && (
        <p class="muted x-limits" data-testid="x-limits">
          {t.setup.xLimits}
        </p>
      )}
      {view && (
        <ol class="messages">
          {shown.map((v, i) => (
            <MessageItem
              key={v.message.id}
              core={core}
              v={v}
              topic={topics.length > 1 ? topicOf.get(v.message.id) : undefined}
              onTopic={chooseTopic}
              open={open[v.message.id] ?? i === shown.length - 1}
              onToggle={(o) => setOpen({ ...open, [v.message.id]: o })}
              onReply={() => setReplyTo(v.message.id)}
              change={(params, close) => change(params, [v.message.id], close && view.messages.length === 1)}
            />
          ))}
        </ol>
      )}
      {view && <ReplyBox core={core} key={discussionKey} parent={target ?? null} />}
    </article>
  );
}

/**
 * Topics is the row of a discussion's email topics, the most recent first: All, then each
 * with its number of messages (and unread ones). One chosen shows its messages only.
 */
function Topics({ topics, total, chosen, onChoose }: { topics: Topic[]; total: number; chosen?: Topic; onChoose: (id: string | null) => void }) {
  const { t } = useI18n();
  return (
    <>
      <div class="topics" role="group" aria-label={t.topics.label} data-testid="topics">
        <button type="button" class="topic" data-testid="topic-all" aria-pressed={!chosen} onClick={() => onChoose(null)}>
          {t.topics.all(total)}
        </button>
        {topics.map((tp) => (
          <button
            type="button"
            key={tp.id}
            class={`topic${tp.unread ? " unread" : ""}`}
            data-testid="topic"
            data-topic={tp.id}
            aria-pressed={chosen?.id === tp.id}
            onClick={() => onChoose(tp.id)}
          >
            <span class={tp.subject ? "topic-subject subject" : "topic-subject"}>{tp.subject || t.topics.noSubject}</span>
            <span class="count" aria-hidden="true">
              {tp.messages.length}
            </span>
            <span class="visually-hidden">
              {t.topics.messages(tp.messages.length)}
              {tp.unread > 0 && `, ${t.topics.unread(tp.unread)}`}
            </span>
          </button>
        ))}
      </div>
      {chosen && (
        <p class="muted topic-note" data-testid="topic-note">
          {t.topics.showing}
        </p>
      )}
    </>
  );
}

type Change = (params: Omit<MessageStateParams, "ids">, ids: string[], close?: boolean) => Promise<void>;

/**
 * useMarkShownRead marks read what the discussion shows, as a mail app does when a message is
 * opened: on opening, and as new messages arrive while it is in view. A message shown once
 * and marked unread by the user stays unread.
 */
function useMarkShownRead(core: CoreClient, key: string, messages: MessageView[] | undefined) {
  const shown = useRef({ key, ids: new Set<string>() });
  const [visible, setVisible] = useState(document.visibilityState === "visible");
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", on);
    return () => document.removeEventListener("visibilitychange", on);
  }, []);
  if (shown.current.key !== key) shown.current = { key, ids: new Set() };
  useEffect(() => {
    if (!messages || !visible) return;
    const fresh = messages.filter((v) => !shown.current.ids.has(v.message.id));
    for (const v of fresh) shown.current.ids.add(v.message.id);
    const unread = fresh.filter((v) => !v.message.flags.seen).map((v) => v.message.id);
    if (unread.length > 0) void core.call("messages.setState", { ids: unread, seen: true }).catch((e: Error) => console.warn("mark read:", e.message));
  }, [core, key, messages, visible]);
}

/** Toolbar acts on the whole discussion: archive (or back to the inbox), delete, unread, star. */
function Toolbar({ messages, busy, change, children }: { messages: MessageView[]; busy: boolean; change: Change; children?: ComponentChildren }) {
  const { t } = useI18n();
  const msgs = messages.map((v) => v.message);
  const ids = msgs.map((m) => m.id);
  const archived = !msgs.some((m) => !m.box && !m.outgoing) && msgs.some((m) => m.box === "archive");
  const starred = msgs.filter((m) => m.flags.flagged).map((m) => m.id);
  const last = lastIncoming(messages);
  return (
    <div class="toolbar" role="toolbar" aria-label={t.actions.label}>
      {archived ? (
        <button class="action" data-testid="unarchive" disabled={busy} onClick={() => change({ move: "inbox" }, ids, true)}>
          <span aria-hidden="true">↩</span> {t.actions.toInbox}
        </button>
      ) : (
        <button class="action" data-testid="archive" disabled={busy} aria-keyshortcuts="e" onClick={() => change({ move: "archive" }, ids, true)}>
          <span aria-hidden="true">▣</span> {t.actions.archive}
        </button>
      )}
      <button class="action" data-testid="delete" disabled={busy} aria-keyshortcuts="#" onClick={() => change({ move: "trash" }, ids, true)}>
        <span aria-hidden="true">✕</span> {t.actions.delete}
      </button>
      <button
        class="action"
        data-testid="mark-unread"
        disabled={busy || !last}
        aria-keyshortcuts="u"
        onClick={() => last && change({ seen: false }, [last.id], true)}
      >
        <span aria-hidden="true">●</span> {t.actions.markUnread}
      </button>
      <button
        class="action"
        data-testid="star"
        disabled={busy || !last}
        aria-pressed={starred.length > 0}
        aria-keyshortcuts="s"
        onClick={() => (starred.length > 0 ? change({ flagged: false }, starred) : last && change({ flagged: true }, [last.id]))}
      >
        <span aria-hidden="true">{starred.length > 0 ? "★" : "☆"}</span> {starred.length > 0 ? t.actions.unstar : t.actions.star}
      </button>
      {children}
    </div>
  );
}

/** lastIncoming is the message a reply answers: the latest one the user did not write, else the latest. */
function lastIncoming(msgs: MessageView[]): Message | undefined {
  for (let i = msgs.length - 1; i >= 0; i--) if (!msgs[i].message.outgoing) return msgs[i].message;
  return msgs[msgs.length - 1]?.message;
}

/** people names the discussion after the senders other than the user. */
/** title names the discussion: a mailing list by its id, else the senders other than the
 * user (the first few, then how many more). */
function title(msgs: MessageView[], t: I18n["t"]): string {
  const list = msgs[0]?.message.listId;
  if (list && msgs.every((v) => v.message.listId === list)) return list;
  const names = new Set<string>();
  for (const v of msgs) if (!v.message.outgoing) names.add(senderName(v.message) ?? "");
  names.delete("");
  const all = [...names];
  if (all.length > 4) return t.listView.others(all.slice(0, 3).join(", "), all.length - 3);
  return all.join(", ") || t.discussion.you;
}

function senderName(m: Message): string | undefined {
  const from = m.participants.find((p) => p.role === "from");
  return from?.name || from?.uri.replace(/^[a-z]+:/, "");
}

function MessageItem({
  core,
  v,
  topic,
  onTopic,
  open,
  onToggle,
  onReply,
  change,
}: {
  core: CoreClient;
  v: MessageView;
  /** The email topic of the message, when the discussion has several. */
  topic?: Topic;
  onTopic: (id: string) => void;
  open: boolean;
  onToggle: (open: boolean) => void;
  onReply: () => void;
  change: (params: Omit<MessageStateParams, "ids">, close?: boolean) => Promise<void>;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const m = v.message;
  const seen = !!m.flags.seen;
  const flagged = !!m.flags.flagged;
  return (
    <li
      class={`message${m.outgoing ? " outgoing" : ""}${seen ? "" : " unread"}`}
      data-testid="message"
      data-network={m.network}
      data-open={String(open)}
      data-seen={String(seen)}
      data-flagged={String(flagged)}
    >
      <header>
        {!seen && <span class="dot" role="img" aria-label={t.actions.unread} />}
        {flagged && (
          <span class="star" role="img" aria-label={t.actions.starred}>
            ★
          </span>
        )}
        <span class="from">{m.outgoing ? t.discussion.you : senderName(m) || t.discussion.unknownSender}</span>
        <span class={`net net-${m.network}`}>{i18n.network(m.network)}</span>
        <time dateTime={m.date} title={i18n.dateLong(m.date)}>
          {i18n.date(m.date)}
        </time>
      </header>
      {m.subject && !m.contentWarning && (
        <p class="subject">
          {topic ? (
            <button type="button" class="link" data-testid="message-topic" title={t.topics.open(topic.subject || t.topics.noSubject)} onClick={() => onTopic(topic.id)}>
              {m.subject}
            </button>
          ) : (
            m.subject
          )}
        </p>
      )}
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
        <button class="link" data-testid="message-star" aria-pressed={flagged} onClick={() => change({ flagged: !flagged })}>
          {flagged ? t.actions.unstar : t.actions.star}
        </button>
        <button class="link" data-testid="message-seen" onClick={() => change({ seen: !seen })}>
          {seen ? t.actions.markUnread : t.actions.markRead}
        </button>
        <button class="link" data-testid="message-delete" onClick={() => change({ move: "trash" }, true)}>
          {t.actions.delete}
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
