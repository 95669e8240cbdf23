import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { DiscussionItem, DiscussionsPage } from "./gen/api";
import { networkLabel, shortDate } from "./format";
import { useLive } from "./live";

const PAGE = 50;

/** DiscussionList shows the discussions, most recent first, one page at a time. */
export function DiscussionList({ core, selected, onOpen }: { core: CoreClient; selected: string | null; onOpen: (key: string) => void }) {
  const [pages, setPages] = useState<string[]>([""]);
  const first = useLive(core, "discussions.page", { after: "", limit: PAGE });
  return (
    <div>
      <ul class="discussions" data-testid="discussion-list" data-total={first?.total ?? ""}>
        {pages.map((after, i) => (
          <Page
            key={after}
            core={core}
            after={after}
            first={i === 0 ? first : undefined}
            selected={selected}
            onOpen={onOpen}
            onNext={i === pages.length - 1 ? (next) => setPages([...pages, next]) : undefined}
          />
        ))}
      </ul>
    </div>
  );
}

function Page({
  core,
  after,
  first,
  selected,
  onOpen,
  onNext,
}: {
  core: CoreClient;
  after: string;
  first?: DiscussionsPage;
  selected: string | null;
  onOpen: (key: string) => void;
  onNext?: (next: string) => void;
}) {
  // The first page is followed by the list itself (it also shows the total).
  const own = useLive(core, "discussions.page", { after, limit: PAGE }, after !== "");
  const page = after === "" ? first : own;
  if (!page) return <li class="muted">Loading…</li>;
  if (after === "" && page.items.length === 0)
    return (
      <li class="empty" data-testid="discussions-empty">
        No discussions yet. Add an account to see your messages here.
      </li>
    );
  return (
    <>
      {page.items.map((d) => (
        <Item key={d.key} d={d} selected={selected === d.key} onOpen={onOpen} />
      ))}
      {page.next && onNext && (
        <li>
          <button class="more" onClick={() => onNext(page.next!)}>
            Show older discussions
          </button>
        </li>
      )}
    </>
  );
}

function Item({ d, selected, onOpen }: { d: DiscussionItem; selected: boolean; onOpen: (key: string) => void }) {
  const names = d.people.map((p) => p.name).join(", ") || "(only you)";
  return (
    <li>
      <button
        class={`discussion${d.unread ? " unread" : ""}${selected ? " selected" : ""}`}
        data-testid="discussion-item"
        data-key={d.key}
        aria-current={selected ? "true" : undefined}
        onClick={() => onOpen(d.key)}
      >
        <span class="avatar" aria-hidden="true">
          {(names[0] ?? "?").toUpperCase()}
        </span>
        <span class="line1">
          <span class="names">{names}</span>
          <time dateTime={d.lastDate}>{shortDate(d.lastDate)}</time>
        </span>
        <span class="line2">
          <span class="snippet">{d.subject ? `${d.subject} — ${d.snippet}` : d.snippet}</span>
          {d.unread > 0 && <span class="badge" aria-label={`${d.unread} unread`}>{d.unread}</span>}
        </span>
        <span class="networks">
          {d.networks.map((n) => (
            <span class={`net net-${n}`} key={n}>
              {networkLabel(n)}
            </span>
          ))}
          <span class="count">{d.count === 1 ? "1 message" : `${d.count} messages`}</span>
          {d.privacy && (
            <span class={`grade grade-${d.privacy.grade}`} data-testid="discussion-grade" aria-label={`Privacy grade ${d.privacy.grade}`}>
              {d.privacy.grade}
            </span>
          )}
        </span>
      </button>
    </li>
  );
}
