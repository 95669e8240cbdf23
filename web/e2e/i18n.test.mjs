// French and English: the language follows the browser's, core errors are shown in it from
// their codes, dates and numbers follow its conventions, and the choice made in the settings
// is remembered.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { catalogue, fragments } from "./catalogue.mjs";
import { shot } from "./checks.mjs";
import { launch, startRelay, startSandbox } from "./harness.mjs";

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

// What a screen shows that is the user's data, not the app's words: names, addresses,
// subjects, message text, keys, the recovery phrase, language names in their own language.
const USER_DATA = [
  ".names", ".snippet", ".subject", ".from", ".addr", ".avatar", "#discussion-title", ".body", "iframe",
  ".key strong", ".fingerprint", "code", "time", "textarea", "[data-testid='sync-phrase']",
  "[data-testid='filter-account'] option", "option[lang]", "[data-testid='x-callback']",
].join(", ");

/** visibleTexts is what the page shows in words: its visible text and the labels, titles and
 * placeholders of its visible elements, without the user's data. */
function visibleTexts(page) {
  return page.evaluate((userData) => {
    const shown = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && !el.closest(userData);
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      if (text && n.parentElement && shown(n.parentElement)) out.push(text);
    }
    for (const el of document.body.querySelectorAll("[aria-label], [title], [placeholder]")) {
      if (!shown(el)) continue;
      for (const a of ["aria-label", "title", "placeholder"]) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out;
  }, USER_DATA);
}

