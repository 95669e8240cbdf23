// The inbox on a desktop: filters (unread, network), the search, pages that load as the list
// scrolls, and the keyboard shortcuts (j/k, r, /, ?, Escape).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, seedSynthetic, startSyntheticRelay } from "./harness.mjs";

let relay, browser;
before(async () => {
  relay = await startSyntheticRelay(); // 800 messages: more discussions than one page
  browser = await launch({ width: 1440, height: 900 }, { locale: "en-US" });
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

const total = (page) => page.getByTestId("discussion-list").getAttribute("data-total").then(Number);
const totalChanges = (page, from) =>
  page.waitForFunction((n) => {
    const v = document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total");
    return v !== "" && v !== null && Number(v) !== n;
  }, from, { timeout: 30000 });

test("filters, search, scrolling and shortcuts", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(relay.url);
  await page.getByTestId("role").waitFor({ timeout: 30000 });
  await seedSynthetic(page, 800, 9);
  const items = page.getByTestId("discussion-item");
  await items.first().waitFor({ timeout: 30000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total")) > 100);
  const all = await total(page);

  // Scrolling to the end of the list loads the next page.
  assert.equal(await items.count(), 50);
  await page.getByTestId("more").scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="discussion-item"]').length > 50, null, { timeout: 30000 });

  // Unread only.
  await page.getByTestId("filter-unread").check();
  await totalChanges(page, all);
  const unread = await total(page);
  assert.ok(unread > 0 && unread < all, `unread ${unread} of ${all}`);
  for (const n of await items.evaluateAll((els) => els.map((e) => Number(e.dataset.unread)))) assert.ok(n > 0);
  await page.getByTestId("filter-unread").uncheck();
  await totalChanges(page, unread);

  // One network.
  await page.getByTestId("filter-network").selectOption("x");
  await totalChanges(page, all);
  const nets = await items.evaluateAll((els) => els.map((e) => e.querySelector(".networks").textContent));
  assert.ok(nets.length > 0 && nets.every((t) => t.includes("X")), nets.join(" | "));
  await page.getByTestId("filter-network").selectOption("");
  await page.waitForFunction((n) => document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total") === String(n), all);

  // The search.
  const someone = (await items.nth(3).locator(".names").textContent()).split(",")[0].trim();
  await page.getByTestId("search").fill(someone);
  await totalChanges(page, all);
  const found = await items.evaluateAll((els) => els.map((e) => e.querySelector(".names").textContent));
  assert.ok(found.length > 0 && found.some((n) => n.includes(someone)), `${someone}: ${found}`);
  await page.getByTestId("search").fill("");
  await page.waitForFunction((n) => document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total") === String(n), all);

  // Shortcuts: j/k move through the list, r goes to the reply, / to the search, ? shows help.
  await page.locator("body").click({ position: { x: 700, y: 10 } });
  await page.keyboard.press("j");
  const first = await items.nth(0).getAttribute("data-key");
  await page.waitForFunction((k) => decodeURIComponent(location.hash) === `#/d/${k}`, first);
  await page.keyboard.press("j");
  const second = await items.nth(1).getAttribute("data-key");
  await page.waitForFunction((k) => decodeURIComponent(location.hash) === `#/d/${k}`, second);
  await page.keyboard.press("k");
  await page.waitForFunction((k) => decodeURIComponent(location.hash) === `#/d/${k}`, first);
  await page.getByTestId("message").first().waitFor();
  await page.keyboard.press("r");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "reply-text");
  await page.keyboard.press("Escape"); // leaves the field alone: Escape in a field goes back
  await page.locator("body").click({ position: { x: 700, y: 10 } });
  await page.keyboard.press("/");
  await page.waitForFunction(() => document.activeElement?.id === "search");
  await page.locator("body").click({ position: { x: 700, y: 10 } });
  await page.keyboard.press("?");
  await page.getByTestId("help").waitFor();
  await page.keyboard.press("Escape");
  await page.getByTestId("help").waitFor({ state: "detached" });
  assert.deepEqual(errors, []);
  await page.close();
});
