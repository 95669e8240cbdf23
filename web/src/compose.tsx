// Writing a new message: recipients picked from the people the core knows or typed (an
// address or a handle), the channel chosen among those that reach everyone — by default the
// most private, each saying why (the core ranks them) — attachments for email, a draft saved
// as you type (sealed by the core) and given back when the composer opens again, and the
// message queued in the durable outbox on the chosen network.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { AttachmentData, Channel, ChannelsView, Recipient } from "./gen/api";
import { useI18n } from "./i18n";
import { PlanLine } from "./keys";
import { useAction } from "./use-action";

const DRAFT = "compose";

/** useDebounced calls fn with the latest value once it has not changed for ms. */
export function useDebounced<T>(value: T, ms: number, fn: (v: T) => void, enabled = true) {
  const first = useRef(true);
  useEffect(() => {
    if (!enabled) return;
    if (first.current) {
      first.current = false;
      return;
    }
    const id = setTimeout(() => fn(value), ms);
    return () => clearTimeout(id);
  }, [JSON.stringify(value), enabled]);
}

/**
 * useDraftFiles gives what a draft keeps of its attachments: a key that changes with them (their
 * names and sizes: their bytes are not compared at each key stroke), and the files themselves
 * as they are when the draft is saved.
 */
export function useDraftFiles(files: AttachmentData[]): { key: [string, number][]; current: () => AttachmentData[] | undefined } {
  const latest = useRef(files);
  latest.current = files;
  return { key: files.map((f) => [f.name, f.data.length]), current: () => (latest.current.length ? latest.current : undefined) };
}

/** DraftNote says how the last draft was kept. */
export function DraftNote({ sealed, files }: { sealed: string | null; files?: number }) {
  const { t } = useI18n();
  if (sealed === null) return null;
  return (
    <p class="muted draft-note" data-testid="draft-saved" data-sealed={sealed} data-files={files}>
      {t.content.draftSaved(t.content.draftSealed[sealed] ?? sealed)}
    </p>
  );
}