// Words that mark an English sentence, and that no French sentence has.
const ENGLISH_WORDS = ["the", "and", "your", "you", "is", "are", "not", "with", "this", "of", "to", "for", "from", "has", "was"];
const word = (w) => new RegExp(`(?<![\\p{L}\\p{N}])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "u");

/** englishIn lists the texts that show an English string of the catalogue, or read as English. */
function englishIn(texts, english) {
  const found = [];
  for (const text of texts) {
    const hit = english.find((e) => e.re.test(text));
    if (hit) found.push(`${JSON.stringify(text)} shows ${JSON.stringify(hit.text)}`);
    else if (ENGLISH_WORDS.filter((w) => word(w).test(text.toLowerCase())).length >= 2) found.push(`${JSON.stringify(text)} reads as English`);
  }
  return found;
}

test("a French browser shows no English, from onboarding and the demo to a discussion's privacy and the settings", async () => {
  const fr = fragments(await catalogue("fr"));
  // The English strings that French does not use too (names such as Mastodon, words such as
  // "Import"), with at least three letters (not "ms", "/100").
  const english = [...fragments(await catalogue("en"))]
    .filter((f) => /\p{L}{3}/u.test(f))
    .map((text) => ({ text, re: word(text) }))
    .filter((e) => ![...fr].some((f) => e.re.test(f)));
  assert.ok(english.length > 300, `the English catalogue has ${english.length} strings`);
  // The check itself: it sees English strings and English sentences, and no French string.
  assert.equal(englishIn(["Ajouter", "Signed by a known key", "Export secret key", "Your messages could not be loaded: boom"], english).length, 3);
  assert.equal(englishIn(["Not encrypted: you have no key for alice@example.org yet"], []).length, 1);
  assert.deepEqual(englishIn([...fr], english), []);
  const sandbox = await startSandbox({ tick: "3s" });
  const browser = await launch({ width: 1440, height: 900 }, { locale: "fr-FR" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const screens = [];
    const check = async (screen) => {
      await page.waitForTimeout(300); // let live queries settle
      const found = englishIn(await visibleTexts(page), english);
      screens.push(screen);
      await shot(page, `i18n-fr-${screen}`);
      assert.deepEqual(found, [], `${screen}: English left in the French UI`);
    };

    await page.goto(`${sandbox.url}/#relay-token=${encodeURIComponent(sandbox.token)}`);
    const vault = page.getByTestId("setup-vault");
    await vault.waitFor({ timeout: 30000 });
    await vault.locator("input").nth(0).fill("correct horse battery staple");
    await check("vault");
    await vault.locator("input").nth(1).fill("correct horse battery staple");
    await vault.locator("button").click();
    const relayForm = page.getByTestId("setup-relay");
    await relayForm.waitFor({ timeout: 30000 });
    await check("relay");
    await relayForm.locator("button").click();

    // Adding an account: each network's form, X's terms included.
    await page.getByTestId("add-account-form").waitFor({ timeout: 30000 });
    await check("add-email");
    await page.getByTestId("choose-mastodon").check();
    await page.getByTestId("add-mastodon").locator("input[type=checkbox]").check();
    await check("add-mastodon");
    await page.getByTestId("choose-x").check();
    await page.getByTestId("add-x").locator("input[type=checkbox]").check();
    await check("add-x");
    // A core error of the X sign-in, by its code.
    await page.getByTestId("add-x").locator("input[type=url]").fill("https://api.example.test/path");
    await page.getByTestId("add-x").locator("input:not([readonly]):not([type])").first().fill("client");
    await page.getByTestId("add-x").locator("button").click();
    await page.getByTestId("add-x").locator(".error").waitFor({ timeout: 30000 });
    assert.match(await page.getByTestId("add-x").locator(".error").textContent(), /^L’adresse de l’API doit être une origine https:/);
    await check("add-x-error");
    await page.getByTestId("choose-email").check();

    // The demo accounts, through their consent pages.
    const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("demo").locator("button").click()]);
    await check("demo-running");
    if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });
    // Onboarding folds away once the demo accounts are in.
    await page.getByTestId("demo").waitFor({ state: "detached", timeout: 60000 });

    // The list, with the user's own privacy index opened.
    const tapioca = page.getByTestId("discussion-item").filter({ hasText: "Tapioca" });
    await tapioca.filter({ has: page.locator(".net-mastodon") }).first().waitFor({ timeout: 60000 });
    await page.getByTestId("user-privacy").locator("summary").click();
    await check("list");

    // A discussion with every message's privacy details open, and one from each network.
    for (const network of ["email", "mastodon", "x"]) {
      await page.goto(`${sandbox.url}/#/`);
      const item = page.getByTestId("discussion-item").filter({ has: page.locator(`.net-${network}`) }).first();
      await item.waitFor({ timeout: 60000 });
      await item.click();
      await page.getByTestId("message").first().waitFor({ timeout: 30000 });
      await page.evaluate(() => document.querySelectorAll('[data-testid="privacy"]').forEach((d) => (d.open = true)));
      // The reply's encryption plan, once the core answered.
      await page.waitForFunction(() => !document.querySelector('[data-testid="plan"]')?.textContent?.endsWith("…"), null, { timeout: 30000 });
      await check(`discussion-${network}`);
    }

    // Camille's encrypted and signed mail: what the OpenPGP layer says of it, in French too.
    await page.goto(`${sandbox.url}/#/`);
    await page.locator("#search").fill("Camille");
    await page.getByTestId("discussion-item").filter({ hasText: "Camille" }).first().click();
    const signed = page.locator('[data-testid="security"][data-encrypted="true"]').first();
    await signed.waitFor({ timeout: 60000 });
    assert.match(await signed.innerText(), /^Chiffré · Signé par une clé/);
    await check("discussion-encrypted");

    // The settings: accounts with their states, keys, device sync started.
    await page.goto(`${sandbox.url}/#/settings`);
    await page.locator('[data-testid="account"][data-network="x"][data-state="polling"]').waitFor({ timeout: 60000 });
    await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
    await page.getByTestId("sync-create").click();
    await page.getByTestId("sync-secret").waitFor({ timeout: 30000 });
    await check("settings");
    await page.getByTestId("sync-secret").locator("button").click();
    await page.getByTestId("sync-settings").locator("summary").click(); // it folds once the words are written down
    await page.getByTestId("sync-state").waitFor({ timeout: 30000 });
    await check("settings-synced");
    assert.ok(screens.length >= 13, `screens checked: ${screens.join(", ")}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await sandbox.stop();
  }
});
