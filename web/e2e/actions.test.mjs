// Acting on messages against `make run`'s sandbox: opening a discussion marks it read (its
// unread count goes down), a message marked unread stays so, a discussion is starred,
// archived with `e` (it leaves the inbox for the archive), deleted with `#`, and taken back
// to the inbox. What the archive shows comes from the sandbox's IMAP server (the archived
// copies are synced from its Archive folder, with the flags the server keeps), so the server
// saw each flag and each move. The email account's health names its last sign of life. The
// discussion view and the archive are checked by axe-core at 360×740 and 1440×900, with
// screenshots in test-results/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertAccessible, checkScreens, SIZES } from "./checks.mjs";
import { discussionItem as item, launch, onboardWithDemo, startSandbox, waitConnected } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "300s" });
});
after(async () => {
  await sandbox?.stop();
});

/** showList shows the inbox (or the archive) with the search set to who. */
async function showList(page, who, box = "") {
  await page.goto(`${sandbox.url}/#/`);
  await page.getByTestId("filter-box").selectOption(box);
  await page.locator("#search").fill(who);
}

/** unreadOf waits for the discussion of who to show in the list and returns its unread count. */
async function unreadOf(page, who) {
  const it = item(page, who);
  await it.waitFor({ timeout: 60000 });
  return Number(await it.getAttribute("data-unread"));
}

/** waitUnread waits until the list shows the discussion of who with n unread messages. */
async function waitUnread(page, who, n) {
  await page.locator(`[data-testid="discussion-item"][data-unread="${n}"]`, { has: page.locator(".names", { hasText: who }) }).first().waitFor({ timeout: 30000 });
}

test("read, unread, star, archive, delete, back to the inbox", async () => {
  const browser = await launch(SIZES.desktop, { locale: "en-US" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await onboardWithDemo(page, sandbox);
    await waitConnected(page, sandbox);
    // The email account is connected, with its last sign of life.
    const mail = page.locator('[data-testid="account"][data-network="email"]');
    assert.match(await mail.getByTestId("last-activity").innerText(), /last answer: \d/);

    // The newsletter: three issues unread. Opening it reads them; the list follows.
    await showList(page, "Bubble Weekly");
    assert.equal(await unreadOf(page, "Bubble Weekly"), 3);
    await item(page, "Bubble Weekly").click();
    const view = page.getByTestId("discussion-view");
    await view.waitFor();
    await waitUnread(page, "Bubble Weekly", 0);
    // the open discussion's messages follow the list (their own live query, a moment later)
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="message"][data-seen="false"]').length === 0, null, { timeout: 10000 });
    await checkScreens(page, "actions-discussion");
    // Every action is a touch target of 44 px at least.
    for (const b of await view.locator(".toolbar button, .message-actions button").all()) {
      const box = await b.boundingBox();
      assert.ok(box.height >= 44 && box.width >= 44, `${await b.innerText()}: ${box.width}×${box.height}`);
    }
    // Starred (s), then archived (e): out of the inbox.
    await page.keyboard.press("s");
    await page.locator('[data-testid="discussion-item"][data-flagged="1"]', { hasText: "Bubble Weekly" }).waitFor({ timeout: 10000 });
    await page.keyboard.press("e");
    await view.waitFor({ state: "detached", timeout: 10000 });
    await item(page, "Bubble Weekly").waitFor({ state: "detached", timeout: 10000 });

    // Chloé: her mail read on opening, the newest one then marked unread by hand (it stays
    // unread while the discussion is open), then the discussion archived.
    const chloe = "Chloé Petit";
    await showList(page, chloe);
    await unreadOf(page, chloe);
    await item(page, chloe).click();
    await view.waitFor();
    await waitUnread(page, chloe, 0);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="message"][data-seen="false"]').length === 0, null, { timeout: 10000 });
    const newest = page.locator('[data-testid="message"][data-network="email"]').last();
    await newest.getByTestId("message-seen").click();
    await page.locator('[data-testid="message"][data-seen="false"]').first().waitFor({ timeout: 10000 });
    await waitUnread(page, chloe, 1);
    await page.waitForTimeout(1000);
    assert.equal(await page.locator('[data-testid="message"][data-seen="false"]').count(), 1, "the message marked unread was read again");
    await view.getByTestId("archive").click();
    await view.waitFor({ state: "detached", timeout: 10000 });

    // The archive holds both, as the server filed them: the newsletter read and starred,
    // Chloé's discussion with its one message unread.
    await showList(page, "Bubble Weekly", "archive");
    await page.locator('[data-testid="discussion-item"][data-unread="0"][data-flagged="1"]', { hasText: "Bubble Weekly" }).waitFor({ timeout: 60000 });
    await showList(page, chloe, "archive");
    await waitUnread(page, chloe, 1);
    await checkScreens(page, "actions-archive");

    // Back to the inbox, from the archive.
    await item(page, chloe).click();
    await view.getByTestId("unarchive").click();
    await view.waitFor({ state: "detached", timeout: 10000 });
    await showList(page, chloe);
    await item(page, chloe).waitFor({ timeout: 60000 });

    // Deleted (#): gone from the inbox, and not in the archive either.
    const louis = "Louis Garcia";
    await showList(page, louis);
    await item(page, louis).waitFor({ timeout: 60000 });
    await item(page, louis).click();
    await view.waitFor();
    await view.getByTestId("delete").waitFor(); // the toolbar comes with the messages
    await page.keyboard.press("#");
    await view.waitFor({ state: "detached", timeout: 10000 });
    await item(page, louis).waitFor({ state: "detached", timeout: 10000 });
    await showList(page, louis, "archive");
    await page.getByTestId("discussions-empty").waitFor({ timeout: 10000 });

    // The help lists the new shortcuts.
    await page.getByTestId("help-button").click();
    const help = page.getByTestId("help");
    for (const k of ["e", "u", "#", "s"]) await help.locator("kbd").getByText(k, { exact: true }).waitFor();
    await assertAccessible(page, "help");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
