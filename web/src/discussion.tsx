import type { CoreClient } from "./core-client";
import type { Message } from "./gen/api";
import { networkLabel, shortDate } from "./format";
import { useLive } from "./live";

/** DiscussionView shows one discussion's messages from every network in time order. */
export function DiscussionView({ core, discussionKey, onClose }: { core: CoreClient; discussionKey: string; onClose: () => void }) {
  const view = useLive(core, "discussion.messages", { key: discussionKey });
  return (
    <article class="discussion-view" data-testid="discussion-view">
      <button class="back" onClick={onClose}>
        ← Discussions
      </button>
      {!view && <p class="muted">Loading…</p>}
      {view && (
        <ol class="messages">
          {view.messages.map((m) => (
            <MessageItem key={m.id} m={m} />
          ))}
        </ol>
      )}
    </article>
  );
}

function MessageItem({ m }: { m: Message }) {
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
    </li>
  );
}
