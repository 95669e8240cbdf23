// The settings screen: language and theme, the accounts with their health (and what manages
// them), the relay, the passphrase and locking, and what the app is. Each section is one entry of SECTIONS; a feature adds its own (relay, keys, sync…).
import type { ComponentType } from "preact";
import { useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import type { CoreInfoResult } from "./gen/api";
import { LOCALES, CATALOGUES, useI18n } from "./i18n";
import { KeysPanel } from "./keys";
import { useLive } from "./live";
import { OutboxPanel } from "./outbox";
import { RelaySettings } from "./relay-settings";
import { setPrefs, usePrefs, type Prefs, type Theme } from "./prefs";
import { NewPassphrase, Setup, strength } from "./setup";
import { SyncSettings } from "./sync-settings";
import { TagsSettings } from "./tags";
import { useAction } from "./use-action";

export interface SectionProps {
  core: CoreClient;
  info: CoreInfoResult | null;
  readyMs: number;
  measured: boolean;
}

const SECTIONS: { id: string; Section: ComponentType<SectionProps> }[] = [
  { id: "appearance", Section: Appearance },
  { id: "accounts", Section: ({ core }) => <Setup core={core} /> },
  { id: "relay", Section: ({ core }) => <RelaySettings core={core} /> },
  { id: "keys", Section: ({ core }) => <KeysPanel core={core} /> },
  { id: "tags", Section: ({ core }) => <TagsSettings core={core} /> },
  { id: "sync", Section: ({ core }) => <SyncSettings core={core} /> },
  { id: "outbox", Section: ({ core }) => <OutboxPanel core={core} /> },
  { id: "remote", Section: RemoteSenders },
  { id: "security", Section: Security },
  { id: "about", Section: About },
];

export function Settings(props: SectionProps) {
  const { t } = useI18n();
  return (
    <div class="settings" data-testid="settings">
      <h2 class="screen-title">{t.settings.title}</h2>
      {SECTIONS.map(({ id, Section }) => (
        <Section key={id} {...props} />
      ))}
    </div>
  );
}

function Appearance() {
  const { t } = useI18n();
  const prefs = usePrefs();
  const themes: [Theme, string][] = [
    ["auto", t.settings.themeAuto],
    ["light", t.settings.themeLight],
    ["dark", t.settings.themeDark],
  ];
  return (
    <section class="card setup" aria-labelledby="appearance-title" data-testid="settings-appearance">
      <h2 id="appearance-title">{t.settings.appearance}</h2>
      <label>
        {t.settings.language}
        <select data-testid="language" value={prefs.language} onChange={(e) => setPrefs({ language: e.currentTarget.value as Prefs["language"] })}>
          <option value="auto">{t.settings.languageAuto}</option>
          {LOCALES.map((l) => (
            <option key={l} value={l} lang={l}>
              {CATALOGUES[l].langName}
            </option>
          ))}
        </select>
      </label>
      <fieldset class="choices">
        <legend>{t.settings.theme}</legend>
        {themes.map(([value, label]) => (
          <label class="toggle" key={value}>
            <input type="radio" name="theme" value={value} data-testid={`theme-${value}`} checked={prefs.theme === value} onChange={() => setPrefs({ theme: value })} />
            {label}
          </label>
        ))}
      </fieldset>
    </section>
  );
}

/** Security changes the vault's passphrase and locks the vault now, in every tab (the core tells the others). */
function Security({ core }: SectionProps) {
  const { t } = useI18n();
  const vault = useLive(core, "vault.status", {});
  const [error, busy, run] = useAction();
  const [lockError, locking, runLock] = useAction();
  const [old, setOld] = useState("");
  const [pass, setPass] = useState("");
  const [again, setAgain] = useState("");
  const [changed, setChanged] = useState(false);
  if (!vault?.unlocked) return null;
  return (
    <section class="card setup" aria-labelledby="security-title" data-testid="settings-security">
      <h2 id="security-title">{t.settings.securityTitle}</h2>
      <details data-testid="change-passphrase">
        <summary>{t.settings.changeTitle}</summary>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setChanged(false);
            if (pass !== again) return void run(() => Promise.reject(new Error(t.setup.differ)));
            void run(async () => {
              await core.call("vault.changePassphrase", { old, passphrase: pass });
              setOld("");
              setPass("");
              setAgain("");
              setChanged(true);
            });
          }}
        >
          <label>
            {t.settings.current}
            <input type="password" autocomplete="current-password" value={old} onInput={(e) => setOld(e.currentTarget.value)} required />
          </label>
          <NewPassphrase label={t.settings.newPassphrase} pass={pass} again={again} onPass={setPass} onAgain={setAgain} />
          <button class="primary" disabled={busy || strength(pass) === 0}>
            {t.settings.change}
          </button>
        </form>
      </details>
      {changed && (
        <p role="status" data-testid="passphrase-changed">
          {t.settings.changed}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h3>{t.settings.lockTitle}</h3>
      <p class="muted">{t.settings.lockWhy}</p>
      {lockError && (
        <p class="error" role="alert">
          {lockError}
        </p>
      )}
      <button class="secondary" data-testid="lock-now" disabled={locking} onClick={() => void runLock(() => core.call("vault.lock", {}))}>
        {locking ? t.settings.locking : t.settings.lockNow}
      </button>
    </section>
  );
}

/** RemoteSenders lists the senders whose mail loads its remote content, each with a way to stop. */
function RemoteSenders({ core }: SectionProps) {
  const { t } = useI18n();
  const senders = useLive(core, "remote.senders", {});
  const [error, busy, run] = useAction();
  if (!senders) return null;
  return (
    <section class="card setup" aria-labelledby="remote-title" data-testid="settings-remote">
      <h2 id="remote-title">{t.content.remoteSendersTitle}</h2>
      {senders.addresses.length === 0 ? (
        <p class="muted">{t.content.remoteSendersNone}</p>
      ) : (
        <>
          <p class="muted">{t.content.remoteSendersWhy}</p>
          <ul class="remote-senders">
            {senders.addresses.map((a) => (
              <li key={a} data-testid="remote-sender">
                {a}{" "}
                <button class="secondary" aria-label={t.content.stopRemoteFor(a)} disabled={busy} onClick={() => void run(() => core.call("remote.forgetSender", { address: a }))}>
                  {t.content.stopRemoteSender}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function About({ info, readyMs, measured }: SectionProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const st = info?.storage;
  return (
    <section class="card about" data-testid="core-status" data-state={info ? "ready" : "starting"} aria-labelledby="about-title">
      <h2 id="about-title">{t.about.title}</h2>
      {!info || !st ? (
        <p>{t.app.starting}</p>
      ) : (
        <dl class="facts">
          <dt>{t.about.core}</dt>
          <dd data-testid="core-version">
            {info.product} {info.version}
          </dd>
          <dt>{t.about.build}</dt>
          <dd data-testid="core-build">{info.build}</dd>
          <dt>{t.about.runtime}</dt>
          <dd>
            {info.goVersion} · {info.platform}
          </dd>
          <dt>{t.about.startedIn}</dt>
          <dd data-testid="core-ready-ms" data-ms={readyMs.toFixed(1)}>
            {t.about.ms(i18n.number(Math.round(readyMs)))}
          </dd>
          <dt>{t.about.storage}</dt>
          <dd data-testid="core-storage" data-available={String(st.available)} data-measured={String(measured)}>
            {!measured
              ? t.about.measuring
              : st.available
                ? t.about.used(st.backend, st.persistent ? t.about.kept : t.about.mayClear, i18n.bytes(st.usageBytes), i18n.bytes(st.quotaBytes))
                : t.about.unavailable(st.error ? i18n.coded(st.errorCode, st.errorParams, st.error) : t.about.unknownReason)}
          </dd>
        </dl>
      )}
    </section>
  );
}
