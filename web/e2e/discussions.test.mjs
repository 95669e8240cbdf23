// The discussion list and a discussion against `make run`'s sandbox, at a phone's size and a
// desktop's: the filters take one row on a phone; people's pictures come through the core
// (the page shows them from blob: URLs, never from Mastodon's or X's hosts); a search finds
// the words of messages (a Mastodon DM, an email's text) and shows where; the mailing list's
// threads are topics to pick; a reply to Tapioca (one person on email, Mastodon and X once
// her email suggestion is accepted) offers the three networks, email first as the most
// private and says why, and sent on Mastodon it reaches the sandbox, whose Tapioca answers.
// A second test seeds thousands of discussions and checks that the list renders only what
// is near the view while it scrolls through them. axe-core runs on each screen at both sizes;
// screenshots land in test-results/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { checkScreens, SIZES } from "./checks.mjs";
import { launch, onboardWithDemo, seedSynthetic, startSandbox, startSyntheticRelay } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "1h" });
});
after(async () => {
  await sandbox?.stop();
});

/** search types in the list's search and waits for the items naming who. */
async function search(page, text, who) {
  await page.getByTestId("search").fill(text);
  const items = page.getByTestId("discussion-item").filter({ hasText: who });
  await items.first().waitFor({ timeout: 30000 });
  return items;
}

