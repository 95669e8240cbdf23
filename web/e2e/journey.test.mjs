// A user's whole journey against `make run`'s sandbox, at a phone's size (360×740)
// and a desktop's (1440×900), each in a new persistent Chromium profile: onboarding (the
// passphrase, the relay, the forms to add an email, Mastodon or X account), "Try it with
// demo accounts" and the first sync's progress, Tapioca's three networks merged into one
// discussion once her email is accepted as hers, a reply on Mastodon (the network chosen)
// that the sandbox's Mastodon instance holds as a direct message to her and that she
// answers, Camille's encrypted mail shown decrypted and signed with its grade, advice shown
// (the user's own and a message's), compose, the shortcuts' help, installability, an offline
// reload that shows what was synced behind the unlock screen, and an email reply written
// offline that the sandbox's IMAP server shows sent and answered once the network returns.
// Every screen visited is checked by axe-core in light and dark mode with its touch targets
// measured, and kept as test-results/journey-<screen>-<size>[-dark].png.
//
// What other files prove in more depth stays there: the contacts screen (contacts.test),
// reading HTML and attachments (content.test), every action on a message (actions.test), the
// offline start with the server gone (pwa.test), French (i18n.test).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkScreen, shot, SIZES } from "./checks.mjs";
import {
  assertSyncProgressShown,
  createVault,
  imapSearch,
  launch,
  mastodonAsUser,
  startSandbox,
  waitConnected,
  watchSyncProgress,
} from "./harness.mjs";

const PASSPHRASE = "correct horse battery staple";

/** find shows the inbox with the search set to text and returns the first discussion listed with hasText. */
async function find(page, url, text, hasText = text) {
  await page.goto(`${url}/#/`);
  await page.locator("#search").fill(text);
  const item = page.getByTestId("discussion-item").filter({ hasText }).first();
  await item.waitFor({ timeout: 60000 });
  return item;
}

/** open opens a discussion of the list and waits for its messages. */
async function open(page, item) {
  await item.click();
  await page.getByTestId("discussion-view").getByTestId("message").first().waitFor({ timeout: 30000 });
}

/** replyOn answers the latest message received on network in the open discussion, that
 * network chosen among the reply's channels (the most private is offered first): the reply
 * goes out on that network. */
async function replyOn(page, network, text) {
  const view = page.getByTestId("discussion-view");
  await view.locator(`[data-testid="message"][data-network="${network}"]:not(.outgoing)`).last().getByTestId("reply-to").click();
  const reply = view.getByTestId("reply");
  await reply.getByTestId("reply-channels").waitFor({ timeout: 30000 });
  const choice = reply.locator(`[data-testid="reply-channel"][data-network="${network}"]`);
  if ((await choice.count()) > 0) await choice.click();
  assert.equal(await reply.getAttribute("data-network"), network, "the reply goes out on the network chosen");
  await reply.locator("#reply-text").fill(text);
  await reply.getByRole("button", { name: /^send$/i }).click();
  await reply.getByTestId("reply-queued").waitFor({ timeout: 30000 });
}

/** outboxSettles waits until nothing in the outbox is waiting, sending or failed. */
async function outboxSettles(page, timeout = 120000) {
  const deadline = Date.now() + timeout;
  while ((await page.locator('[data-testid="outbox-item"]:not([data-state="sent"])').count()) > 0) {
    assert.ok(Date.now() < deadline, "the outbox went out once the network returned");
    await new Promise((r) => setTimeout(r, 500));
  }
}

