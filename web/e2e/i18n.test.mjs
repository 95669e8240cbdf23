// French and English: the language follows the browser's, core errors are shown in it from
// their codes, dates and numbers follow its conventions, and the choice made in the settings
// is remembered.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { shot } from "./checks.mjs";
import { launch, startRelay } from "./harness.mjs";

let relay, browser;
before(async () => {
  relay = await startRelay();
  browser = await launch({ width: 1280, height: 860 }, { locale: "fr-FR" });
});
after(async () => {
  await browser?.close();
  await relay?.stop();
});

test("a French browser gets the app in French, and English once chosen in the settings", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(relay.url);
  const vault = page.getByTestId("setup-vault");
  await vault.waitFor({ timeout: 30000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), "fr");
  assert.equal(await vault.locator("h2").textContent(), "Choisissez une phrase de passe");

  // An error of the UI, then errors of the core, by their codes.
  await vault.locator("input").nth(0).fill("correct horse battery staple");
  await vault.locator("input").nth(1).fill("something else entirely");
  await vault.locator("button").click();
  assert.equal(await vault.locator(".error").textContent(), "Les deux phrases de passe diffèrent.");
  await vault.locator("input").nth(1).fill("correct horse battery staple");
  await vault.locator("button").click();
  const relayForm = page.getByTestId("setup-relay");
  await relayForm.waitFor({ timeout: 30000 });
  await relayForm.locator("input").nth(0).fill("ftp://relay.example");
  await relayForm.locator("input").nth(1).fill("token");
  // The browser's own URL check would stop an address without a scheme; this one passes it.
  await relayForm.locator("button").click();
  await relayForm.locator(".error").waitFor();
  assert.match(await relayForm.locator(".error").textContent(), /^L’adresse du relais doit commencer par https:\/\//);
  await page.reload();
  const unlock = page.getByTestId("setup-unlock");
  await unlock.waitFor({ timeout: 30000 });
  await unlock.locator("input").fill("wrong passphrase");
  await unlock.locator("button").click();
  await unlock.locator(".error").waitFor({ timeout: 30000 });
  assert.equal(await unlock.locator(".error").textContent(), "Cette phrase de passe n’ouvre pas le coffre.");

  // Dates and numbers in French.
  await page.evaluate(() => window.caliopen.core.call("dev.seedSynthetic", { count: 1500, seed: 4 }));
  await page.getByTestId("discussion-item").first().waitFor({ timeout: 30000 });
  const time = await page.getByTestId("discussion-item").first().locator("time").textContent();
  assert.match(time, /^\d{1,2} [a-zéû.]+( \d{4})?$|^\d{2}:\d{2}$/, `a French date: ${time}`);
  await page.waitForFunction(() => /^\d{1}\s\d{3} discussions$/.test(document.querySelector(".list-count")?.textContent ?? ""), null, { timeout: 30000 });
  await shot(page, "desktop-list-fr");

  // English, chosen in the settings, stays after a reload.
  await page.getByTestId("settings-button").click();
  await page.getByTestId("settings").waitFor();
  assert.equal(await page.locator(".screen-title").textContent(), "Réglages");
  await page.getByTestId("language").selectOption("en");
  await page.locator(".screen-title", { hasText: "Settings" }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  await page.reload();
  await page.locator(".screen-title", { hasText: "Settings" }).waitFor({ timeout: 30000 });
  assert.deepEqual(errors, []);
  await page.close();
});
