// Replying in a discussion. With a known contact alone, the reply may go out on every
// network where the user has an account and the contact an identity: the core ranks them by
// privacy, the most private is chosen by default and the form says why. With several people,
// or someone unknown, it stays on the network of the message answered. It goes through the
// core's durable outbox (it waits there while offline and is sent once). For email, the form
// shows before sending whether the reply will be encrypted.
import { useEffect, useState } from "preact/hooks";
import { DraftNote, Files, useDebounced, useDraftFiles } from "./compose";
import type { CoreClient } from "./core-client";
import type { AttachmentData, Channel, Message, ReplyChannelsView } from "./gen/api";
import { useI18n } from "./i18n";
import { PlanLine, useReplyPlan } from "./keys";
import { useAction } from "./use-action";

/** ReplyBox writes a reply to one message. */
export function ReplyBox({ core, parent }: { core: CoreClient; parent: Message | null }) {
  const { t } = useI18n();
  if (!parent) return <p class="muted">{t.discussion.noReplyTarget}</p>;
  return <ReplyForm key={parent.id} core={core} parent={parent} />;
}

/** channelKey names a channel: its account and its recipient. */
const channelKey = (c: Pick<Channel, "accountId" | "to">) => `${c.accountId} ${c.to.join(",")}`;

/** useReplyChannels asks the core which channels the reply may take, the default first. */
function useReplyChannels(core: CoreClient, parent: Message) {
  const [view, setView] = useState<ReplyChannelsView | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let gone = false;
    core
      .call("message.replyChannels", { messageId: parent.id })
      .then((v) => !gone && setView(v))
      .catch((e) => !gone && setError(e));
    return () => {
      gone = true;
    };
  }, [core, parent.id]);
  return { view, error };
}