export function Compose({ core, onClose }: { core: CoreClient; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [to, setTo] = useState<string[]>([]);
  const [typed, setTyped] = useState("");
  const [bccText, setBccText] = useState("");
  const bcc = useDebouncedValue(bccList(bccText), 400);
  const [subject, setSubject] = useState("");
  const [text, setText] = useState("");
  const [files, setFiles] = useState<AttachmentData[]>([]);
  const [accountId, setAccountId] = useState("");
  const [restored, setRestored] = useState(false);
  const [locked, setLocked] = useState(false);
  const [sealed, setSealed] = useState<string | null>(null);
  const [queued, setQueued] = useState(false);
  const [error, busy, run] = useAction();
  const { view, channelsError } = useChannels(core, to, bcc);
  const suggestions = useSuggestions(core, typed);
  const channel = view?.channels.find((c) => c.accountId === accountId) ?? view?.channels[0];
  const [encrypt, setEncrypt] = useState(false);
  useEffect(() => setEncrypt(channel?.plan?.encrypt ?? false), [channel?.accountId, channel?.plan?.encrypt]);

  // The draft comes back when the composer opens.
  useEffect(() => {
    core
      .call("drafts.get", { id: DRAFT })
      .then((d) => {
        setLocked(!!d.locked);
        if (d.to) setTo(d.to);
        setBccText((d.bcc ?? []).join(", "));
        setSubject(d.subject ?? "");
        setText(d.text ?? "");
        setFiles(d.attachments ?? []);
        if (d.accountId) setAccountId(d.accountId);
      })
      .catch(() => undefined)
      .finally(() => setRestored(true));
  }, [core]);
  const draftFiles = useDraftFiles(files);
  const [filesLeftOut, setFilesLeftOut] = useState(false);
  const [savedFiles, setSavedFiles] = useState(0);
  useDebounced(
    { to, bcc, subject, text, accountId: channel?.accountId ?? "", files: draftFiles.key },
    600,
    ({ files: _, ...d }) => {
      const attachments = draftFiles.current();
      void core
        .call("drafts.save", { id: DRAFT, ...d, attachments })
        .then((s) => {
          setSealed(s.sealed);
          setFilesLeftOut(!!s.attachmentsLeftOut);
          setSavedFiles(s.attachmentsLeftOut ? 0 : (attachments?.length ?? 0));
        })
        .catch(() => undefined);
    },
    restored && !locked,
  );

  const add = (ref: string) => {
    const r = ref.trim();
    if (r && !to.includes(r)) setTo([...to, r]);
    setTyped("");
  };
  const email = channel?.network === "email";
  return (
    <section class="compose card" data-testid="compose" aria-labelledby="compose-title">
      <header class="detail-head">
        <button class="back" onClick={onClose} data-testid="back">
          <span aria-hidden="true">←</span> {t.app.backToList}
        </button>
        <h2 id="compose-title">{t.content.composeTitle}</h2>
      </header>
      {locked && <p class="muted">{t.content.draftLocked}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!channel) return;
          setQueued(false);
          void run(async () => {
            await core.call("message.send", {
              accountId: channel.accountId,
              to: channel.to,
              bcc: email && bcc.length ? bcc : undefined,
              subject: email ? subject : undefined,
              text,
              encrypt: email && channel.plan ? encrypt : undefined,
              attachments: email && files.length ? files : undefined,
              draftId: DRAFT,
            });
            setQueued(true);
            setTo([]);
            setBccText("");
            setSubject("");
            setText("");
            setFiles([]);
            setSealed(null);
          });
        }}
      >
        <fieldset class="recipients">
          <legend>{t.content.to}</legend>
          <ul class="chips-list">
            {to.map((ref, i) => (
              <li key={ref} class="recipient" data-testid="recipient">
                {view?.recipients[i]?.name ?? ref}
                <button type="button" class="icon small" aria-label={t.content.removeRecipient(view?.recipients[i]?.name ?? ref)} onClick={() => setTo(to.filter((r) => r !== ref))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
          <div class="add-recipient">
            <input
              id="compose-to"
              type="text"
              data-testid="compose-to"
              aria-label={t.content.to}
              aria-describedby="compose-to-hint"
              autocomplete="off"
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" || e.key === ",") {
                  e.preventDefault();
                  add(typed);
                }
              }}
            />
            <button type="button" class="secondary" onClick={() => add(typed)} disabled={!typed.trim()}>
              {t.content.addRecipient}
            </button>
          </div>
          <p id="compose-to-hint" class="muted hint">
            {t.content.toHint}
          </p>
          {typed.trim() && suggestions.length > 0 && (
            <ul class="suggestions" aria-label={t.content.suggestions} data-testid="suggestions">
              {suggestions.map((s) => (
                <li key={s.ref}>
                  <button type="button" class="suggestion" data-testid="suggestion" onClick={() => add(s.ref)}>
                    <strong>{s.name}</strong> <span class="muted">{s.identities.map((i) => i.label).join(" · ")}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
        <label class="bcc">
          {t.content.bcc}
          <input
            type="text"
            data-testid="compose-bcc"
            autocomplete="off"
            aria-describedby="compose-bcc-hint"
            value={bccText}
            onInput={(e) => setBccText(e.currentTarget.value)}
          />
        </label>
        <p id="compose-bcc-hint" class="muted hint">
          {t.content.bccHint}
        </p>

        {to.length > 0 && (
          <Channels view={view} error={channelsError} chosen={channel} onChoose={(c) => setAccountId(c.accountId)} />
        )}

        {email && (
          <label>
            {t.content.subject}
            <input type="text" data-testid="compose-subject" value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
          </label>
        )}
        <label>
          {t.content.text}
          <textarea data-testid="compose-text" rows={8} placeholder={t.content.textPlaceholder} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        {email && channel?.plan && <PlanLine plan={channel.plan} encrypt={encrypt} setEncrypt={setEncrypt} />}
        {email ? (
          <Files files={files} setFiles={setFiles} encrypted={encrypt} />
        ) : (
          channel && <p class="muted">{t.content.attachEmailOnly}</p>
        )}
        <div class="reply-actions">
          <button
            type="button"
            class="secondary"
            onClick={() =>
              run(async () => {
                await core.call("drafts.delete", { id: DRAFT });
                setTo([]);
                setSubject("");
                setText("");
                setFiles([]);
                setSealed(null);
              })
            }
          >
            {t.content.discard}
          </button>
          <button class="primary" data-testid="compose-send" disabled={busy || !channel || !text.trim()}>
            {busy ? t.content.sending : t.content.send}
          </button>
        </div>
        <DraftNote sealed={sealed} files={savedFiles} />
        {filesLeftOut && (
          <p class="muted" data-testid="draft-files-left-out">
            {t.content.draftFilesLeftOut}
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {queued && (
          <p class="muted" role="status" data-testid="compose-queued">
            {t.content.queued} <a href="#/outbox">{t.content.outbox}</a>
          </p>
        )}
      </form>
    </section>
  );
}

/** bccList reads the blind copies typed: addresses separated by commas or semicolons. */
function bccList(text: string): string[] {
  return text
    .split(/[,;]/)
    .map((a) => a.trim())
    .filter(Boolean);
}

/** useDebouncedValue follows value once it has not changed for ms. */
function useDebouncedValue<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const id = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(id);
  }, [key]);
  return settled;
}

/** useChannels asks the core how the recipients (and the blind copies, email only) can be
 * reached, most private first. */
function useChannels(core: CoreClient, to: string[], bcc: string[]) {
  const [view, setView] = useState<ChannelsView | null>(null);
  const [channelsError, setError] = useState<unknown>(null);
  const key = JSON.stringify([to, bcc]);
  useEffect(() => {
    let gone = false;
    setView(null);
    setError(null);
    if (to.length === 0) return;
    core
      .call("compose.channels", { to, bcc })
      .then((v) => !gone && setView(v))
      .catch((e) => !gone && setError(e));
    return () => {
      gone = true;
    };
  }, [core, key]);
  return { view, channelsError };
}

/** useSuggestions finds people as the user types (debounced). */
function useSuggestions(core: CoreClient, text: string): Recipient[] {
  const [people, setPeople] = useState<Recipient[]>([]);
  useEffect(() => {
    const q = text.trim();
    if (!q) return setPeople([]);
    let gone = false;
    const id = setTimeout(() => {
      core
        .call("compose.suggest", { text: q, limit: 6 })
        .then((s) => !gone && setPeople(s.people))
        .catch(() => undefined);
    }, 150);
    return () => {
      gone = true;
      clearTimeout(id);
    };
  }, [core, text]);
  return people;
}

function Channels({ view, error, chosen, onChoose }: { view: ChannelsView | null; error: unknown; chosen?: Channel; onChoose: (c: Channel) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (error)
    return (
      <p class="error" role="alert" data-testid="channels-error">
        {i18n.error(error)}
      </p>
    );
  if (!view) return <p class="muted">{t.content.channelsLoading}</p>;
  if (view.channels.length === 0)
    return (
      <div data-testid="no-channel">
        <p class="error">{t.content.noChannel}</p>
        <ul class="muted">
          {(view.unreachable ?? []).map((r) => (
            <li key={r.code + r.text}>{(t.content.reasons[r.code] ?? (() => r.text))(r.params)}</li>
          ))}
        </ul>
      </div>
    );
  return (
    <fieldset class="channels" data-testid="channels">
      <legend>{t.content.channel}</legend>
      {view.channels.map((c, i) => (
        <label key={c.accountId} class="channel" data-testid="channel" data-network={c.network} data-encrypted={String(c.encrypted)} data-rank={c.rank}>
          <input type="radio" name="channel" checked={chosen?.accountId === c.accountId} onChange={() => onChoose(c)} />
          <span>
            <strong>{i18n.network(c.network)}</strong> <span class="muted">{t.content.from(c.from)}</span>
            {i === 0 && <span class="chip recommended">{t.content.recommended}</span>}
            <br />
            <span class="why" data-code={c.why.code}>
              {(t.content.reasons[c.why.code] ?? (() => c.why.text))(c.why.params)}
            </span>{" "}
            <span class="muted">({t.content.rank(c.rank)})</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/** Files picks attachments for an email and reads them for the core (testid names its parts: compose-files, reply-files…). */
export function Files({
  files,
  setFiles,
  encrypted,
  testid = "compose",
}: {
  files: AttachmentData[];
  setFiles: (f: AttachmentData[]) => void;
  encrypted: boolean;
  testid?: string;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  return (
    <div class="files">
      <label class="file-pick">
        {t.content.attach}
        <input
          type="file"
          multiple
          data-testid={`${testid}-files`}
          onChange={async (e) => {
            const input = e.currentTarget;
            const picked = await Promise.all([...(input.files ?? [])].map(readFile));
            setFiles([...files, ...picked]);
            input.value = "";
          }}
        />
      </label>
      {files.length > 0 && (
        <ul class="attachments" data-testid={`${testid}-attachments`}>
          {files.map((f, i) => (
            <li key={f.name + i}>
              {f.name} <span class="muted">{i18n.bytes((f.data.length * 3) / 4)}</span>{" "}
              <button type="button" class="icon small" aria-label={t.content.removeAttachment(f.name)} onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          ))}
          {encrypted && <li class="muted">{t.content.encryptedInside}</li>}
        </ul>
      )}
    </div>
  );
}

/** readFile reads a picked file as the core takes bytes: base64. */
function readFile(f: File): Promise<AttachmentData> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve({ name: f.name, contentType: f.type || "application/octet-stream", data: String(r.result).replace(/^data:[^,]*,/, "") });
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });
}
