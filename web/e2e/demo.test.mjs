// What a newcomer sees after `make run`: the sandbox and the relay, the onboarding with the
// token given in the URL fragment, "Try it with demo accounts", and the sandbox's mail
// arriving in discussions (with sync progress), at phone and desktop sizes.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { launch, onboardWithDemo, startSandbox, waitConnected } from "./harness.mjs";

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
      await onboardWithDemo(page, sandbox);

      // All three accounts run: mail over the relay, Mastodon live in the browser, X polled.
      await waitConnected(page, sandbox);
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
