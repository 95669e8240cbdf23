// Every screen at a phone's size (360×740) and a desktop's (1440×900), light and dark (the
// theme chosen in the settings): onboarding steps, the list, the user's privacy panel, a
// discussion with a message's privacy explained, the settings, the unlock screen. axe-core
// finds no serious or critical violation on any of them, every control is a touch target of
// 44×44 px at least, and each is kept as a screenshot (test-results/screens-<screen>-<size>.png). The
// layout: list and discussion side by side on a desktop, one at a time with a way back on a
// phone. The messages are a synthetic mailbox (the synthetic relay's core); the journey
// (journey.test) goes through the sandbox's.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertAccessible, shot, SIZES } from "./checks.mjs";
import { launch, seedSynthetic, startSyntheticRelay } from "./harness.mjs";

let relay;
before(async () => {
  relay = await startSyntheticRelay();
});
after(async () => {
  await relay?.stop();
});

/** check runs axe and measures the touch targets of the screen, and keeps its picture. */
async function check(page, size, name) {
  await assertAccessible(page, `${name} at ${size}`);
  await shot(page, `screens-${name}-${size}`);
}

for (const [size, viewport] of Object.entries(SIZES)) {
  test(`every screen at ${size} size is accessible`, async () => {
    const browser = await launch(viewport, { locale: "en-US" });
    try {
      const page = await browser.context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(relay.url);

      // Onboarding: passphrase, relay, first account.
      const vault = page.getByTestId("setup-vault");
      await vault.waitFor({ timeout: 30000 });
      await vault.locator("input").nth(0).fill("correct horse battery staple");
      await check(page, size, "onboarding-passphrase");
      await vault.locator("input").nth(1).fill("correct horse battery staple");
      await vault.locator("button").click();
      const relayForm = page.getByTestId("setup-relay");
      await relayForm.waitFor({ timeout: 30000 });
      await check(page, size, "onboarding-relay");
      await relayForm.locator("input").nth(1).fill(relay.token);
      await relayForm.locator("button").click();
      await page.getByTestId("add-email").waitFor({ timeout: 30000 });
      await check(page, size, "onboarding-account");

      // Messages to show: the core's synthetic mailbox.
      await seedSynthetic(page, 400, 2);
      const items = page.getByTestId("discussion-item");
      await items.first().waitFor({ timeout: 30000 });
      await page.getByTestId("discussion-grade").first().waitFor({ timeout: 30000 });
      await check(page, size, "list");

      await page.getByTestId("user-privacy").locator("summary").click();
      await check(page, size, "privacy-panel");
      await page.getByTestId("user-privacy").locator("summary").click();

      // A discussion: on a phone it replaces the list, on a desktop it sits beside it.
      const key = await items.nth(1).getAttribute("data-key");
      await items.nth(1).click();
      const view = page.getByTestId("discussion-view");
      await view.getByTestId("message").first().waitFor({ timeout: 30000 });
      assert.equal(decodeURIComponent(new URL(page.url()).hash), `#/d/${key}`);
      const listShown = await page.getByTestId("discussion-list").isVisible();
      assert.equal(listShown, size === "desktop", "the list beside the discussion on a desktop only");
      assert.equal(await view.getByTestId("back").isVisible(), size === "phone", "a way back on a phone");
      await view.getByTestId("privacy").first().locator("summary").click();
      await check(page, size, "discussion");

      if (size === "phone") {
        await view.getByTestId("back").click();
        await page.getByTestId("discussion-list").waitFor();
        assert.equal(new URL(page.url()).hash, "");
        assert.equal(await view.isVisible(), false);
      }

      // Settings, light then dark.
      await page.getByTestId("settings-button").click();
      await page.getByTestId("settings").waitFor();
      // No account yet: the add form shows.
      assert.equal(await page.getByTestId("account").count(), 0);
      await page.getByTestId("add-account-form").waitFor();
      await check(page, size, "settings");
      await page.getByTestId("theme-dark").check();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
      await check(page, size, "settings-dark");
      await page.goBack();
      await items.first().waitFor();
      await check(page, size, "list-dark");
      await items.first().click();
      await page.getByTestId("message").first().waitFor();
      await check(page, size, "discussion-dark");

      // Reloaded, the vault asks for its passphrase again; the messages stay readable.
      await page.goto(`${relay.url}/#/`);
      await page.reload();
      await page.getByTestId("setup-unlock").waitFor({ timeout: 30000 });
      await page.getByTestId("discussion-item").first().waitFor({ timeout: 30000 });
      await check(page, size, "unlock-dark");
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  });
}
