// The banners that are always in view when they apply: offline (the browser says so, or the
// relay does not answer), a new version of the app ready to load, and what could not be
// loaded.
import { useEffect, useState } from "preact/hooks";
import type { CoreClient } from "./core-client";
import { useI18n } from "./i18n";
import { retryFailed, useLiveFailures } from "./live";

/**
 * useReachable follows the network: the browser's online state and the relay's health. The
 * core hears each finding (core.network): when the network comes back it syncs and sends
 * what waits at once; while it is gone, the outbox tries nothing; when the page comes back
 * into view, connections are checked.
 */
export function useReachable(core: CoreClient, relayURL: string): { online: boolean; relay: boolean } {
  const [online, setOnline] = useState(navigator.onLine);
  const [relay, setRelay] = useState(true);
  useEffect(() => {
    let gone = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let relayOK = true;
    const check = async (visible = false) => {
      clearTimeout(timer);
      setOnline(navigator.onLine);
      if (!navigator.onLine) void core.call("core.network", { online: false }).catch(() => undefined);
      if (navigator.onLine) {
        const url = new URL("/healthz", relayURL);
        const sameOrigin = url.origin === location.origin;
        try {
          const r = await fetch(url, { cache: "no-store", mode: sameOrigin ? "same-origin" : "no-cors", signal: AbortSignal.timeout(8000) });
          relayOK = !sameOrigin || r.ok; // a cross-origin answer is opaque: that it came is enough
        } catch {
          relayOK = false;
        }
        if (!gone) setRelay(relayOK);
        void core.call("core.network", { online: navigator.onLine && relayOK, visible }).catch(() => undefined);
      }
      // Check often while something is wrong, rarely while all is well.
      if (!gone) timer = setTimeout(check, navigator.onLine && relayOK ? 60000 : 10000);
    };
    const onVisible = () => document.visibilityState === "visible" && void check(true);
    const onChange = () => void check();
    window.addEventListener("online", onChange);
    window.addEventListener("offline", onChange);
    document.addEventListener("visibilitychange", onVisible);
    void check();
    return () => {
      gone = true;
      clearTimeout(timer);
      window.removeEventListener("online", onChange);
      window.removeEventListener("offline", onChange);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [core, relayURL]);
  return { online, relay };
}

export function OfflineBanner({ core, relayURL }: { core: CoreClient; relayURL: string }) {
  const { t } = useI18n();
  const { online, relay } = useReachable(core, relayURL);
  if (online && relay) return null;
  return (
    <p class="banner offline" role="status" data-testid="offline-banner" data-why={online ? "relay" : "offline"}>
      {online ? t.status.relayDown : t.status.offline}
    </p>
  );
}

// Set when the user asked for the new version: the next change of controller reloads the
// page. (A first install also changes the controller, when the worker claims the page: that
// one must not reload.)
let switching = false;

/** useUpdate says when a new service worker waits, and how to switch to it. */
function useUpdate(): (() => void) | null {
  const [waiting, setWaiting] = useState<ServiceWorker | null>(null);
  useEffect(() => {
    if (!("serviceWorker" in navigator)) return;
    let reg: ServiceWorkerRegistration | undefined;
    const watch = (r: ServiceWorkerRegistration) => {
      reg = r;
      if (r.waiting && navigator.serviceWorker.controller) setWaiting(r.waiting);
      r.addEventListener("updatefound", () => {
        const sw = r.installing;
        sw?.addEventListener("statechange", () => {
          // A first install is not an update: only a worker that waits behind another is.
          if (sw.state === "installed" && navigator.serviceWorker.controller) setWaiting(sw);
        });
      });
    };
    // ready, not getRegistration: on a first visit the registration may not exist yet when
    // this runs, and a version deployed after it would then go unnoticed.
    void navigator.serviceWorker.ready.then(watch);
    // Look for a new version when the app comes back to the foreground, and hourly.
    const look = () => void reg?.update().catch(() => undefined);
    const onVisible = () => document.visibilityState === "visible" && look();
    document.addEventListener("visibilitychange", onVisible);
    const hourly = setInterval(look, 3600_000);
    const onController = () => switching && location.reload();
    navigator.serviceWorker.addEventListener("controllerchange", onController);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      clearInterval(hourly);
      navigator.serviceWorker.removeEventListener("controllerchange", onController);
    };
  }, []);
  if (!waiting) return null;
  return () => {
    switching = true;
    waiting.postMessage("skip-waiting");
  };
}

export function UpdateBanner() {
  const { t } = useI18n();
  const apply = useUpdate();
  if (!apply) return null;
  return (
    <p class="banner update" role="status" data-testid="update-banner">
      {t.status.update}{" "}
      <button class="primary" onClick={apply}>
        {t.status.reload}
      </button>
    </p>
  );
}

/** LoadFailedBanner says, in plain words, what a screen could not load, and asks again on demand. */
export function LoadFailedBanner() {
  const i18n = useI18n();
  const failed = useLiveFailures();
  if (failed.length === 0) return null;
  const [query, error] = failed[0];
  return (
    <p class="banner offline" role="alert" data-testid="load-failed-banner" data-query={query}>
      {i18n.t.status.loadFailed(i18n.error(error))}{" "}
      <button class="secondary" onClick={retryFailed}>
        {i18n.t.status.tryAgain}
      </button>
    </p>
  );
}
