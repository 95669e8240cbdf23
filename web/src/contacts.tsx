// The contacts screen: the people behind the addresses, side by side with one contact's
// detail on a desktop and one at a time on a phone (like the inbox). A contact shows its
// addresses on every network with what the networks say of them, why the core thinks they are
// one person (the evidence, in words), its encryption keys, and lets the user separate an
// address or merge with another contact. Merge suggestions wait above the list, and the inbox
// shows how many (SuggestionsNotice). A contact is followed by one of its identities: merges
// and splits rename contacts but keep identities.
import { useEffect, useRef, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { ContactItem, ContactView, EvidenceView, IdentityView, SuggestionView } from "./gen/api";
import { useI18n, type I18n } from "./i18n";
import type { EvidenceWords } from "./i18n/en";
import { useLive } from "./live";
import { back, go } from "./router";
import { useAction } from "./use-action";
import "./contacts.css";

const PAGE = 50;

export function ContactsScreen({ core, selected }: { core: CoreClient; selected: string | null }) {
  const { t } = useI18n();
  const open = (identity: string) => go({ screen: "contacts", contact: identity }, selected !== null);
  return (
    <div class={selected ? "panes detail-open" : "panes"} data-testid="contacts">
      <section class="list-pane" aria-labelledby="contacts-title">
        <h2 id="contacts-title" class="pane-title">
          {t.contacts.title}
        </h2>
        <Suggestions core={core} onOpen={open} />
        <ContactList core={core} selected={selected} onOpen={open} />
      </section>
      <section class="detail-pane" aria-label={t.contacts.detail}>
        {selected ? <ContactDetail core={core} identity={selected} onOpen={open} /> : <p class="muted choose">{t.contacts.choose}</p>}
      </section>
    </div>
  );
}

/** SuggestionsNotice tells the inbox how many merge suggestions wait, and leads to them. */
export function SuggestionsNotice({ core }: { core: CoreClient }) {
  const { t } = useI18n();
  const s = useLive(core, "contacts.suggestions", {});
  if (!s || s.items.length === 0) return null;
  return (
    <a class="suggestions-notice" href="#/contacts" data-testid="suggestions-notice" data-count={s.items.length}>
      <PeopleIcon /> {t.contacts.notice(s.items.length)}
    </a>
  );
}

/** PeopleIcon is the contacts screen's icon (drawn: emoji fonts are not everywhere). */
export function PeopleIcon() {
  return (
    <svg viewBox="0 0 24 24" width="22" height="22" fill="currentColor" aria-hidden="true" focusable="false">
      <circle cx="9" cy="8" r="3.5" />
      <path d="M2 20c0-3.9 3.1-7 7-7s7 3.1 7 7z" />
      <circle cx="17" cy="9" r="2.8" />
      <path d="M16.6 13.2c3 .4 5.4 3 5.4 6.8h-4.4c0-2.6-.3-4.8-1-6.8z" />
    </svg>
  );
}

/** Failure says why the last action failed, if it did. */
function Failure({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** networkList names the networks of an item, "Email, Mastodon and X". */
function networkList(i18n: I18n, networks: string[]): string {
  return i18n.t.contacts.and(networks.map((n) => i18n.network(n)));
}

/** labels names every identity the contacts know, for sentences about evidence. */
function labels(i18n: I18n, contacts: { identities: IdentityView[] }[]): (uri: string) => string {
  const known = new Map<string, string>();
  for (const c of contacts) for (const id of c.identities) known.set(id.uri, `${id.address} (${i18n.network(id.network)})`);
  return (uri) => known.get(uri) ?? uri.replace(/^[a-z]+:/, "");
}

/** evidenceSentence words one piece of evidence in the user's language (else the core's English). */
function evidenceSentence(i18n: I18n, ev: EvidenceView, label: (uri: string) => string): string {
  const word = i18n.t.contacts.evidence[ev.kind];
  if (!word) return ev.explanation;
  const a = ev.facts.find((f) => f.identity)?.identity ?? ev.identities[0];
  const b = ev.identities.find((u) => u !== a) ?? ev.identities[1] ?? a;
  const value = ev.facts.find((f) => f.name === "fingerprint")?.value ?? ev.facts[0]?.value ?? "";
  const words: EvidenceWords = { a: label(a), b: label(b), all: i18n.t.contacts.and(ev.identities.map(label)), value };
  return word(words);
}

/** EvidenceList words each piece of evidence, then quotes the texts they rest on (a signature,
 * a profile), each once. */
function EvidenceList({ evidence, label }: { evidence: EvidenceView[]; label: (uri: string) => string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const quoted = new Map<string, { name: string; value: string }>();
  for (const ev of evidence) for (const f of ev.facts) if (t.contacts.facts[f.name]) quoted.set(`${f.name}\n${f.value}`, f);
  return (
    <>
      <ul class="evidence-list">
        {evidence.map((ev, i) => (
          <li key={i} class="evidence" data-testid="evidence" data-kind={ev.kind}>
            <span class={`ev-strength ev-strength-${ev.strength}`}>{t.contacts.strength[ev.strength] ?? ev.strength}</span>{" "}
            {evidenceSentence(i18n, ev, label)}
          </li>
        ))}
      </ul>
      {[...quoted.entries()].map(([k, f]) => (
        <figure key={k} class="fact">
          <figcaption>{t.contacts.facts[f.name]}</figcaption>
          <blockquote>{f.value}</blockquote>
        </figure>
      ))}
    </>
  );
}

function Suggestions({ core, onOpen }: { core: CoreClient; onOpen: (identity: string) => void }) {
  const { t } = useI18n();
  const s = useLive(core, "contacts.suggestions", {});
  if (!s || s.items.length === 0) return null;
  return (
    <section class="suggestions" aria-labelledby="suggestions-title" data-testid="suggestions">
      <h3 id="suggestions-title">{t.contacts.suggestions}</h3>
      <p class="muted">{t.contacts.suggestionsWhy}</p>
      <ul>
        {s.items.map((item) => (
          <Suggestion key={item.id} core={core} s={item} onOpen={onOpen} />
        ))}
      </ul>
    </section>
  );
}

function Suggestion({ core, s, onOpen }: { core: CoreClient; s: SuggestionView; onOpen: (identity: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [error, busy, run] = useAction();
  const label = labels(i18n, s.contacts);
  const [a, b, ...more] = s.contacts.map((c) => t.contacts.on(c.name, networkList(i18n, c.networks)));
  const other = t.contacts.and([b, ...more]);
  return (
    <li class="suggestion" data-testid="suggestion" data-id={s.id}>
      <p class="question">{t.contacts.maybe(a, other)}</p>
      <p class="because">{t.contacts.because}</p>
      <EvidenceList evidence={s.evidence} label={label} />
      <div class="actions">
        <button
          type="button"
          class="primary"
          data-testid="suggestion-accept"
          disabled={busy}
          aria-label={t.contacts.acceptLabel(a, other)}
          onClick={() =>
            run(async () => {
              const merged = await core.call("contacts.accept", { id: s.id });
              onOpen(merged.identity);
            })
          }
        >
          {t.contacts.accept}
        </button>
        <button
          type="button"
          class="secondary"
          data-testid="suggestion-dismiss"
          disabled={busy}
          aria-label={t.contacts.dismissLabel(a, other)}
          onClick={() => run(() => core.call("contacts.dismiss", { id: s.id }))}
        >
          {t.contacts.dismiss}
        </button>
      </div>
      <Failure error={error} />
    </li>
  );
}

function ContactList({ core, selected, onOpen }: { core: CoreClient; selected: string | null; onOpen: (identity: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  useEffect(() => {
    const id = setTimeout(() => setQuery(text.trim()), 200);
    return () => clearTimeout(id);
  }, [text]);
  return (
    <>
      <div class="filters" role="search" aria-label={t.contacts.search}>
        <input
          type="search"
          data-testid="contacts-search"
          placeholder={t.contacts.search}
          aria-label={t.contacts.search}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </div>
      <ContactPages key={query} core={core} text={query} selected={selected} onOpen={onOpen} />
    </>
  );
}

function ContactPages({
  core,
  text,
  selected,
  onOpen,
}: {
  core: CoreClient;
  text: string;
  selected: string | null;
  onOpen: (identity: string) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [cursors, setCursors] = useState<string[]>([""]);
  const first = useLive(core, "contacts.list", { text, limit: PAGE });
  return (
    <>
      {first && (
        <p class="list-count muted" aria-live="polite">
          {t.contacts.total(first.total, i18n.number(first.total))}
        </p>
      )}
      <ul class="contact-list" data-testid="contact-list" aria-label={t.contacts.label}>
        {!first && <li class="loading">{t.contacts.loading}</li>}
        {first && first.items.length === 0 && <li class="empty">{text ? t.contacts.emptyFiltered : t.contacts.empty}</li>}
        {cursors.map((after, i) => (
          <ContactPage
            key={after}
            core={core}
            text={text}
            after={after}
            first={i === 0 ? first : undefined}
            selected={selected}
            onOpen={onOpen}
            onNext={i === cursors.length - 1 ? (next) => setCursors([...cursors, next]) : undefined}
          />
        ))}
      </ul>
    </>
  );
}

function ContactPage({
  core,
  text,
  after,
  first,
  selected,
  onOpen,
  onNext,
}: {
  core: CoreClient;
  text: string;
  after: string;
  first?: { items: ContactItem[]; next?: string };
  selected: string | null;
  onOpen: (identity: string) => void;
  onNext?: (next: string) => void;
}) {
  const { t } = useI18n();
  const own = useLive(core, "contacts.list", { text, after, limit: PAGE }, after !== "");
  const page = after === "" ? first : own;
  if (!page) return null;
  return (
    <>
      {page.items.map((c) => (
        <ContactRow key={c.id} c={c} selected={!!selected && c.identities.some((i) => i.uri === selected)} onOpen={onOpen} />
      ))}
      {page.next && onNext && (
        <li>
          <button type="button" class="more" data-testid="contacts-more" onClick={() => onNext(page.next!)}>
            {t.contacts.more}
          </button>
        </li>
      )}
    </>
  );
}

function ContactRow({ c, selected, onOpen }: { c: ContactItem; selected: boolean; onOpen: (identity: string) => void }) {
  const i18n = useI18n();
  const identity = c.identities[0]?.uri ?? "";
  return (
    <li>
      <a
        href={`#/contacts/${encodeURIComponent(identity)}`}
        class={`contact-row${selected ? " selected" : ""}`}
        data-testid="contact-item"
        data-id={c.id}
        aria-current={selected ? "true" : undefined}
        onClick={(e) => {
          e.preventDefault();
          onOpen(identity);
        }}
      >
        <span class="avatar" aria-hidden="true">
          {initial(c.name)}
        </span>
        <span class="names">{c.name}</span>
        <span class="addresses muted">{c.identities.map((i) => i.address).join(" · ")}</span>
        <span class="networks">
          {c.networks.map((n) => (
            <span class={`net net-${n}`} key={n}>
              {i18n.network(n)}
            </span>
          ))}
        </span>
      </a>
    </li>
  );
}

/** initial is the first letter of a name (not half of an emoji). */
function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? "?").toUpperCase();
}

function ContactDetail({ core, identity, onOpen }: { core: CoreClient; identity: string; onOpen: (identity: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const view = useLive(core, "contacts.get", { identity });
  const headRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headRef.current?.focus({ preventScroll: true }), [identity]);
  const label = view ? labels(i18n, [view]) : (uri: string) => uri;
  return (
    <article class="contact-view" data-testid="contact-view" data-id={view?.id ?? ""} aria-labelledby="contact-title">
      <header class="detail-head">
        <button class="back" onClick={back} data-testid="back">
          <span aria-hidden="true">←</span> {t.contacts.title}
        </button>
        <h2 id="contact-title" tabIndex={-1} ref={headRef}>
          {view?.name || t.contacts.detail}
        </h2>
        {view && view.networks.length > 0 && <p class="muted">{t.contacts.networks(networkList(i18n, view.networks))}</p>}
      </header>
      {!view && <p class="muted">{t.contacts.loading}</p>}
      {view && !view.id && (
        <p class="muted" data-testid="contact-gone">
          {t.contacts.gone}
        </p>
      )}
      {view && view.id && (
        <>
          <section aria-labelledby="identities-title">
            <h3 id="identities-title">{t.contacts.identities}</h3>
            <ul class="identities">
              {view.identities.map((id) => (
                <Identity key={id.uri} core={core} contact={view} id={id} />
              ))}
            </ul>
          </section>
          <section aria-labelledby="why-title" data-testid="contact-why">
            <h3 id="why-title">{t.contacts.why}</h3>
            {view.evidence.length === 0 ? (
              <p class="muted">{t.contacts.whyNone}</p>
            ) : (
              <EvidenceList evidence={view.evidence} label={label} />
            )}
          </section>
          <section aria-labelledby="keys-title">
            <h3 id="keys-title">{t.contacts.keys}</h3>
            {view.keys.length === 0 ? (
              <p class="muted">{t.contacts.noKeys}</p>
            ) : (
              <ul class="key-list" data-testid="contact-keys">
                {view.keys.map((k) => (
                  <li key={k.fingerprint + k.address}>
                    {k.address} — {t.contacts.keySource[k.source] ?? k.source}
                    {k.verified && <strong> ✓ {t.contacts.keyVerified}</strong>}
                    {k.problem && <span class="error"> {k.problem}</span>}
                    <br />
                    <code class="fingerprint">{k.display}</code>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <MergeWith core={core} contact={view} onOpen={onOpen} />
        </>
      )}
    </article>
  );
}

function Identity({ core, contact, id }: { core: CoreClient; contact: ContactView; id: IdentityView }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [error, busy, run] = useAction();
  const p = id.profile;
  return (
    <li class="identity" data-testid="identity" data-uri={id.uri} data-network={id.network}>
      <div class="identity-head">
        <span class={`net net-${id.network}`}>{i18n.network(id.network)}</span>
        <span class="address">{id.address}</span>
        {contact.identities.length > 1 && (
          <button
            type="button"
            class="secondary"
            data-testid="split"
            disabled={busy}
            aria-label={t.contacts.splitLabel(id.address)}
            onClick={() => run(() => core.call("contacts.split", { contact: contact.id, identities: [id.uri] }))}
          >
            {t.contacts.split}
          </button>
        )}
      </div>
      {id.displayName && id.displayName !== contact.name && <p class="muted">{t.contacts.displayName(id.displayName)}</p>}
      {p?.note && (
        <p class="profile-note">
          <span class="muted">{t.contacts.note}: </span>
          {p.note}
        </p>
      )}
      {p?.fields && p.fields.length > 0 && (
        <dl class="fields">
          {p.fields.map((f, i) => (
            <div key={i}>
              <dt>{f.name}</dt>
              <dd>
                {f.url ? (
                  <a href={f.url} rel="noopener noreferrer nofollow" target="_blank">
                    {f.value}
                  </a>
                ) : (
                  f.value
                )}
                {f.verifiedAt && <span class="verified"> ✓ {t.contacts.verified(i18n.date(f.verifiedAt))}</span>}
              </dd>
            </div>
          ))}
        </dl>
      )}
      {p?.urls && p.urls.length > 0 && (
        <p>
          <span class="muted">{t.contacts.links}: </span>
          {p.urls.map((u) => (
            <a key={u} href={u} rel="noopener noreferrer nofollow" target="_blank" class="profile-link">
              {u}
            </a>
          ))}
        </p>
      )}
      {p?.signature && (
        <figure class="fact">
          <figcaption>{t.contacts.signature}</figcaption>
          <blockquote>{p.signature}</blockquote>
        </figure>
      )}
      <Failure error={error} />
    </li>
  );
}

function MergeWith({ core, contact, onOpen }: { core: CoreClient; contact: ContactView; onOpen: (identity: string) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState("");
  const [error, busy, run] = useAction();
  const query = text.trim();
  const found = useLive(core, "contacts.list", { text: query, limit: 6 }, query.length > 1);
  const others = (found?.items ?? []).filter((c) => c.id !== contact.id).slice(0, 5);
  return (
    <details class="merge-with" data-testid="merge-with">
      <summary>{t.contacts.mergeTitle}</summary>
      <p class="muted">{t.contacts.mergeWhy}</p>
      <input
        type="search"
        data-testid="merge-search"
        placeholder={t.contacts.mergeSearch}
        aria-label={t.contacts.mergeSearch}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      {query.length > 1 && (
        <ul class="merge-candidates">
          {others.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                class="secondary"
                data-testid="merge-candidate"
                disabled={busy}
                onClick={() =>
                  run(async () => {
                    const merged = await core.call("contacts.merge", { contacts: [contact.id, c.id] });
                    setText("");
                    onOpen(merged.identity);
                  })
                }
              >
                {t.contacts.mergeLabel(c.name, c.identities.map((i) => i.address).join(", "))}
              </button>
            </li>
          ))}
        </ul>
      )}
      <Failure error={error} />
    </details>
  );
}