test("discussions: compact filters, pictures, search in text, topics, the reply's channel", async () => {
  const browser = await launch(SIZES.phone, { locale: "en-US" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const requests = [];
    page.on("request", (r) => requests.push(r.url()));
    await onboardWithDemo(page, sandbox);
    await page.goto(`${sandbox.url}/#/`);
    const tapioca = page.getByTestId("discussion-item").filter({ hasText: "Tapioca" }).filter({ has: page.locator(".net-mastodon") });
    await tapioca.first().waitFor({ timeout: 60000 });

    // On a phone the search and the filters take one row; the filters open on demand.
    const filters = page.locator(".filters");
    const closed = (await filters.boundingBox()).height;
    assert.ok(closed <= 70, `the filter bar is ${closed}px high on a phone`);
    assert.equal(await page.getByTestId("filter-panel").isVisible(), false);
    await page.getByTestId("filter-toggle").click();
    await page.getByTestId("filter-unread").waitFor({ state: "visible" });
    assert.equal(await page.getByTestId("filter-toggle").getAttribute("aria-expanded"), "true");
    await page.getByTestId("filter-toggle").click();

    // Tapioca's picture (her Mastodon one), fetched by the core, shown from the page's memory.
    const avatar = tapioca.first().getByTestId("avatar");
    await page.waitForFunction((el) => el.getAttribute("data-picture") === "yes", await avatar.elementHandle(), { timeout: 30000 });
    const src = await avatar.locator("img").getAttribute("src");
    assert.match(src, /^blob:/);
    for (const img of await page.locator(".avatar img").all()) assert.match(await img.getAttribute("src"), /^blob:/);
    // X's pictures come through the relay tunnel: the browser never asks X's image host.
    assert.deepEqual(
      requests.filter((u) => u.includes("/profile_images/")),
      [],
    );
    await checkScreens(page, "discussions-list");

    // The words of messages: a Mastodon DM, and the text of an email (not its subject).
    let found = await search(page, "lilas", "Tapioca");
    await found.first().getByTestId("match").waitFor({ timeout: 30000 });
    assert.equal(await found.first().locator('[data-testid="match"] mark').first().textContent(), "Lilas");
    found = await search(page, "afternoon", "Tapioca");
    await found.filter({ has: page.locator(".net-email") }).first().getByTestId("match").waitFor({ timeout: 30000 });
    assert.match(await found.filter({ has: page.locator(".net-email") }).first().getByTestId("match").innerText(), /Saturday afternoon/);
    await checkScreens(page, "discussions-search");

    // The mailing list: its threads are topics; one chosen shows its messages only.
    await page.setViewportSize(SIZES.desktop);
    const list = await search(page, "Release 0.4", "Caliopen");
    await list.first().click();
    const view = page.getByTestId("discussion-view");
    const topics = view.getByTestId("topic");
    await topics.nth(1).waitFor({ timeout: 30000 });
    assert.ok((await topics.count()) >= 8, `${await topics.count()} topics`);
    const all = await view.getByTestId("message").count();
    const release = topics.filter({ hasText: "Release 0.4 planning" });
    await release.click();
    assert.equal(await release.getAttribute("aria-pressed"), "true");
    await view.getByTestId("topic-note").waitFor();
    const inTopic = await view.getByTestId("message").count();
    assert.ok(inTopic >= 3 && inTopic < all, `${inTopic} of ${all} messages in the topic`);
    for (const s of await view.locator(".message .subject").allInnerTexts()) assert.match(s, /Release 0\.4 planning/);
    await checkScreens(page, "discussions-topics");
    await page.setViewportSize(SIZES.phone);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), SIZES.phone.width, "the topics widen the page on a phone");
    await page.setViewportSize(SIZES.desktop);
    await view.getByTestId("topic-all").click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="discussion-view"] [data-testid="message"]').length === n, all);

    // Tapioca's email address is hers: accepted from the contacts screen.
    await page.getByTestId("contacts-button").click();
    const suggestion = page.getByTestId("suggestion").filter({ hasText: "tapioca@tapioca.example" });
    await suggestion.waitFor({ timeout: 90000 });
    await suggestion.getByTestId("suggestion-accept").click();
    await page.getByTestId("contact-view").getByTestId("identity").nth(2).waitFor({ timeout: 30000 });

    // Her discussion: the reply offers email (most private, and why), Mastodon and X.
    await page.goto(`${sandbox.url}/#/`);
    const merged = (await search(page, "tapioca", "Tapioca")).filter({ has: page.locator(".net-email") }).filter({ has: page.locator(".net-x") });
    await merged.first().click();
    const reply = view.getByTestId("reply");
    const choices = reply.getByTestId("reply-channel");
    await choices.nth(2).waitFor({ timeout: 30000 });
    assert.deepEqual(await choices.evaluateAll((els) => els.map((e) => e.getAttribute("data-network"))), ["email", "mastodon", "x"]);
    assert.equal(await choices.first().getAttribute("data-recommended"), "true");
    assert.equal(await choices.first().locator("input").isChecked(), true);
    const why = reply.getByTestId("reply-why");
    assert.equal(await why.getAttribute("data-code"), "reply-most-private");
    assert.match(await why.innerText(), /Replying by email is the most private way to reach Tapioca \(privacy \d+\/100\)/);
    assert.equal(await reply.getAttribute("data-network"), "email");
    await reply.getByTestId("plan").waitFor();
    await checkScreens(page, "discussions-reply");

    // Mastodon chosen: its exposure said; the reply goes out and Tapioca answers there.
    await choices.filter({ hasText: "Mastodon" }).click();
    assert.equal(await reply.getAttribute("data-network"), "mastodon");
    await page.waitForFunction(() => document.querySelector('[data-testid="reply-why"]')?.getAttribute("data-code")?.startsWith("mastodon-"));
    assert.match(await why.innerText(), /Mastodon direct message: readable by the admins of mamot\.fr/);
    await reply.locator("#reply-text").fill("See you at the workshop, by Mastodon");
    await reply.getByRole("button", { name: "Send" }).click();
    // Queued, or an error said (the test then fails with it rather than with a timeout).
    await reply.locator('[data-testid="reply-queued"], [role="alert"]').first().waitFor({ timeout: 60000 });
    assert.equal(await reply.locator('[role="alert"]').count(), 0, `the reply failed: ${await reply.locator('[role="alert"]').allInnerTexts()}`);
    await view.locator('[data-testid="message"].outgoing[data-network="mastodon"]', { hasText: "See you at the workshop" }).waitFor({ timeout: 60000 });
    await view.locator('[data-testid="message"][data-network="mastodon"]', { hasText: "Got your message, thanks!" }).waitFor({ timeout: 60000 });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("the list renders only what is near the view, through thousands of discussions", async () => {
  const relay = await startSyntheticRelay();
  const browser = await launch(SIZES.desktop, { locale: "en-US" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(relay.url);
    await page.getByTestId("role").waitFor({ timeout: 30000 });
    await seedSynthetic(page, 8000, 3);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total")) > 1500, null, {
      timeout: 60000,
    });
    const subscriptions = () => page.evaluate(() => window.caliopen.core.subs.size);
    const pages = () => page.evaluate(() => new Set([...document.querySelectorAll('[data-testid="discussion-list"] > [data-page]')].map((e) => e.dataset.page)).size);
    const rendered = () => page.evaluate(() => document.querySelectorAll('[data-testid="discussion-item"]').length);
    const atStart = await subscriptions();
    // Scroll to the end again and again: page after page loads.
    const started = Date.now();
    while ((await pages()) < 30) {
      const n = await pages();
      await page.waitForFunction(() => !document.querySelector('[data-testid="discussion-list"] > .loading'), null, { timeout: 30000 });
      await page.evaluate(() => {
        const pane = document.querySelector(".list-pane");
        pane.scrollTop = pane.scrollHeight;
      });
      await page.waitForFunction((n) => new Set([...document.querySelectorAll('[data-testid="discussion-list"] > [data-page]')].map((e) => e.dataset.page)).size > n, n, {
        timeout: 30000,
      });
    }
    await page.waitForFunction(() => !document.querySelector('[data-testid="discussion-list"] > .loading'), null, { timeout: 30000 });
    const ms = Date.now() - started;
    const items = await rendered();
    const subs = await subscriptions();
    console.log(`30 pages (1,500 discussions) loaded by scrolling in ${ms} ms: ${items} rendered, ${subs - atStart} more live queries than at the top`);
    assert.ok(items <= 250, `${items} discussions rendered after 30 pages`);
    assert.ok(subs - atStart <= 5, `${subs - atStart} more live queries after 30 pages`);
    // Back at the top, the first discussions are there again, and the end is gone.
    await page.evaluate(() => (document.querySelector(".list-pane").scrollTop = 0));
    await page.waitForFunction(() => document.querySelector('[data-testid="discussion-list"] > [data-page="0"]')?.matches('[data-testid="discussion-list"] > li:not(.page-spacer)'));
    await page.getByTestId("discussion-item").first().waitFor();
    assert.ok((await rendered()) <= 250);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await relay.stop();
  }
});
