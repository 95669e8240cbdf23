// Onboarding in the browser: create the vault (Argon2id in WebAssembly), set the relay with
// an operator-issued token, try to add an email account whose domain has no servers: the
// discovery runs through the relay tunnel from the browser and the manual form opens with a
// readable error. Reloading asks for the passphrase again (the vault is locked at rest), and
// so does "Lock now", in every open tab.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { createVault, launch, startRelay } from "./harness.mjs";

let relay, browser;
before(async () => {
  relay = await startRelay();
  browser = await launch({ width: 1280, height: 860 });
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

test("vault, relay and an email account, through the relay from the browser", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(relay.url);
  await createVault(page);

  const relayForm = page.getByTestId("setup-relay");
  await relayForm.waitFor({ timeout: 30000 });
  assert.equal(await relayForm.locator("input").nth(0).inputValue(), relay.url);
  await relayForm.locator("input").nth(1).fill(relay.token);
  await relayForm.locator("button").click();
  const add = page.getByTestId("add-email");
  await add.waitFor({ timeout: 30000 });
  await add.locator("input").nth(0).fill("someone@example.invalid");
  await add.locator("input").nth(1).fill("secret");
  await add.locator("button").click();
  await add.locator(".error").waitFor({ timeout: 60000 });
  assert.match(await add.locator(".error").textContent(), /No server settings were found for someone@example.invalid/);
  assert.equal(await add.locator('input[type="checkbox"]').isChecked(), true, "the manual form opens");

  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/onboarding-desktop.png" });

  // Locked at rest: a reload asks for the passphrase; a wrong one is refused.
  await page.reload();
  const unlock = page.getByTestId("setup-unlock");
  await unlock.waitFor({ timeout: 30000 });
  await unlock.locator("input").fill("wrong passphrase");
  await unlock.locator("button").click();
  await unlock.locator(".error").waitFor();
  assert.match(await unlock.locator(".error").textContent(), /does not open/);
  await unlock.locator("input").fill("correct horse battery staple");
  await unlock.locator("button").click();
  await page.getByTestId("add-email").waitFor({ timeout: 30000 });

  // "Lock now" in the settings locks every open tab: both ask for the passphrase again.
  const other = await browser.context.newPage();
  await other.goto(relay.url);
  const otherUnlock = other.getByTestId("setup-unlock");
  await otherUnlock.waitFor({ timeout: 30000 });
  await otherUnlock.locator("input").fill("correct horse battery staple");
  await otherUnlock.locator("button").click();
  await other.getByTestId("add-email").waitFor({ timeout: 30000 });
  await page.getByTestId("settings-button").click();
  await page.getByTestId("lock-now").click();
  await page.getByTestId("setup-unlock").first().waitFor({ timeout: 30000 });
  await otherUnlock.waitFor({ timeout: 30000 });
  assert.equal(await page.getByTestId("lock-now").count(), 0, "no lock button while locked");
  await other.close();

  // The passphrase changes in the settings, given the current one; then only the new one opens.
  await page.getByTestId("setup-unlock").first().locator("input").fill("correct horse battery staple");
  await page.getByTestId("setup-unlock").first().locator("button").click();
  const change = page.getByTestId("change-passphrase");
  await change.waitFor({ timeout: 30000 });
  await change.locator("summary").click();
  await change.locator("input").nth(0).fill("correct horse battery staple");
  await change.locator("input").nth(1).fill("a kite, a key and a storm");
  await change.locator("input").nth(2).fill("a kite, a key and a storm");
  await change.locator("button").click();
  await page.getByTestId("passphrase-changed").waitFor({ timeout: 30000 });
  await page.reload();
  const unlockAgain = page.getByTestId("setup-unlock").first();
  await unlockAgain.waitFor({ timeout: 30000 });
  await unlockAgain.locator("input").fill("a kite, a key and a storm");
  await unlockAgain.locator("button").click();
  await page.getByTestId("settings-security").waitFor({ timeout: 30000 });
  assert.deepEqual(errors, []);
  await page.close();
});
