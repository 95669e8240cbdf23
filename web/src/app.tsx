import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { CoreInfoResult, CoreStatus } from "./gen/api";
import { AccountStatus } from "./account-status";
import { LoadFailedBanner, OfflineBanner, UpdateBanner } from "./banners";
import { ContactsScreen, PeopleIcon, SuggestionsNotice } from "./contacts";
import { DiscussionList } from "./discussions";
import { DiscussionView } from "./discussion";
import { useI18n } from "./i18n";
import { useLive } from "./live";
import { back, go, useRoute } from "./router";
import { Settings } from "./settings";
import { FinishSignIn } from "./add-account";
import { Setup } from "./setup";
import { Compose } from "./compose";
import { NewKeyNotice } from "./keys";
import { OutboxChip, OutboxPanel } from "./outbox";
import { Help, useShortcuts } from "./shortcuts";

type State =
  | { kind: "starting" }
  | { kind: "ready"; info: CoreInfoResult; readyMs: number; measured?: boolean }
  | { kind: "failed"; error: unknown };

const ICON = ICON_URL;

export function App({ core }: { core: CoreClient }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [state, setState] = useState<State>({ kind: "starting" });
  const [help, setHelp] = useState(false);
  const route = useRoute();
  useEffect(() => {
    // Show the app as soon as the core is up; the storage measures (core.info) follow.
    core.ready
      .then((info) => {
        setState({ kind: "ready", info, readyMs: core.readyMs ?? 0 });
        return core.call("core.info", {});
      })
      .then((info) => setState({ kind: "ready", info, readyMs: core.readyMs ?? 0, measured: true }))
      .catch((error: unknown) => setState({ kind: "failed", error }));
  }, [core]);
  useEffect(() => {
    document.documentElement.lang = i18n.locale;
  }, [i18n.locale]);
  const ready = state.kind === "ready";
  const status = useLive(core, "core.status", {}, ready);
  const vault = useLive(core, "vault.status", {}, ready);
  const open = route.screen === "inbox" ? route.discussion : null;
  // A vault to unlock is asked for even when the address names a discussion (the app
  // restarted on one): its prompt shows above it, and what is synced stays readable.
  const locked = !!vault?.exists && !vault.unlocked;
  // From 900 px the list and the discussion sit side by side (styles.css); onboarding then
  // shows where the discussion would.
  const wide = useMedia("(min-width: 900px)");
  const openDiscussion = (key: string) => go({ screen: "inbox", discussion: key }, open !== null);

  useShortcuts({
    move(delta) {
      const items = [...document.querySelectorAll<HTMLElement>('[data-testid="discussion-item"]')];
      if (items.length === 0) return;
      const at = items.findIndex((el) => el.dataset.key === open);
      const next = items[at < 0 ? 0 : Math.min(items.length - 1, Math.max(0, at + delta))];
      next.focus();
      next.scrollIntoView({ block: "nearest" });
      openDiscussion(next.dataset.key!);
    },
    reply: () => document.getElementById("reply-text")?.focus(),
    compose: () => go({ screen: "compose" }),
    search() {
      if (route.screen !== "inbox") go({ screen: "inbox", discussion: null });
      requestAnimationFrame(() => document.getElementById("search")?.focus());
    },
    act(action) {
      // The open discussion's own button: it knows what the action means there (archive, or
      // back to the inbox from the archive) and which messages it takes.
      const button = document.querySelector<HTMLButtonElement>(`.discussion-view [data-testid="${action}"]`);
      if (button && !button.disabled) button.click();
      else if (action === "archive") document.querySelector<HTMLButtonElement>('.discussion-view [data-testid="unarchive"]')?.click();
    },
    help: () => setHelp(true),
    escape() {
      if (help) return; // the dialog closes itself
      if (route.screen !== "inbox" || open) back();
    },
  });

  return (
    <div class={`shell${route.screen === "inbox" || route.screen === "contacts" ? " inbox" : ""}`}>
      <a class="skip-link" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        {t.app.skip}
      </a>
      <header class="topbar">
        <a class="brand" href="#/" onClick={(e) => (e.preventDefault(), go({ screen: "inbox", discussion: null }))}>
          <img src={ICON} alt="" width={32} height={32} />
          <h1>{t.app.title}</h1>
        </a>
        {status && <StatusChips status={status} />}
        {ready && <AccountStatus core={core} />}
        {ready && <OutboxChip core={core} />}
        <nav class="tools" aria-label={t.app.title}>
          {ready && vault?.exists && (
            <a class="icon" href="#/compose" data-testid="compose-button" aria-label={t.content.compose} title={t.content.compose}
              aria-current={route.screen === "compose" ? "page" : undefined}>
              <span aria-hidden="true">✎</span>
            </a>
          )}
          <button class="icon" data-testid="help-button" aria-label={t.app.help} title={t.app.help} onClick={() => setHelp(true)}>
            ?
          </button>
          <a
            class="icon"
            href="#/contacts"
            data-testid="contacts-button"
            aria-label={t.contacts.open}
            title={t.contacts.open}
            aria-current={route.screen === "contacts" ? "page" : undefined}
          >
            <PeopleIcon />
          </a>
          <a
            class="icon"
            href="#/settings"
            data-testid="settings-button"
            aria-label={t.app.settings}
            title={t.app.settings}
            aria-current={route.screen === "settings" ? "page" : undefined}
          >
            <span aria-hidden="true">⚙</span>
          </a>
        </nav>
      </header>
      <UpdateBanner />
      <LoadFailedBanner />
      <OfflineBanner core={core} relayURL={vault?.relayUrl || location.origin} />
      {vault?.unlocked && <FinishSignIn core={core} />}
      {vault?.unlocked && <NewKeyNotice core={core} />}
      {state.kind === "failed" && (
        <p class="card error" role="alert">
          {t.app.failed(i18n.error(state.error))}
        </p>
      )}
      <main id="main" tabIndex={-1}>
        {route.screen === "compose" && ready ? (
          <Compose core={core} onClose={back} />
        ) : route.screen === "outbox" && ready ? (
          <OutboxPanel core={core} />
        ) : route.screen === "settings" ? (
          <Settings core={core} info={ready ? state.info : null} readyMs={ready ? state.readyMs : 0} measured={ready && !!state.measured} />
        ) : route.screen === "contacts" ? (
          ready && <ContactsScreen core={core} selected={route.contact} />
        ) : (
          <>
            {ready && !wide && (!open || locked) && <Setup core={core} onboarding />}
            {ready && (
              <div class={open ? "panes detail-open" : "panes"}>
                <section class="list-pane" aria-label={t.list.label}>
                  <SuggestionsNotice core={core} />
                  <UserPrivacy core={core} />
                  <DiscussionList core={core} selected={open} onOpen={openDiscussion} />
                </section>
                <section class="detail-pane" aria-label={open ? t.discussion.label : t.app.title}>
                  {open ? (
                    <>
                      {locked && wide && <Setup core={core} onboarding />}
                      <DiscussionView core={core} discussionKey={open} onClose={back} />
                    </>
                  ) : (
                    <>
                      {wide && <Setup core={core} onboarding />}
                      <p class="muted choose">{t.discussion.choose}</p>
                    </>
                  )}
                </section>
              </div>
            )}
            {state.kind === "starting" && (
              <p class="muted starting" data-testid="starting">
                {t.app.starting}
              </p>
            )}
          </>
        )}
      </main>
      {help && <Help onClose={() => setHelp(false)} />}
    </div>
  );
}

