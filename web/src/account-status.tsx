// The accounts' state in the top bar, on every screen: an account syncing for the first time
// (with how far it came) or not healthy (with why, in plain words), each linking to its row in
// the settings. Nothing shows while all is well.
import type { CoreClient } from "./core-client";
import type { AccountView } from "./gen/api";
import { useI18n } from "./i18n";
import { useLive } from "./live";
import { go } from "./router";
import { healthText } from "./setup";
import "./accounts.css";

// Health codes that say an account works (another tab syncs it; Mastodon polls while its
// stream is down), and states that say it does not.
const WORKING = new Set(["other-tab", "stream-down"]);
const FAILING = new Set(["error", "retrying", "refused", "sign-in", "rate-limited"]);

/** needsAttention says whether an account is not healthy. */
export function needsAttention(a: AccountView): boolean {
  const code = a.health.code ?? "";
  return (code !== "" && !WORKING.has(code)) || FAILING.has(a.health.state);
}

/** showAccount opens the settings at an account's row. */
export function showAccount(id: string) {
  go({ screen: "settings" });
  const until = Date.now() + 3000;
  const look = () => {
    const row = document.getElementById(`account-${id}`);
    if (row) {
      row.scrollIntoView({ block: "center" });
      row.focus();
    } else if (Date.now() < until) requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

export function AccountStatus({ core }: { core: CoreClient }) {
  const i18n = useI18n();
  const S = i18n.t.accountStatus;
  const view = useLive(core, "accounts.list", {});
  if (!view) return null;
  const problems = view.accounts.filter(needsAttention);
  // The first sync that says how far it came shows first (a mailbox's, by folder).
  const counted = (a: AccountView) => (a.progress && a.progress.total > 0 ? 2 : a.progress && a.progress.done > 0 ? 1 : 0);
  const syncing = view.accounts.filter((a) => a.firstSync && !needsAttention(a)).sort((x, y) => counted(y) - counted(x));
  if (problems.length === 0 && syncing.length === 0) return null;
  const who = (a: AccountView) => a.label || a.address;
  const link = (a: AccountView) => (e: MouseEvent) => {
    e.preventDefault();
    showAccount(a.id);
  };
  return (
    <div class="account-status" data-testid="account-status" aria-label={S.label} role="group">
      {problems.length > 0 && (
        <span aria-live="polite">
          <a
            class="chip error"
            href="#/settings"
            data-testid="account-problem"
            data-account={problems.length === 1 ? problems[0].id : ""}
            title={S.open}
            onClick={link(problems[0])}
          >
            <span aria-hidden="true">⚠</span>
            <span>{problems.length === 1 ? S.problem(who(problems[0]), healthText(i18n, problems[0].health)) : S.problems(problems.length)}</span>
          </a>
        </span>
      )}
      {syncing.slice(0, problems.length > 0 ? 0 : 1).map((a) => {
        const p = a.progress;
        const known = p && p.total > 0 && p.done <= p.total;
        return (
          <a class="chip syncing" href="#/settings" key={a.id} data-testid="account-syncing" data-account={a.id} title={S.open} onClick={link(a)}>
            {known && <progress max={p.total} value={p.done} aria-label={S.progressLabel(who(a))} />}
            <span>
              {known
                ? S.syncing(who(a), p.folder, i18n.number(p.done), i18n.number(p.total))
                : p && p.done > 0
                  ? S.syncingCount(who(a), i18n.number(p.done))
                  : S.syncingStart(who(a))}
            </span>
          </a>
        );
      })}
    </div>
  );
}
