// What a newcomer sees after `make run`: the sandbox and the relay, the onboarding with the
// token given in the URL fragment, "Try it with demo accounts", and the sandbox's mail
// arriving in discussions (with sync progress), at phone and desktop sizes.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { launch, startSandbox } from "./harness.mjs";

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
      await page.goto(`${sandbox.url}/#relay-token=${encodeURIComponent(sandbox.token)}`);
      const vault = page.getByTestId("setup-vault");
      await vault.waitFor({ timeout: 30000 });
      await vault.locator("input").nth(0).fill("correct horse battery staple");
      await vault.locator("input").nth(1).fill("correct horse battery staple");
      await vault.locator("button").click();

      // The token came from the fragment, which is gone from the address bar.
      const relayForm = page.getByTestId("setup-relay");
      await relayForm.waitFor({ timeout: 30000 });
      assert.equal(await relayForm.locator("input").nth(1).inputValue(), sandbox.token);
      assert.equal(new URL(page.url()).hash, "");
      await relayForm.locator("button").click();

      await page.getByTestId("demo").locator("button").click();
      await page.getByTestId("demo-started").waitFor({ timeout: 60000 });
      // Discussions from the sandbox: Tapioca's mail among them.
      await page.getByTestId("discussion-item").first().waitFor({ timeout: 60000 });
      await page.getByTestId("discussion-item").filter({ hasText: "Tapioca" }).first().waitFor({ timeout: 60000 });
      mkdirSync("test-results", { recursive: true });
      await page.screenshot({ path: `test-results/demo-${name}.png` });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
