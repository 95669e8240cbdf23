import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { Index, MessageView } from "./gen/api";
import { networkLabel, shortDate } from "./format";
import { useLive } from "./live";
import { SecurityBadge } from "./keys";
import { ReplyBox } from "./reply";

/** DiscussionView shows one discussion's messages from every network in time order. */
export function DiscussionView({ core, discussionKey, onClose }: { core: CoreClient; discussionKey: string; onClose: () => void }) {
  const view = useLive(core, "discussion.messages", { key: discussionKey });
  const [replyTo, setReplyTo] = useState<string | null>(null);
  // The reply answers the message chosen, else the last one received.
  const parent = view && (view.messages.find((v) => v.message.id === replyTo) ?? [...view.messages].reverse().find((v) => !v.message.outgoing));
  return (
    <article class="discussion-view" data-testid="discussion-view">
      <button class="back" onClick={onClose}>
        ← Discussions
      </button>
      {!view && <p class="muted">Loading…</p>}
      {view && (
        <ol class="messages">
          {view.messages.map((v) => (
            <MessageItem key={v.message.id} v={v} onReply={() => setReplyTo(v.message.id)} />
          ))}
        </ol>
      )}
      {parent && <ReplyBox core={core} parent={parent.message} />}
    </article>
  );
}

function MessageItem({ v, onReply }: { v: MessageView; onReply: () => void }) {
  const m = v.message;
  const from = m.participants.find((p) => p.role === "from");
  return (
    <li class={`message${m.outgoing ? " outgoing" : ""}`} data-testid="message" data-network={m.network}>
      <header>
        <span class="from">{m.outgoing ? "You" : from?.name || from?.uri.replace(/^[a-z]+:/, "") || "Unknown sender"}</span>
        <span class={`net net-${m.network}`}>{networkLabel(m.network)}</span>
        <time dateTime={m.date}>{shortDate(m.date)}</time>
      </header>
      {m.subject && <p class="subject">{m.subject}</p>}
      <p class="snippet">{m.snippet}</p>
      <SecurityBadge security={m.security} />
      <PrivacyBadge index={v.privacy} />
      <button class="link" data-testid="reply-to" onClick={onReply}>
        Reply
      </button>
    </li>
  );
}

/** PrivacyBadge shows a message's grade; opened, each factor with its evidence and advice. */
export function PrivacyBadge({ index }: { index: Index }) {
  const advice = index.factors.flatMap((f) => f.advice ?? []);
  return (
    <details class="privacy" data-testid="privacy" data-grade={index.grade}>
      <summary>
        <span class={`grade grade-${index.grade}`} aria-label={`Privacy grade ${index.grade}, ${index.score} out of 100`}>
          {index.grade}
        </span>{" "}
        Privacy {index.score}/100{advice.length > 0 && ` · ${advice[0].text}`}
      </summary>
      {index.cap && <p class="cap">{index.cap.reason.text}</p>}
      <ul class="factors">
        {index.factors.map((f) => (
          <li key={f.id} data-factor={f.id}>
            <span class="pts">
              {f.earned}/{f.possible}
            </span>{" "}
            {f.evidence.map((e) => e.text).join(" ")}
            {(f.advice ?? []).map((a) => (
              <p class="advice" key={a.code}>
                → {a.text}
              </p>
            ))}
          </li>
        ))}
      </ul>
    </details>
  );
}
