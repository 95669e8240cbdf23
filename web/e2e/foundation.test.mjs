// The foundation end to end: the relay serves the built app, the page starts the core in a
// dedicated worker, and the core's answer (version, build, storage) is shown; that core has no
// way to make up messages.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { mkdirSync } from "node:fs";
import { launch, startRelay } from "./harness.mjs";

let relay, browser;
before(async () => {
  relay = await startRelay();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

test("the page shows the core's answer through the worker", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(relay.url + "/#/settings"); // what the app is shows in the settings
  const status = page.getByTestId("core-status");
  await status.and(page.locator('[data-state="ready"]')).waitFor({ timeout: 30000 });
  const version = await page.getByTestId("core-version").textContent();
  assert.match(version, /^Caliopen \d+\.\d+\.\d+/);
  const build = await page.getByTestId("core-build").textContent();
  assert.ok(build && build !== "dev", `the build is stamped (got ${build})`);
  await page.locator('[data-testid="core-storage"][data-measured="true"]').waitFor({ state: "attached" });
  assert.equal(await page.getByTestId("core-storage").getAttribute("data-available"), "true");
  assert.match(await page.getByTestId("core-storage").textContent(), /indexeddb/);

  // The core really runs in a dedicated worker, not on the page.
  const workers = page.workers().map((w) => w.url());
  assert.ok(workers.some((u) => /\/assets\/worker\.[0-9a-f]+\.js$/.test(u)), `worker started: ${workers}`);
  // And the page can call it directly through the typed client.
  const info = await page.evaluate(() => window.caliopen.core.call("core.info", {}));
  assert.equal(info.product, "Caliopen");
  assert.equal(info.platform, "js/wasm");
  const err = await page.evaluate(() => window.caliopen.core.call("no.such.method", {}).then(() => null, (e) => e.code));
  assert.equal(err, "unknown_method");
  // The product's core cannot make up messages: only the synthetic build of benchmarks and
  // tests (make relay-synthetic) has dev.seedSynthetic.
  const seeded = await page.evaluate(() => window.caliopen.core.call("dev.seedSynthetic", { count: 10, seed: 1 }).then(() => "seeded", (e) => e.code));
  assert.equal(seeded, "unknown_method");

  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/foundation-desktop.png" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("assets are served pre-compressed with the right types and caching", async () => {
  const html = await fetch(relay.url + "/", { headers: { "accept-encoding": "br" } });
  assert.equal(html.headers.get("cache-control"), "no-cache");
  const text = await html.text();
  const main = text.match(/src="(\/assets\/main\.[0-9a-f]+\.js)"/)[1];
  const build = await (await fetch(relay.url + "/build.json")).json();
  for (const [path, type] of [
    [build.core, "application/wasm"],
    [main, "text/javascript; charset=utf-8"],
  ]) {
    for (const enc of ["br", "gzip"]) {
      const r = await fetch(relay.url + path, { headers: { "accept-encoding": enc } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("content-type"), type);
      assert.equal(r.headers.get("cache-control"), "public, max-age=31536000, immutable");
      // fetch decodes the body; the encoding header says what travelled.
      assert.equal(r.headers.get("content-encoding"), enc, `${path} as ${enc}`);
      await r.arrayBuffer();
    }
  }
  const manifest = await fetch(relay.url + "/manifest.webmanifest");
  assert.equal(manifest.headers.get("content-type"), "application/manifest+json");
});
