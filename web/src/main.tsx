// The page's entry point: start the core in its worker, register the service worker, show the app.
import { render } from "preact";
import { App } from "./app";
import { CoreClient } from "./core-client";
import "./styles.css";

const core = new CoreClient(WORKER_URL);
// Exposed for end-to-end tests and benchmarks (read-only use).
(window as unknown as { caliopen: unknown }).caliopen = { core, version: APP_VERSION };

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
