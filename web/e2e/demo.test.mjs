// What a newcomer sees after `make run`: the sandbox and the relay, the onboarding with the
// token given in the URL fragment, "Try it with demo accounts", and the sandbox's mail
// arriving in discussions (with sync progress), at phone and desktop sizes.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { launch, onboard, startSandbox, waitConnected } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "3s" });
});
after(async () => {
  await sandbox?.stop();
});

for (const [name, viewport] of [
  ["phone", { width: 360, height: 740 }],
  ["desktop", { width: 1440, height: 900 }],
]) {
  test(`demo accounts from onboarding (${name})`, async () => {
    const browser = await launch(viewport);
    try {
      const page = await browser.context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      // The token from the URL fragment, a passphrase, then one click: the mailbox by
      // autoconfig, the demo key, then Mastodon's and X's consent pages in one popup that comes
      // back to the app each time.
      await onboard(page, sandbox);
      // Record the first sync's progress as the app shows it: on the accounts step, a bar per
      // account while its messages arrive.
      await page.evaluate(() => {
        window.__progress = [];
        new MutationObserver(() => {
          for (const el of document.querySelectorAll('[data-testid="sync-progress"] progress')) {
            window.__progress.push([Number(el.value), Number(el.max)]);
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("demo").locator("button").click()]);
      if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });

      // All three accounts run: mail over the relay, Mastodon live in the browser, X polled.
      await waitConnected(page, sandbox);
      const progress = await page.evaluate(() => window.__progress);
      assert.ok(
        progress.some(([done, max]) => max > 100 && done > 0 && done < max),
        `the first sync showed its progress: ${JSON.stringify(progress.slice(0, 10))}`,
      );
      await page.screenshot({ path: `test-results/demo-accounts-${name}.png`, fullPage: true });
      await page.goto(`${sandbox.url}/#/`);

      // Tapioca from three networks is one discussion (Mastodon and X merged by the verified
      // link; the email address by the user's say-so below if the engine only suggests it).
      const tapioca = page.getByTestId("discussion-item").filter({ hasText: "Tapioca" });
      await tapioca.first().waitFor({ timeout: 60000 });
      const merged = tapioca.filter({ has: page.locator(".net-mastodon") }).filter({ has: page.locator(".net-x") });
      await merged.first().waitFor({ timeout: 60000 });
      mkdirSync("test-results", { recursive: true });
      await page.screenshot({ path: `test-results/demo-${name}.png` });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
