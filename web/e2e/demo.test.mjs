// What a newcomer sees after `make run`: the sandbox and the relay,
// the onboarding with the token given in the URL fragment, "Try it with demo accounts", the
// first sync's progress shown part way, and discussions from all three networks (Camille by
// email, Tapioca on Mastodon and X), at phone and desktop sizes. The whole journey is
// journey.test.mjs.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { shot, SIZES } from "./checks.mjs";
import { assertSyncProgressShown, launch, onboard, startSandbox, waitConnected, watchSyncProgress } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "3s" });
});
after(async () => {
  await sandbox?.stop();
});

for (const [name, viewport] of Object.entries(SIZES)) {
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
      await watchSyncProgress(page);
      const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("demo").locator("button").click()]);
      if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });

      // All three accounts run: mail over the relay, Mastodon live in the browser, X polled.
      await waitConnected(page, sandbox);
      await assertSyncProgressShown(page);
      await shot(page, `demo-accounts-${name}`, { full: true });
      await page.goto(`${sandbox.url}/#/`);

      // The sandbox's mail: Camille's discussion by email.
      await page.locator("#search").fill("Camille");
      await page.getByTestId("discussion-item").filter({ hasText: "Camille" }).filter({ has: page.locator(".net-email") }).first().waitFor({ timeout: 60000 });
      await page.locator("#search").fill("");

      // Tapioca on Mastodon and X is one discussion, merged by the verified link (her email is
      // only suggested: contacts.test and the journey accept the suggestion).
      const tapioca = page.getByTestId("discussion-item").filter({ hasText: "Tapioca" });
      await tapioca.first().waitFor({ timeout: 60000 });
      const merged = tapioca.filter({ has: page.locator(".net-mastodon") }).filter({ has: page.locator(".net-x") });
      await merged.first().waitFor({ timeout: 60000 });
      await shot(page, `demo-${name}`);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
