import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { Avatar } from "./avatar";
import "./discussions.css";
import type { CoreClient } from "./core-client";
import type { DiscussionItem, DiscussionsArgs, DiscussionsPage, TextMatch } from "./gen/api";
import { useI18n } from "./i18n";
import { useLive } from "./live";
import { TagChips } from "./tags";

const PAGE = 50;
const NETWORKS = ["email", "mastodon", "x"];
/** How far beyond the visible part of the list pages stay rendered, in pixels. */
const MARGIN = 1200;
/** The height a page is given before it was ever measured (a line is about 76 px). */
const PAGE_GUESS = PAGE * 76;

type Filters = Pick<DiscussionsArgs, "archive" | "unread" | "network" | "account" | "text" | "tag">;

/**
 * DiscussionList shows the discussions, most recent first, with filters and a search (of
 * names, subjects and the words of messages). Pages load as the list scrolls to its end;
 * only the pages near the visible part are rendered, each a live query of the core, the
 * others replaced by their height (useWindow).
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

/**
 * FilterBar is the search, then the filters: inline from 900 px, behind a button below (a
 * phone keeps one row for them).
 */
function FilterBar({ core, filters, onChange }: { core: CoreClient; filters: Filters; onChange: (f: Filters) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const accounts = useLive(core, "accounts.list", {});
  const tags = useLive(core, "tags.list", {});
  const [text, setText] = useState(filters.text ?? "");
  const [open, setOpen] = useState(false);
  // The search follows typing after a short pause (each change is a query of the core).
  useEffect(() => {
    const id = setTimeout(() => (text.trim() || undefined) !== filters.text && onChange({ ...filters, text: text.trim() || undefined }), 200);
    return () => clearTimeout(id);
  }, [text]);
  const set = (change: Filters) => onChange({ ...filters, ...change });
  const active = [filters.archive, filters.unread, filters.network, filters.account, filters.tag].filter(Boolean).length;
  return (
    <div class={`filters${open ? " open" : ""}`} role="search" aria-label={t.list.filters}>
      <div class="search-row">
        <input
          type="search"
          id="search"
          data-testid="search"
          placeholder={t.listView.searchShort}
          aria-label={t.list.search}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button
          type="button"
          class="filter-toggle"
          data-testid="filter-toggle"
          aria-expanded={open}
          aria-controls="filter-panel"
          data-active={active}
          onClick={() => setOpen(!open)}
        >
          {t.listView.filtersButton(active)} <span aria-hidden="true">▾</span>
        </button>
      </div>
      <div class="filter-row" id="filter-panel" data-testid="filter-panel">
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
            <option value="">{t.list.all(t.list.network)}</option>
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
              <option value="">{t.list.all(t.list.account)}</option>
              {accounts.accounts.map((a) => (
                <option key={a.id} value={a.id}>
                  {/* an X account's address is its numeric id: its label is the @handle */}
                  {a.label || a.address}
                </option>
              ))}
            </select>
          </label>
        )}
        {((tags && tags.items.length > 0) || filters.tag) && (
          <label class="select">
            <span class="visually-hidden">{t.list.tag}</span>
            <select data-testid="filter-tag" value={filters.tag ?? ""} onChange={(e) => set({ tag: e.currentTarget.value || undefined })}>
              <option value="">{t.list.allTags}</option>
              {filters.tag && !tags?.items.some((tag) => tag.name === filters.tag) && <option value={filters.tag}>{filters.tag}</option>}
              {tags?.items.map((tag) => (
                <option key={tag.name} value={tag.name}>
                  {tag.name}
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
  const list = useRef<HTMLUListElement>(null);
  const { shown, heights } = useWindow(list, cursors.length);
  return (
    <>
      {first && (
        <p class="list-count muted" aria-live="polite">
          {t.list.total(first.total, number(first.total))}
        </p>
      )}
      <ul ref={list} class="discussions" data-testid="discussion-list" data-total={first?.total ?? ""} aria-label={t.list.label}>
        {cursors.map((after, i) =>
          i >= shown[0] && i <= shown[1] ? (
            <Page
              key={after}
              index={i}
              core={core}
              args={{ ...filters, after, limit: PAGE }}
              first={i === 0 ? first : undefined}
              filtered={filtered}
              archive={!!filters.archive}
              selected={selected}
              onOpen={onOpen}
              onNext={i === cursors.length - 1 ? (next) => setCursors([...cursors, next]) : undefined}
            />
          ) : (
            <li key={after} class="page-spacer" aria-hidden="true" data-page={i} style={{ height: `${heights[i] ?? PAGE_GUESS}px` }} />
          ),
        )}
      </ul>
    </>
  );
}

/**
 * useWindow decides which pages of the list are rendered: those within MARGIN pixels of the
 * visible part of the screen (whichever element scrolls: the page on a phone, the list pane
 * on a desktop). It returns the first and last page to render and the heights measured of
 * the others, which keep their place. Every child of the list names its page (data-page).
 */
function useWindow(list: { current: HTMLUListElement | null }, pages: number) {
  const [shown, setShown] = useState<[number, number]>([0, 0]);
  const heights = useRef<number[]>([]);
  const measure = useRef(() => {});
  measure.current = () => {
    const ul = list.current;
    if (!ul) return;
    const top: number[] = [];
    const bottom: number[] = [];
    const spacer: boolean[] = [];
    for (const el of Array.from(ul.children) as HTMLElement[]) {
      const i = Number(el.dataset.page);
      if (Number.isNaN(i)) continue;
      const r = el.getBoundingClientRect();
      if (top[i] === undefined) top[i] = r.top;
      bottom[i] = r.bottom;
      spacer[i] = el.classList.contains("page-spacer");
    }
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < pages; i++) {
      if (top[i] === undefined) continue;
      if (!spacer[i]) heights.current[i] = bottom[i] - top[i]; // a rendered page: remember its height
      if (bottom[i] >= -MARGIN && top[i] <= window.innerHeight + MARGIN) {
        if (lo < 0) lo = i;
        hi = i;
      }
    }
    if (lo < 0) lo = hi = Math.max(0, pages - 1); // nothing measured yet: the newest page
    setShown((s) => (s[0] === lo && s[1] === hi ? s : [lo, hi]));
  };
  useEffect(() => {
    let frame = 0;
    const onScroll = () => {
      if (!frame) frame = requestAnimationFrame(() => ((frame = 0), measure.current()));
    };
    // Scrolling of any element (the list pane) reaches a capturing listener on the document.
    document.addEventListener("scroll", onScroll, { capture: true, passive: true });
    window.addEventListener("resize", onScroll);
    return () => {
      cancelAnimationFrame(frame);
      document.removeEventListener("scroll", onScroll, { capture: true });
      window.removeEventListener("resize", onScroll);
    };
  }, []);
  // A page added at the end is rendered at once; then what is near the view is measured.
  useLayoutEffect(() => setShown((s) => (s[1] >= pages - 1 ? s : [s[0], pages - 1])), [pages]);
  useEffect(() => measure.current());
  return { shown, heights: heights.current };
}

function Page({
  index,
  core,
  args,
  first,
  filtered,
  archive,
  selected,
  onOpen,
  onNext,
}: {
  index: number;
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
  if (!page)
    return (
      <li class="muted loading" data-page={index}>
        {t.list.loading}
      </li>
    );
  if (args.after === "" && page.items.length === 0)
    return (
      <li class="empty" data-testid="discussions-empty" data-page={index}>
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
        <Item key={d.key} core={core} page={index} d={d} selected={selected === d.key} onOpen={onOpen} />
      ))}
      {page.next && onNext && <More page={index} onMore={() => onNext(page.next!)} />}
    </>
  );
}

/** More loads the next page when it scrolls into view, or when pressed. */
function More({ page, onMore }: { page: number; onMore: () => void }) {
  const { t } = useI18n();
  const ref = useRef<HTMLButtonElement>(null);
  // The observer calls the latest onMore: the page's next cursor changes as it updates.
  const latest = useRef(onMore);
  latest.current = onMore;
  useEffect(() => {
    const el = ref.current;
    if (!el || !("IntersectionObserver" in window)) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && latest.current(), { rootMargin: "400px" });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  return (
    <li data-page={page}>
      <button ref={ref} class="more" data-testid="more" onClick={onMore}>
        {t.list.more}
      </button>
    </li>
  );
}

function Item({ core, page, d, selected, onOpen }: { core: CoreClient; page: number; d: DiscussionItem; selected: boolean; onOpen: (key: string) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const names = d.people.map((p) => p.name).join(", ") || t.list.onlyYou;
  const pictured = d.people.length === 1 ? d.people[0].avatar : undefined;
  return (
    <li data-page={page}>
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
        <Avatar core={core} uri={pictured} name={names} />
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
          {d.match ? <Passage match={d.match} /> : <span class="snippet">{d.subject && d.snippet ? `${d.subject} — ${d.snippet}` : d.subject || d.snippet}</span>}
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
          <TagChips tags={d.tags} />
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

/** Passage is where a search found its words in a message, those words marked. */
function Passage({ match }: { match: TextMatch }) {
  const { t } = useI18n();
  return (
    <span class="snippet match" data-testid="match" data-message={match.messageId}>
      <span class="visually-hidden">{t.listView.found}: </span>
      {match.parts.map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : p.text))}
    </span>
  );
}