for (const [size, viewport] of Object.entries(SIZES)) {
  test(`the whole journey at ${size} size`, async () => {
    const sandbox = await startSandbox({ tick: "1h" }); // no timeline event: what arrives answers the user
    const browser = await launch(viewport, { locale: "en-US" });
    const screen = (page, name) => checkScreen(page, `journey-${name}`);
    try {
      const page = await browser.context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(`${e.message} ${e.stack ?? ""}`));
      const stamp = `${size} ${Date.now()}`;

      // Onboarding: the passphrase and what it protects, with its strength.
      await page.goto(`${sandbox.url}/#relay-token=${encodeURIComponent(sandbox.token)}`);
      const vault = page.getByTestId("setup-vault");
      await vault.waitFor({ timeout: 30000 });
      await vault.locator("input").nth(0).fill(PASSPHRASE);
      assert.ok(Number(await vault.locator("meter").getAttribute("value")) >= 3, "a long passphrase is rated good");
      await screen(page, "passphrase");
      await createVault(page, PASSPHRASE);
      // The relay, its token given in the URL fragment as `make run` prints it.
      const relayForm = page.getByTestId("setup-relay");
      await relayForm.waitFor({ timeout: 30000 });
      assert.equal(await relayForm.locator("input").nth(1).inputValue(), sandbox.token);
      await screen(page, "relay");
      await relayForm.locator("button").click();
      // The accounts: email, Mastodon and X forms, and the demo.
      await page.getByTestId("add-account-form").waitFor({ timeout: 30000 });
      await screen(page, "add-email");
      await page.getByTestId("choose-mastodon").check();
      await page.getByTestId("add-mastodon").waitFor();
      await screen(page, "add-mastodon");
      await page.getByTestId("choose-x").check();
      await page.getByTestId("add-x").waitFor();
      await screen(page, "add-x");
      await page.getByTestId("choose-email").check();

      // Demo accounts, through their consent pages; the first sync shows its progress.
      await watchSyncProgress(page);
      const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("demo").locator("button").click()]);
      if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });
      await waitConnected(page, sandbox);
      await assertSyncProgressShown(page);
      // The settings, every panel open: accounts with their health, keys, sync, outbox, about.
      await page.evaluate(() => document.querySelectorAll('[data-testid="settings"] details').forEach((d) => (d.open = true)));
      await page.getByTestId("own-key").first().waitFor({ timeout: 30000 });
      await screen(page, "settings");

      // Tapioca: Mastodon and X are one contact (the verified link); her email is suggested,
      // and accepted here.
      await page.goto(`${sandbox.url}/#/contacts`);
      const suggestion = page.getByTestId("suggestion").filter({ hasText: "tapioca@tapioca.example" });
      await suggestion.waitFor({ timeout: 90000 });
      await screen(page, "contacts");
      await suggestion.getByTestId("suggestion-accept").click();
      const contact = page.getByTestId("contact-view");
      await contact.getByTestId("identity").nth(2).waitFor({ timeout: 30000 });
      // Her contact's merge panel, with a candidate found.
      await contact.getByTestId("merge-with").locator("summary").click();
      await contact.getByTestId("merge-search").fill("Camil");
      await contact.getByTestId("merge-candidate").first().waitFor({ timeout: 10000 });
      await screen(page, "contact-merge");

      // The list: Tapioca's discussion carries all three networks; the user's own index and
      // the advice that would raise it.
      await find(page, sandbox.url, "Tapioca");
      await page
        .getByTestId("discussion-item")
        .filter({ hasText: "Tapioca" })
        .filter({ has: page.locator(".net-email") })
        .filter({ has: page.locator(".net-mastodon") })
        .filter({ has: page.locator(".net-x") })
        .first()
        .waitFor({ timeout: 30000 });
      await page.locator("#search").fill("");
      const mine = page.getByTestId("user-privacy");
      await mine.locator("summary").click();
      assert.match(await mine.getAttribute("data-grade"), /^[A-F]$/);
      assert.ok((await mine.locator(".actions li").count()) > 0, "the user's top advice is shown");
      assert.match(await mine.locator(".actions li").first().innerText(), /\w{4}.*\(\+\d+\)$/);
      await screen(page, "list");

      // Her discussion: every network's messages in time order.
      await open(page, await find(page, sandbox.url, "Tapioca"));
      const messages = page.getByTestId("discussion-view").getByTestId("message");
      const networks = new Set(await messages.evaluateAll((els) => els.map((e) => e.dataset.network)));
      assert.deepEqual([...networks].sort(), ["email", "mastodon", "x"]);
      const dates = await messages.locator("header time").evaluateAll((els) => els.map((e) => Date.parse(e.getAttribute("datetime"))));
      assert.deepEqual(dates, [...dates].sort((a, b) => a - b), "messages in time order");
      // Her X messages come with what X does not give (older than 30 days, XChat).
      assert.match(await page.getByTestId("x-limits").textContent(), /last 30 days.*XChat/);
      await screen(page, "discussion-tapioca");

      // A reply on Mastodon, the network chosen: the instance holds it as a direct message to
      // Tapioca (read through its API as the user), and she answers.
      const text = `On Mastodon from the journey (${stamp})`;
      await replyOn(page, "mastodon", text);
      const instance = await mastodonAsUser(sandbox);
      for (let i = 0; ; i++) {
        // The reply, or what came after it in its thread (Tapioca answers at once): a
        // conversation's last status and the statuses it answers.
        const statuses = [];
        for (const last of (await instance("/api/v1/conversations")).map((c) => c.last_status).filter(Boolean)) {
          statuses.push(last, ...(await instance(`/api/v1/statuses/${last.id}/context`)).ancestors);
        }
        const sent = statuses.find((s) => s.content.includes(text));
        if (sent) {
          assert.equal(sent.visibility, "direct");
          assert.ok(sent.mentions.some((m) => m.acct.startsWith("Tapioca")), `mentions ${JSON.stringify(sent.mentions)}`);
          break;
        }
        assert.ok(i < 120, "the reply reached the Mastodon instance");
        await new Promise((r) => setTimeout(r, 500));
      }
      await messages.filter({ hasText: "Got your message, thanks!" }).first().waitFor({ timeout: 60000 });

      // Camille's encrypted mail: decrypted here, signed, graded, with advice.
      await open(page, await find(page, sandbox.url, "Camille"));
      const figures = messages.filter({ hasText: "confidential figures" }).first();
      if ((await figures.getAttribute("data-open")) !== "true") await figures.getByTestId("expand").click();
      assert.match(await figures.getByTestId("body-text").innerText(), /Please don't forward/);
      const security = figures.getByTestId("security");
      assert.equal(await security.getAttribute("data-encrypted"), "true");
      assert.match(await security.getAttribute("data-signature"), /^good-(known|unknown)$/);
      assert.match(await security.innerText(), /^Encrypted · Signed by a (known key|key not yet known)/);
      const badge = figures.getByTestId("privacy");
      assert.match(await badge.getAttribute("data-grade"), /^[A-F]$/);
      await badge.locator("summary").click();
      await badge.locator('[data-factor="encrypted"]').getByText(/decrypted on this device/).waitFor();
      assert.ok((await badge.locator(".advice").count()) > 0, "the message's advice is shown");
      await screen(page, "discussion-camille");

      // A new message: the composer's channels, most private first, each saying why.
      await page.goto(`${sandbox.url}/#/compose`);
      await page.getByTestId("compose-to").fill("Tapio");
      await page.getByTestId("suggestion").filter({ hasText: "Tapioca" }).first().click();
      await page.getByTestId("channel").first().waitFor({ timeout: 30000 });
      assert.ok((await page.getByTestId("channel").count()) >= 2, "Tapioca is reachable on several networks");
      await screen(page, "compose");

      // The shortcuts' help.
      await page.goto(`${sandbox.url}/#/`);
      await page.getByTestId("help-button").click();
      await page.getByTestId("help").waitFor();
      await screen(page, "help");
      await page.getByTestId("help").getByRole("button").click();
      await page.getByTestId("help").waitFor({ state: "detached" });

      // Installable: Chromium finds nothing missing (the manifest and icons load in the background).
      await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30000 });
      const cdp = await browser.context.newCDPSession(page);
      let installability;
      for (let i = 0; i < 20; i++) {
        ({ installabilityErrors: installability } = await cdp.send("Page.getInstallabilityErrors"));
        if (installability.length === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.deepEqual(installability, [], "installability errors");

      // Offline: a reload starts from the service worker's cache and shows what was synced,
      // the passphrase asked again to send.
      const total = await page.getByTestId("discussion-list").getAttribute("data-total");
      assert.ok(Number(total) > 20, `${total} discussions synced`);
      await browser.context.setOffline(true);
      await page.locator('[data-testid="offline-banner"][data-why="offline"]').waitFor({ timeout: 10000 });
      await page.reload();
      await page.getByTestId("offline-banner").waitFor({ timeout: 30000 }); // offline, or the relay out of reach
      await page.waitForFunction((n) => document.querySelector('[data-testid="discussion-list"]')?.getAttribute("data-total") === n, total, { timeout: 30000 });
      const unlock = page.getByTestId("setup-unlock");
      await unlock.waitFor({ timeout: 30000 });
      await screen(page, "offline-unlock");
      await unlock.locator("input").fill(PASSPHRASE);
      await unlock.locator("button").click();
      await unlock.waitFor({ state: "detached", timeout: 30000 });

      // A reply written offline, by email to Tapioca: it waits in the outbox.
      const answered = (await imapSearch(sandbox, "INBOX", 'FROM "tapioca@tapioca.example" BODY "Got it, thanks Alex"')).length;
      const offline = `Written offline by the journey (${stamp})`;
      await open(page, await find(page, sandbox.url, "Tapioca"));
      await replyOn(page, "email", offline);
      await page.getByTestId("outbox-chip").click();
      await page.locator('[data-testid="outbox-item"][data-state="queued"]').first().waitFor({ timeout: 10000 });
      await screen(page, "outbox-offline");

      // The network returns: it goes out. The sandbox's IMAP server has the sent copy, and
      // Tapioca's answer to it.
      await browser.context.setOffline(false);
      await outboxSettles(page);
      await screen(page, "outbox-sent");
      for (let i = 0; ; i++) {
        const sent = await imapSearch(sandbox, "Sent", `BODY "${offline}"`);
        const answers = await imapSearch(sandbox, "INBOX", 'FROM "tapioca@tapioca.example" BODY "Got it, thanks Alex"');
        if (sent.length === 1 && answers.length > answered) break;
        assert.ok(i < 60, `the offline reply reached the sandbox (sent copies ${sent.length}, answers ${answers.length})`);
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.deepEqual(errors, []);
    } catch (e) {
      // Where it stopped, for whoever reads the failure.
      const last = browser.context.pages().at(-1);
      if (last) await shot(last, `journey-failed-${size}`, { full: true }).catch(() => undefined);
      throw e;
    } finally {
      await browser.close();
      await sandbox.stop();
    }
  });
}
