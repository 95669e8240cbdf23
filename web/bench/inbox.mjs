// inbox_10k_vs_0_ratio: time from page load to the first page of discussions shown, with
// 10,000 stored messages ÷ with none, same run (each profile loaded alternately, medians).
// Also store_seed_10k_ms: storing the 10,000 synthetic messages through the core's engine in
// Chromium (messages, bodies, contacts, discussion summaries). And inbox_10k_filter_*_ms:
// the core's answer to a filtered page (unread, one network, a search) over those 10,000
// messages, the index loaded (median of several).
import { launch, seedSynthetic, startSyntheticRelay } from "../e2e/harness.mjs";

const prefix = process.env.BENCH || "";
const want = (name) => name.startsWith(prefix) || prefix.startsWith(name);
const report = (name, value, unit) => name.startsWith(prefix) && console.log(`BENCH ${name} ${value} ${unit}`);
if (!want("inbox_10k_vs_0_ratio") && !want("store_seed_10k_ms") && !want("inbox_10k_filter")) process.exit(0);

// The relay of `make relay-synthetic`: only its core can store a synthetic mailbox.
const relay = await startSyntheticRelay();
const empty = await launch({ width: 1280, height: 800 });
const full = await launch({ width: 1280, height: 800 });
try {
  const seeder = await full.context.newPage();
  await seeder.goto(relay.url);
  await seeder.getByTestId("role").waitFor({ timeout: 30000 });
  const seeded = await seedSynthetic(seeder, 10000, 1);
  report("store_seed_10k_ms", seeded.ms, "ms");
  const filters = { unread: { unread: true }, network: { network: "x" }, search: { text: "p12" } };
  for (const [name, args] of Object.entries(filters)) {
    const ms = await seeder.evaluate(async (args) => {
      const once = () =>
        new Promise((resolve) => {
          const t0 = performance.now();
          const stop = window.caliopen.core.subscribe("discussions.page", { ...args, limit: 50 }, () => {
            resolve(performance.now() - t0);
            void stop.then((s) => s());
          });
        });
      const xs = [];
      for (let i = 0; i < 8; i++) xs.push(await once());
      xs.sort((a, b) => a - b);
      return xs[Math.floor(xs.length / 2)];
    }, args);
    report(`inbox_10k_filter_${name}_ms`, ms.toFixed(1), "ms");
  }
  await seeder.close();

  async function firstPageMs(browser, selector) {
    const page = await browser.context.newPage();
    const t0 = Date.now();
    await page.goto(relay.url);
    await page.locator(selector).first().waitFor({ timeout: 60000 });
    const ms = Date.now() - t0;
    await page.close();
    return ms;
  }
  // Warm both profiles' HTTP caches once.
  await firstPageMs(empty, '[data-testid="discussions-empty"]');
  await firstPageMs(full, '[data-testid="discussion-item"]');
  const e = [], f = [];
  for (let i = 0; i < 7; i++) {
    e.push(await firstPageMs(empty, '[data-testid="discussions-empty"]'));
    f.push(await firstPageMs(full, '[data-testid="discussion-item"]'));
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  report("inbox_0_first_page_ms", median(e), "ms");
  report("inbox_10k_first_page_ms", median(f), "ms");
  report("inbox_10k_vs_0_ratio", (median(f) / median(e)).toFixed(2), "ratio");
} finally {
  await empty.close();
  await full.close();
  await relay.stop();
}