/** useMedia follows a media query. */
function useMedia(query: string): boolean {
  const [matches, setMatches] = useState(() => matchMedia(query).matches);
  useEffect(() => {
    const mq = matchMedia(query);
    const on = () => setMatches(mq.matches);
    mq.addEventListener("change", on);
    on();
    return () => mq.removeEventListener("change", on);
  }, [query]);
  return matches;
}

function StatusChips({ status }: { status: CoreStatus }) {
  const i18n = useI18n();
  const { t } = i18n;
  const st = status.storage;
  return (
    <div class="chips" role="status">
      <span class="chip" data-testid="role" data-leader={String(status.leader)}>
        {status.leader ? t.status.leader : t.status.follower}
      </span>
      {!status.indexReady && <span class="chip">{t.status.loading}</span>}
      {status.error && <span class="chip error">{i18n.coded(status.errorCode, status.errorParams, status.error)}</span>}
      {!st.available && <span class="chip error">{t.status.noStorage(st.error ? i18n.coded(st.errorCode, st.errorParams, st.error) : t.about.unknownReason)}</span>}
    </div>
  );
}

/** UserPrivacy shows the user's own index and the actions that would raise it most. */
function UserPrivacy({ core }: { core: CoreClient }) {
  const { t, number, note } = useI18n();
  const report = useLive(core, "privacy.user", {});
  if (!report) return null;
  const actions = report.actions ?? [];
  return (
    <details class="user-privacy" data-testid="user-privacy" data-grade={report.index.grade}>
      <summary>
        <span class={`grade grade-${report.index.grade}`} role="img" aria-label={t.privacy.grade(report.index.grade)}>
          {report.index.grade}
        </span>{" "}
        {t.privacy.yours(report.index.score)}
        {actions.length > 0 && ` — ${note(actions[0].advice)}`}
      </summary>
      <ol class="actions">
        {actions.map((a) => (
          <li key={a.advice.code + a.advice.text}>
            {note(a.advice)} <span class="muted">({t.privacy.gain(number(Math.round(a.gain)))})</span>
          </li>
        ))}
      </ol>
    </details>
  );
}
