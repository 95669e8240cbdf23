// Several tabs: exactly one leads (Web Locks), a change made in one shows in the other
// (BroadcastChannel + the shared IndexedDB), and closing the leader hands leadership over.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launch, seedSynthetic, startSyntheticRelay } from "./harness.mjs";

let relay, browser;
before(async () => {
  relay = await startSyntheticRelay(); // the leader stores a synthetic mailbox
  browser = await launch({ width: 1200, height: 800 });
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

async function open() {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(relay.url);
  await page.getByTestId("role").waitFor({ timeout: 30000 });
  return { page, errors };
}

const leaderIs = (page, value) =>
  page.waitForFunction((v) => document.querySelector('[data-testid="role"]')?.getAttribute("data-leader") === v, value, { timeout: 20000 });
const total = async (page) => Number(await page.getByTestId("discussion-list").getAttribute("data-total"));
const totalIs = (page, n) =>
  page.waitForFunction((n) => document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total") === String(n), n, { timeout: 20000 });

test("one leader; changes cross tabs; leadership moves on close", async () => {
  const a = await open();
  await leaderIs(a.page, "true");
  const b = await open();
  await leaderIs(b.page, "false");
  await totalIs(b.page, 0);

  // The leader stores messages: the follower's list fills in, without a reload.
  const seeded = await seedSynthetic(a.page, 60, 7);
  assert.equal(seeded.messages, 60);
  await b.page.getByTestId("discussion-item").first().waitFor({ timeout: 20000 });
  await a.page.waitForFunction(() => Number(document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total")) > 2);
  const n = await total(a.page);
  await totalIs(b.page, n);

  // The follower links the people of two discussions (a user edit): the leader's list merges them.
  const ids = await b.page.evaluate(async () => {
    const page = await new Promise((resolve) => window.caliopen.core.subscribe("discussions.page", { limit: 200 }, resolve));
    const solo = page.items.filter((d) => d.people.length === 1);
    return [solo[0].people[0].identities[0], solo[1].people[0].identities[0]];
  });
  await b.page.evaluate((ids) => window.caliopen.core.call("contacts.link", { identities: ids }), ids);
  await totalIs(a.page, n - 1);
  await totalIs(b.page, n - 1);

  // The leader's tab closes: the follower takes over.
  await a.page.close();
  await leaderIs(b.page, "true");
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await b.page.close();
});
