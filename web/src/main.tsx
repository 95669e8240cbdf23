// The page's entry point: start the core in its worker, elect the tab that syncs, register
// the service worker, show the app.
import { closingPopup } from "./oauth-popup"; // first: a sign-in popup's return stops here
import { render } from "preact";
import { App } from "./app";
import { CoreClient } from "./core-client";
import { captureFragment } from "./fragment";
import { applyTheme } from "./prefs";
import "./styles.css";

if (!closingPopup) start();

function start() {
  captureFragment(); // before routing: a token or pairing code is not a route
  applyTheme();
  const core = new CoreClient(WORKER_URL);
  // Exposed for end-to-end tests and benchmarks (read-only use).
  (window as unknown as { caliopen: unknown }).caliopen = { core, version: APP_VERSION };

  // One tab leads: it owns network connections and sync writes. The Web Locks API hands the
  // lock to the next waiting tab when the leader's tab closes.
  if (navigator.locks) {
    void navigator.locks.request("caliopen-leader", () => {
      void core.call("core.setRole", { leader: true });
      return new Promise<void>(() => undefined); // held for the life of this tab
    });
  } else {
    void core.call("core.setRole", { leader: true });
  }

  if ("serviceWorker" in navigator && location.protocol !== "file:") {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => {
      console.warn("offline support unavailable:", err);
    });
  }
  if (navigator.storage?.persist) {
    // Ask the browser to keep this origin's data; the answer is shown with the storage status.
    void navigator.storage.persist();
  }

  render(<App core={core} />, document.getElementById("app")!);
}