function ReplyForm({ core, parent }: { core: CoreClient; parent: Message }) {
  const i18n = useI18n();
  const { t } = i18n;
  const channels = useReplyChannels(core, parent);
  const [chosen, setChosen] = useState<string | null>(null);
  const options = channels.view?.channels ?? [];
  const channel = options.find((c) => channelKey(c) === chosen) ?? options[0];
  // Where the reply goes: the parent's conversation, or another network's.
  const onParent = !channel || channel.accountId === parent.accountId;
  const network = channel?.network ?? parent.network;
  const [text, setText] = useState("");
  const [files, setFiles] = useState<AttachmentData[]>([]);
  // A Mastodon reply keeps the content warning of the message it answers, as Mastodon's own
  // client does; the user may change or remove it.
  const [warning, setWarning] = useState(parent.contentWarning ?? "");
  const mastodon = network === "mastodon";
  const email = network === "email";
  const [all, setAll] = useState(false);
  const [queued, setQueued] = useState(false);
  const [error, busy, run] = useAction();
  // Encryption: the plan of a reply to the parent, else the plan of the channel chosen.
  const parentPlan = useReplyPlan(core, parent);
  const [encryptElsewhere, setEncryptElsewhere] = useState(false);
  useEffect(() => setEncryptElsewhere(channel?.plan?.encrypt ?? false), [channel && channelKey(channel)]);
  const crypto = onParent ? parentPlan : { plan: channel?.plan ?? null, encrypt: encryptElsewhere, setEncrypt: setEncryptElsewhere };
  // The draft of this reply: given back when the discussion opens again, saved as you type,
  // with the channel chosen.
  const draftId = `reply:${parent.id}`;
  const [restored, setRestored] = useState(false);
  const [sealed, setSealed] = useState<string | null>(null);
  useEffect(() => {
    core
      .call("drafts.get", { id: draftId })
      .then((d) => {
        if (d.text) setText(d.text);
        if (d.all) setAll(true);
        if (d.attachments) setFiles(d.attachments);
        if (d.accountId && d.to?.length) setChosen(channelKey({ accountId: d.accountId, to: d.to }));
      })
      .catch(() => undefined)
      .finally(() => setRestored(true));
  }, [core, draftId]);
  const draftFiles = useDraftFiles(files);
  useDebounced(
    { text, all, chosen, files: draftFiles.key },
    600,
    (d) =>
      void core
        .call("drafts.save", {
          id: draftId,
          accountId: channel?.accountId ?? parent.accountId,
          to: channel?.to,
          text: d.text,
          all: d.all,
          attachments: draftFiles.current(),
        })
        .then((s) => setSealed(s.sealed))
        .catch(() => undefined),
    restored,
  );
  return (
    <form
      class="reply"
      data-testid="reply"
      data-network={network}
      aria-label={t.discussion.replyLabel}
      onSubmit={(e) => {
        e.preventDefault();
        setQueued(false);
        void run(async () => {
          await core.call("message.reply", {
            messageId: parent.id,
            text,
            all: email && onParent && all,
            encrypt: email && crypto.plan ? crypto.encrypt : undefined,
            contentWarning: mastodon ? warning : undefined,
            ...(onParent || !channel ? {} : { accountId: channel.accountId, to: channel.to }),
            attachments: email && files.length ? files : undefined,
          });
          await core.call("drafts.delete", { id: draftId });
          setText("");
          setFiles([]);
          setSealed(null);
          setQueued(true);
        });
      }}
    >
      <Channels view={channels.view} error={channels.error} chosen={channel} onParent={onParent} onChoose={(c) => setChosen(channelKey(c))} />
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
      <label for="reply-text">{t.discussion.replyOn(i18n.network(network))}</label>
      <textarea id="reply-text" rows={3} placeholder={t.discussion.replyPlaceholder} value={text} onInput={(e) => setText(e.currentTarget.value)} required />
      {email && <Files files={files} setFiles={setFiles} encrypted={!!crypto.plan && crypto.encrypt} testid="reply" />}
      {email && <PlanLine {...crypto} />}
      <div class="reply-actions">
        {email && onParent && (
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

/**
 * Channels offers the networks a reply may take, most private first, as a row of choices,
 * and says why the default is the default (or, once another is chosen, what it exposes).
 * With one channel only, it just says why.
 */
function Channels({
  view,
  error,
  chosen,
  onParent,
  onChoose,
}: {
  view: ReplyChannelsView | null;
  error: unknown;
  chosen?: Channel;
  onParent: boolean;
  onChoose: (c: Channel) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const r = t.replyChannel;
  if (error)
    return (
      <p class="error" role="alert" data-testid="reply-channels-error">
        {i18n.error(error)}
      </p>
    );
  if (!view) return <p class="muted">{r.loading}</p>;
  const best = view.channels[0];
  const isBest = !chosen || channelKey(chosen) === channelKey(best);
  const why = isBest
    ? (r.why[view.why.code] ?? (() => view.why.text))(view.why.params)
    : (t.content.reasons[chosen.why.code] ?? r.why[chosen.why.code] ?? (() => chosen.why.text))(chosen.why.params);
  return (
    <fieldset class="reply-channels" data-testid="reply-channels">
      <legend>{r.legend}</legend>
      {view.channels.length > 1 && (
        <div class="channel-choices">
          {view.channels.map((c, i) => (
            <label
              key={channelKey(c)}
              class="channel-choice"
              data-testid="reply-channel"
              data-network={c.network}
              data-recommended={String(i === 0)}
              data-rank={c.rank}
              title={r.to(c.to.map((u) => u.replace(/^[a-z]+:/, "")).join(", "))}
            >
              <input type="radio" name="reply-channel" checked={!!chosen && channelKey(chosen) === channelKey(c)} onChange={() => onChoose(c)} />
              <span>{i18n.network(c.network)}</span>
              {i === 0 && <span class="chip recommended">{r.recommended}</span>}
            </label>
          ))}
        </div>
      )}
      <p class="why muted" data-testid="reply-why" data-code={isBest ? view.why.code : chosen.why.code} aria-live="polite">
        {why} {!onParent && r.elsewhere}
      </p>
    </fieldset>
  );
}
