import { useEffect, useRef, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { DiscussionItem, DiscussionsArgs, DiscussionsPage } from "./gen/api";
import { useI18n } from "./i18n";
import { useLive } from "./live";

const PAGE = 50;
const NETWORKS = ["email", "mastodon", "x"];

type Filters = Pick<DiscussionsArgs, "archive" | "unread" | "network" | "account" | "text">;

/**
 * DiscussionList shows the discussions, most recent first, with filters and a search. Pages
 * load as the list scrolls to its end (only the pages seen are in the page), each a live
 * query of the core.
 */
export function DiscussionList({
  core,
  selected,
  onOpen,
}: {
  core: CoreClient;
  selected: string | null;
  onOpen: (key: string) => void;
}) {
  const [filters, setFilters] = useState<Filters>({});
  const key = JSON.stringify(filters);
  return (
    <>
      <FilterBar core={core} filters={filters} onChange={setFilters} />
      <Pages key={key} core={core} filters={filters} selected={selected} onOpen={onOpen} />
    </>
  );
}

function FilterBar({ core, filters, onChange }: { core: CoreClient; filters: Filters; onChange: (f: Filters) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const accounts = useLive(core, "accounts.list", {});
  const [text, setText] = useState(filters.text ?? "");
  // The search follows typing after a short pause (each change is a query of the core).
  useEffect(() => {
    const id = setTimeout(() => (text.trim() || undefined) !== filters.text && onChange({ ...filters, text: text.trim() || undefined }), 200);
    return () => clearTimeout(id);
  }, [text]);
  const set = (change: Filters) => onChange({ ...filters, ...change });
  return (
    <div class="filters" role="search" aria-label={t.list.filters}>
      <input
        type="search"
        id="search"
        data-testid="search"
        placeholder={t.list.search}
        aria-label={t.list.search}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <div class="filter-row">
        <label class="select">
          <span class="visually-hidden">{t.list.box}</span>
          <select data-testid="filter-box" value={filters.archive ? "archive" : ""} onChange={(e) => set({ archive: e.currentTarget.value === "archive" || undefined })}>
            <option value="">{t.list.inbox}</option>
            <option value="archive">{t.list.archive}</option>
          </select>
        </label>
        <label class="toggle">
          <input type="checkbox" data-testid="filter-unread" checked={!!filters.unread} onChange={(e) => set({ unread: e.currentTarget.checked || undefined })} />
          {t.list.unreadOnly}
        </label>
        <label class="select">
          <span class="visually-hidden">{t.list.network}</span>
          <select data-testid="filter-network" value={filters.network ?? ""} onChange={(e) => set({ network: e.currentTarget.value || undefined })}>
            <option value="">
              {t.list.all(t.list.network)}
            </option>
            {NETWORKS.map((n) => (
              <option key={n} value={n}>
                {i18n.network(n)}
              </option>
            ))}
          </select>
        </label>
        {accounts && accounts.accounts.length > 1 && (
          <label class="select">
            <span class="visually-hidden">{t.list.account}</span>
            <select data-testid="filter-account" value={filters.account ?? ""} onChange={(e) => set({ account: e.currentTarget.value || undefined })}>
              <option value="">
                {t.list.all(t.list.account)}
              </option>
              {accounts.accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.address}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
    </div>
  );
}

function Pages({ core, filters, selected, onOpen }: { core: CoreClient; filters: Filters; selected: string | null; onOpen: (key: string) => void }) {
  const { t, number } = useI18n();
  const [cursors, setCursors] = useState<string[]>([""]);
  const first = useLive(core, "discussions.page", { ...filters, after: "", limit: PAGE });
  const filtered = Object.values(filters).some((v) => v !== undefined);
  return (
    <>
      {first && (
        <p class="list-count muted" aria-live="polite">
          {t.list.total(first.total, number(first.total))}
        </p>
      )}
      <ul class="discussions" data-testid="discussion-list" data-total={first?.total ?? ""} aria-label={t.list.label}>
        {cursors.map((after, i) => (
          <Page
            key={after}
            core={core}
            args={{ ...filters, after, limit: PAGE }}
            first={i === 0 ? first : undefined}
            filtered={filtered}
            archive={!!filters.archive}
            selected={selected}
            onOpen={onOpen}
            onNext={i === cursors.length - 1 ? (next) => setCursors([...cursors, next]) : undefined}
          />
        ))}
      </ul>
    </>
  );
}

function Page({
  core,
  args,
  first,
  filtered,
  archive,
  selected,
  onOpen,
  onNext,
}: {
  core: CoreClient;
  args: DiscussionsArgs;
  first?: DiscussionsPage;
  filtered: boolean;
  archive: boolean;
  selected: string | null;
  onOpen: (key: string) => void;
  onNext?: (next: string) => void;
}) {
  const { t } = useI18n();
  // The first page is followed by the list itself (it also gives the total).
  const own = useLive(core, "discussions.page", args, args.after !== "");
  const page = args.after === "" ? first : own;
  if (!page) return <li class="muted loading">{t.list.loading}</li>;
  if (args.after === "" && page.items.length === 0)
    return (
      <li class="empty" data-testid="discussions-empty">
        {archive && Object.keys(args).every((k) => ["archive", "after", "limit"].includes(k) || args[k as keyof DiscussionsArgs] === undefined)
          ? t.list.emptyArchive
          : filtered
            ? t.list.emptyFiltered
            : t.list.empty}
      </li>
    );
  return (
    <>
      {page.items.map((d) => (
        <Item key={d.key} d={d} selected={selected === d.key} onOpen={onOpen} />
      ))}
      {page.next && onNext && <More onMore={() => onNext(page.next!)} />}
    </>
  );
}

/** More loads the next page when it scrolls into view, or when pressed. */
function More({ onMore }: { onMore: () => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !("IntersectionObserver" in window)) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onMore(), { rootMargin: "400px" });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  return (
    <li>
      <button ref={ref} class="more" data-testid="more" onClick={onMore}>
        {t.list.more}
      </button>
    </li>
  );
}

function Item({ d, selected, onOpen }: { d: DiscussionItem; selected: boolean; onOpen: (key: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const names = d.people.map((p) => p.name).join(", ") || t.list.onlyYou;
  return (
    <li>
      <a
        href={`#/d/${encodeURIComponent(d.key)}`}
        class={`discussion${d.unread ? " unread" : ""}${selected ? " selected" : ""}`}
        data-testid="discussion-item"
        data-key={d.key}
        data-unread={d.unread}
        data-flagged={d.flagged ?? 0}
        aria-current={selected ? "true" : undefined}
        onClick={(e) => {
          e.preventDefault();
          onOpen(d.key);
        }}
      >
        <span class="avatar" aria-hidden="true">
          {(names[0] ?? "?").toUpperCase()}
        </span>
        <span class="line1">
          <span class="names">{names}</span>
          {!!d.flagged && (
            <span class="star" role="img" aria-label={t.list.starred}>
              ★
            </span>
          )}
          <time dateTime={d.lastDate} title={i18n.dateLong(d.lastDate)}>
            {i18n.date(d.lastDate)}
          </time>
        </span>
        <span class="line2">
          <span class="snippet">{d.subject && d.snippet ? `${d.subject} — ${d.snippet}` : d.subject || d.snippet}</span>
          {d.unread > 0 && (
            <span class="badge" role="img" aria-label={t.list.unread(d.unread)}>
              {i18n.number(d.unread)}
            </span>
          )}
        </span>
        <span class="networks">
          {d.networks.map((n) => (
            <span class={`net net-${n}`} key={n}>
              {i18n.network(n)}
            </span>
          ))}
          <span class="count">{t.list.messages(d.count)}</span>
          {d.privacy && (
            <span class={`grade grade-${d.privacy.grade}`} data-testid="discussion-grade" role="img" aria-label={t.privacy.grade(d.privacy.grade)}>
              {d.privacy.grade}
            </span>
          )}
        </span>
      </a>
    </li>
  );
}
