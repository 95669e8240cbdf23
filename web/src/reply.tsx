// Replying in a discussion: the reply goes out on the network of the message it answers,
// through the core's durable outbox (it waits there while offline and is sent once).
import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { Message } from "./gen/api";
import { networkLabel } from "./format";
import { PlanLine, useReplyPlan } from "./keys";
import { useAction } from "./use-action";

const TEXT = {
  replyOn: (network: string) => `Reply on ${network}`,
  send: "Send",
  queued: "Queued: it goes out as soon as the account is connected.",
} as const;

/** ReplyBox writes a reply to one message. */
export function ReplyBox({ core, parent }: { core: CoreClient; parent: Message }) {
  const [text, setText] = useState("");
  const [queued, setQueued] = useState(false);
  const [error, busy, run] = useAction();
  const crypto = useReplyPlan(core, parent);
  const label = TEXT.replyOn(networkLabel(parent.network));
  return (
    <form
      class="reply"
      data-testid="reply"
      data-network={parent.network}
      onSubmit={(e) => {
        e.preventDefault();
        void run(async () => {
          await core.call("message.reply", { messageId: parent.id, text, encrypt: crypto.plan ? crypto.encrypt : undefined });
          setText("");
          setQueued(true);
        });
      }}
    >
      <label>
        {label}
        <textarea rows={3} value={text} onInput={(e) => (setText(e.currentTarget.value), setQueued(false))} required />
      </label>
      {parent.network === "email" && <PlanLine {...crypto} />}
      {queued && (
        <p class="muted" data-testid="reply-queued">
          {TEXT.queued}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button class="primary" disabled={busy || !text.trim()}>
        {TEXT.send}
      </button>
    </form>
  );
}
