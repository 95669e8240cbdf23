// The installable, offline app: Chromium finds nothing missing for installation
// (Page.getInstallabilityErrors is empty), the app starts with the server gone and then the
// network off and shows what the sandbox's demo accounts synced, says it is offline, and
// offers a new version when one is deployed.
//
// For the update, the page is served through a small proxy in front of the relay, which can
// serve a new deployment (a changed service worker).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { frenchChecker } from "./catalogue.mjs";
import { checkScreen, checkScreens, SIZES } from "./checks.mjs";
import { freePort, launch, onboardWithDemo, startRelay, startSandbox, waitConnected } from "./harness.mjs";

let relay;
before(async () => {
  relay = await startRelay();
});
after(async () => {
  await relay?.stop();
});

/** startProxy serves the relay's answers; after deploy(), /sw.js is a new version. */
async function startProxy() {
  let deployed = false;
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    try {
      const r = await fetch(relay.url + req.url, { method: req.method, headers: { "accept-encoding": "identity" } });
      let body = Buffer.from(await r.arrayBuffer());
      if (deployed && req.url === "/sw.js") body = Buffer.concat([body, Buffer.from("\n// a new deployment\n")]);
      const headers = Object.fromEntries([...r.headers].filter(([k]) => !["content-encoding", "content-length", "transfer-encoding"].includes(k)));
      res.writeHead(r.status, headers).end(body);
    } catch (e) {
      res.writeHead(502).end(String(e));
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    deploy: () => (deployed = true),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** controlled waits until the service worker is active and controls the page. */
async function controlled(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30000 });
}

test("installable: Chromium reports no installability error", async () => {
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(relay.url);
    await page.getByTestId("role").waitFor({ timeout: 30000 });
    await controlled(page);
    const cdp = await browser.context.newCDPSession(page);
    let errors;
    // The manifest and icons are fetched in the background: ask until the answer settles.
    for (let i = 0; i < 20; i++) {
      ({ installabilityErrors: errors } = await cdp.send("Page.getInstallabilityErrors"));
      if (errors.length === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(errors, []);
    const manifest = await (await fetch(relay.url + "/manifest.webmanifest")).json();
    for (const field of ["name", "short_name", "id", "start_url", "scope", "theme_color", "background_color"]) assert.ok(manifest[field], field);
    assert.equal(manifest.display, "standalone");
    const icons = manifest.icons.map((i) => `${i.sizes} ${i.purpose}`);
    assert.deepEqual(icons.sort(), ["192x192 any", "512x512 any", "512x512 maskable"]);
    for (const icon of manifest.icons) {
      const png = Buffer.from(await (await fetch(relay.url + icon.src)).arrayBuffer());
      assert.equal(png.subarray(1, 4).toString(), "PNG", icon.src);
      assert.equal(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.sizes, `${icon.src} is as large as it says`);
    }
  } finally {
    await browser.close();
  }
});

test("offline: after the first sync the app starts without its server or the network and shows what was synced", async () => {
  // `make run`'s sandbox: the demo accounts' real first sync, then the server and the network go.
  const sandbox = await startSandbox({ tick: "1h" });
  const browser = await launch(SIZES.desktop, { locale: "en-US" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(`${e.message} ${e.stack ?? ""}`));
    await onboardWithDemo(page, sandbox);
    await waitConnected(page, sandbox);
    await page.goto(`${sandbox.url}/#/`);
    // Camille's discussion opened once: its bodies are on this device.
    await page.locator("#search").fill("Camille");
    const camille = page.getByTestId("discussion-item").filter({ hasText: "Camille" }).first();
    await camille.waitFor({ timeout: 60000 });
    await camille.click();
    await page.getByTestId("body-text").first().waitFor({ timeout: 30000 });
    const key = await camille.getAttribute("data-key");
    await page.locator("#search").fill("");
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total")) > 20, null, { timeout: 60000 });
    const total = await page.getByTestId("discussion-list").getAttribute("data-total");
    await controlled(page);
    assert.equal(await page.getByTestId("offline-banner").count(), 0, "no offline banner while all is well");

    // The server is gone: the reload comes from the service worker's cache, the data from IndexedDB.
    await sandbox.stop();
    await page.reload();
    await page.waitForFunction((n) => document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total") === n, total, { timeout: 30000 });
    await page.locator('[data-testid="offline-banner"][data-why="relay"]').waitFor({ timeout: 30000 });

    // And the network itself goes away: Camille's discussion still reads, bodies included.
    await browser.context.setOffline(true);
    await page.locator('[data-testid="offline-banner"][data-why="offline"]').waitFor({ timeout: 10000 });
    await page.goto(`${sandbox.url}/#/d/${encodeURIComponent(key)}`);
    await page.getByTestId("body-text").first().waitFor({ timeout: 30000 });
    assert.equal(await page.getByTestId("discussion-list").getAttribute("data-total"), total);
    // The app restarted with its vault locked: the prompt to unlock it shows beside the
    // discussion the address names.
    await page.getByTestId("setup-unlock").waitFor({ timeout: 10000 });
    await page.locator('[data-testid="offline-banner"][data-why="offline"]').waitFor({ timeout: 10000 });
    await checkScreens(page, "pwa-offline");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await sandbox.stop();
  }
});

test("a new deployment is offered with a banner (in the browser's French), and reload switches to it", async () => {
  const proxy = await startProxy();
  const browser = await launch(SIZES.phone, { locale: "fr-FR" });
  try {
    const page = await browser.context.newPage();
    await page.goto(proxy.url);
    await page.getByTestId("role").waitFor({ timeout: 30000 });
    await controlled(page);
    assert.equal(await page.getByTestId("update-banner").count(), 0, "a first install is no update");

    proxy.deploy();
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
    const banner = page.getByTestId("update-banner");
    await banner.waitFor({ timeout: 30000 });
    assert.match(await banner.innerText(), /^Une nouvelle version de Caliopen est prête/);
    assert.deepEqual(await (await frenchChecker())(page, "update banner"), [], "English on the update banner");
    await checkScreen(page, "pwa-update");

    await page.evaluate(() => (window.beforeUpdate = true));
    await Promise.all([page.waitForEvent("load", { timeout: 30000 }), banner.getByRole("button").click()]);
    await page.getByTestId("role").waitFor({ timeout: 30000 });
    assert.equal(await page.evaluate(() => window.beforeUpdate), undefined, "the page reloaded");
    assert.equal(await page.getByTestId("update-banner").count(), 0);
    const waiting = await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => !!r.waiting));
    assert.equal(waiting, false, "the new version is the active one");
  } finally {
    await browser.close();
    await proxy.stop();
  }
});
