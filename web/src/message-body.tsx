// A message's whole content: its text, or its HTML in a sandboxed frame that runs no script,
// has an opaque origin and a strict policy of its own; remote images stay blocked until the
// user allows them for this message (the core then gives back the HTML with its remote loads
// and their hosts, which the frame's policy names); the attachments, downloaded through the
// core, images shown with their description (alt text). A content warning hides the whole
// content until the reader opens it; sensitive media stay hidden until asked for.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { Attachment, BodyView, Message } from "./gen/api";
import { useI18n } from "./i18n";
import { AttachedKeys } from "./keys";
import { useAction } from "./use-action";

/** frameDoc is the frame's document: the sanitised HTML under a policy that allows inline
 * styles, data: images, and images from the allowed hosts only. */
export function frameDoc(html: string, hosts: string[]): string {
  const img = ["data:", ...hosts.map((h) => `https://${h}`)].join(" ");
  const csp = `default-src 'none'; img-src ${img}; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'`;
  return (
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="${csp}">` +
    `<meta name="referrer" content="no-referrer"></head>` +
    `<body style="margin:0.5rem;font-family:system-ui,sans-serif;line-height:1.4;color:#1b1b1f;background:#fff;overflow-wrap:anywhere">` +
    `${html}</body></html>`
  );
}

export function MessageBody({ core, message }: { core: CoreClient; message: Message }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [body, setBody] = useState<BodyView | null | "missing">(null);
  // Direct messages are a line or two: their text reads better than a framed page (the
  // formatted version stays one click away).
  const [asText, setAsText] = useState(message.network !== "email");
  const [revealed, setRevealed] = useState(false);
  const [error, busy, run] = useAction();
  const load = () =>
    core
      .call("message.body", { id: message.id })
      .then(setBody)
      .catch(() => setBody("missing"));
  useEffect(() => {
    setBody(null);
    void load();
  }, [core, message.id]);
  const warning = message.contentWarning;
  if (warning && !revealed) {
    return (
      <div class="body content-warning" data-testid="content-warning" role="note">
        <p>
          <span aria-hidden="true">⚠</span> {t.content.contentWarning(warning)}
        </p>
        <button class="secondary" data-testid="show-content" aria-expanded="false" onClick={() => setRevealed(true)}>
          {t.content.showContent}
        </button>
      </div>
    );
  }
  if (body === null) return <p class="muted">{t.content.bodyLoading}</p>;
  if (body === "missing") return <p class="muted">{message.snippet || t.content.bodyMissing}</p>;
  const facts = message.mail;
  const blocked = !body.remoteAllowed && (facts?.remoteBlocked ?? 0) > 0;
  // The sender's address, to allow their remote content for good (email only).
  const sender = message.network === "email" ? message.participants.find((p) => p.role === "from")?.uri.replace(/^email:/, "") : undefined;
  const html = body.html && !asText;
  return (
    <div class="body" data-testid="message-body">
      {warning && (
        <p class="content-warning" data-testid="content-warning-open">
          <span aria-hidden="true">⚠</span> {t.content.contentWarning(warning)}{" "}
          <button class="link" aria-expanded="true" onClick={() => setRevealed(false)}>
            {t.content.hideContent}
          </button>
        </p>
      )}
      {blocked && (
        <p class="remote-notice" data-testid="remote-blocked">
          {t.content.remoteBlocked(facts!.remoteBlocked!)} {(facts?.trackers ?? 0) > 0 && t.content.trackers(facts!.trackers!)}{" "}
          <button
            class="secondary"
            data-testid="show-remote"
            disabled={busy}
            onClick={() =>
              run(async () => {
                await core.call("message.allowRemote", { id: message.id });
                await load();
              })
            }
          >
            {t.content.showRemote}
          </button>{" "}
          {sender && (
            <button
              class="secondary"
              data-testid="show-remote-sender"
              disabled={busy}
              onClick={() =>
                run(async () => {
                  await core.call("message.allowRemoteSender", { id: message.id });
                  await load();
                })
              }
            >
              {t.content.showRemoteSender(sender)}
            </button>
          )}
        </p>
      )}
      {body.remoteAllowed && (body.remoteHosts ?? []).length > 0 && (
        <p class="muted remote-notice" data-testid="remote-shown" data-sender={body.remoteSender ?? ""}>
          {body.remoteSender ? t.content.remoteSenderShown(body.remoteSender, (body.remoteHosts ?? []).join(", ")) : t.content.remoteShown((body.remoteHosts ?? []).join(", "))}
          {body.remoteSender && (
            <>
              {" "}
              <button
                class="secondary"
                data-testid="stop-remote-sender"
                aria-label={t.content.stopRemoteFor(body.remoteSender)}
                disabled={busy}
                onClick={() =>
                  run(async () => {
                    await core.call("remote.forgetSender", { address: body.remoteSender! });
                    await load();
                  })
                }
              >
                {t.content.stopRemoteSender}
              </button>
            </>
          )}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {html ? (
        <iframe
          class="html-frame"
          data-testid="html-frame"
          title={t.content.htmlTitle(message.subject ?? "")}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          referrerpolicy="no-referrer"
          srcdoc={frameDoc(body.html!, body.remoteAllowed ? (body.remoteHosts ?? []) : [])}
        />
      ) : (
        <div class="body-text" data-testid="body-text">
          {body.text || message.snippet}
        </div>
      )}
      {body.html && body.text && (
        <button class="link" onClick={() => setAsText(!asText)}>
          {asText ? t.content.showHtml : t.content.showText}
        </button>
      )}
      {(body.notes ?? []).map((n) => (
        <p class="muted" key={n.code + n.text} data-testid="body-note" data-code={n.code}>
          {i18n.bodyNote(n)}
        </p>
      ))}
      {(body.attachments ?? []).length > 0 && <Attachments core={core} message={message} list={body.attachments!} />}
      {!message.outgoing && (body.attachments ?? []).some((a) => mayHoldKey(a)) && <AttachedKeys core={core} messageId={message.id} />}
    </div>
  );
}

function Attachments({ core, message, list }: { core: CoreClient; message: Message; list: Attachment[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [error, busy, run] = useAction();
  const [mediaShown, setMediaShown] = useState(!message.sensitive);
  // Images opened in place: their object URLs, released when the message closes.
  const [images, setImages] = useState<Record<string, string>>({});
  const opened = useRef<string[]>([]);
  useEffect(() => () => opened.current.forEach((u) => URL.revokeObjectURL(u)), []);
  const fetch = (a: Attachment) => core.call("message.attachment", { messageId: message.id, attachmentId: a.id });
  if (!mediaShown) {
    return (
      <section class="attachments sensitive" aria-label={t.content.attachments} data-testid="sensitive-media">
        <p>
          {t.content.sensitiveMedia}{" "}
          <button class="secondary" data-testid="show-media" onClick={() => setMediaShown(true)}>
            {t.content.showMedia}
          </button>
        </p>
      </section>
    );
  }
  return (
    <section class="attachments" aria-label={t.content.attachments}>
      <ul>
        {list.map((a) => (
          <li key={a.id} data-testid="attachment" data-unavailable={a.unavailable || undefined}>
            {a.unavailable ? (
              <span class="att-name">{a.name}</span>
            ) : (
              <button
                class="secondary"
                disabled={busy}
                aria-label={t.content.download(a.name)}
                onClick={() =>
                  run(async () => {
                    const got = await fetch(a);
                    saveBlob(base64Bytes(got.data), got.name, got.contentType);
                  })
                }
              >
                <span class="att-name">{a.name}</span>
              </button>
            )}{" "}
            <span class="muted">
              {a.contentType}
              {a.size > 0 && ` · ${i18n.bytes(a.size)}`}
            </span>
            {a.contentType.startsWith("image/") && !a.unavailable && !images[a.id] && (
              <>
                {" "}
                <button
                  class="secondary"
                  data-testid="show-image"
                  disabled={busy}
                  onClick={() =>
                    run(async () => {
                      const got = await fetch(a);
                      const url = URL.createObjectURL(new Blob([base64Bytes(got.data)], { type: got.contentType }));
                      opened.current.push(url);
                      setImages({ ...images, [a.id]: url });
                    })
                  }
                >
                  {t.content.showImage(a.name)}
                </button>
              </>
            )}
            {images[a.id] && <img class="att-image" data-testid="attachment-image" src={images[a.id]} alt={a.description || a.name} />}
            {a.description && <p class="muted alt-text">{t.content.altText(a.description)}</p>}
            {a.unavailable && (
              <p class="muted" data-testid="attachment-unavailable">
                {t.content.unavailable[a.unavailable] ?? a.unavailable}{" "}
                {message.network === "x" && message.conversationId && (
                  <a href={`https://x.com/messages/${encodeURIComponent(message.conversationId)}`} target="_blank" rel="noopener noreferrer">
                    {t.content.openOnX}
                  </a>
                )}
              </p>
            )}
          </li>
        ))}
      </ul>
      {busy && <p class="muted">{t.content.downloading}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/** mayHoldKey says whether an attachment may be an OpenPGP key (the core reads it to be sure). */
function mayHoldKey(a: Attachment): boolean {
  return a.contentType.toLowerCase() === "application/pgp-keys" || /\.(asc|key)$/i.test(a.name);
}

/** base64Bytes decodes the core's base64 (how JSON carries bytes). */
export function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** saveBlob offers bytes as a download under their name. */
function saveBlob(data: Uint8Array<ArrayBuffer>, name: string, type: string) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
