// French and English: the language follows the browser's, core errors are shown in it from
// their codes, dates and numbers follow its conventions, and the choice made in the settings
// is remembered.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { catalogue, englishIn, englishStrings, fragments, frenchChecker, sameText } from "./catalogue.mjs";
import { shot } from "./checks.mjs";
import { launch, seedSynthetic, startSyntheticRelay, startSandbox } from "./harness.mjs";

let relay, browser;
before(async () => {
  relay = await startSyntheticRelay(); // 1,500 messages: numbers with a thousands separator
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
  await page.waitForFunction(() => document.documentElement.lang === "fr", null, { timeout: 5000 }); // set once the page rendered
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
  await seedSynthetic(page, 1500, 4);
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
  await page.waitForFunction(() => document.documentElement.lang === "en", null, { timeout: 5000 }); // set once the page rendered
  await page.reload();
  await page.locator(".screen-title", { hasText: "Settings" }).waitFor({ timeout: 30000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a French browser shows no English, from onboarding and the demo to every screen: discussions, notes, compose, contacts, help, offline, outbox, settings", async () => {
  // The check itself: it sees English strings and English sentences, and no French string.
  const english = await englishStrings();
  assert.ok(english.length > 300, `the English catalogue has ${english.length} strings`);
  assert.equal(englishIn(["Ajouter", "Signed by a known key", "Export secret key", "Your messages could not be loaded: boom"], english).length, 3);
  assert.equal(englishIn(["Not encrypted: you have no key for alice@example.org yet"], []).length, 1);
  assert.deepEqual(englishIn([...fragments(await catalogue("fr"))], english), []);
  // And the French catalogue leaves nothing in English: what it says as English does are words
  // both languages share.
  assert.deepEqual(sameText(await catalogue("en"), await catalogue("fr")), [
    "app.title = Caliopen",
    "app.backToList = Discussions",
    "list.label = Discussions",
    "list.messages = … messages",
    "list.total = … discussions",
    "networks.mastodon = Mastodon",
    "discussion.label = Discussion",
    "tags.count = … discussions",
    "topics.messages = … messages",
    "setup.port = Port",
    "content.text = Message",
    "contacts.title = Contacts",
    "contacts.open = Contacts",
    "contacts.label = Contacts",
    "contacts.total = … contacts",
    "contacts.detail = Contact",
    "contacts.suggestions = Suggestions",
    "contacts.facts.signature = Signature",
  ]);
  const french = await frenchChecker();
  const sandbox = await startSandbox({ tick: "1h" });
  const browser = await launch({ width: 1440, height: 900 }, { locale: "fr-FR" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const check = async (screen) => {
      await page.waitForTimeout(300); // let live queries settle
      await shot(page, `i18n-fr-${screen}`);
      assert.deepEqual(await french(page, screen), [], `${screen}: English left in the French UI`);
    };
    const search = async (text) => {
      await page.goto(`${sandbox.url}/#/`);
      await page.locator("#search").fill(text);
      const item = page.getByTestId("discussion-item").filter({ hasText: text }).first();
      await item.click();
      await page.getByTestId("message").first().waitFor({ timeout: 60000 });
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
    await search("Camille");
    const signed = page.locator('[data-testid="security"][data-encrypted="true"]').first();
    await signed.waitFor({ timeout: 60000 });
    assert.match(await signed.innerText(), /^Chiffré · Signé par une clé/);
    await page.evaluate(() => document.querySelectorAll('[data-testid="privacy"]').forEach((d) => (d.open = true)));
    await check("discussion-encrypted");

    // A note on a message's content, from its code: Martin's old mail in an unknown charset.
    await search("Martin");
    const note = page.locator('[data-testid="body-note"][data-code="part.unknown-charset"]');
    await note.waitFor({ timeout: 30000 });
    assert.match(await note.textContent(), /^Une partie de ce message utilise un jeu de caractères inconnu/);
    await check("discussion-note");

    // A new message to Tapioca: her channels, each saying why.
    await page.goto(`${sandbox.url}/#/compose`);
    await page.getByTestId("compose-to").fill("Tapio");
    await page.getByTestId("suggestion").filter({ hasText: "Tapioca" }).first().click();
    await page.getByTestId("channel").first().waitFor({ timeout: 30000 });
    await page.getByTestId("compose-subject").fill("Atelier");
    await page.getByTestId("compose-text").fill("Bonjour Tapioca");
    await page.getByTestId("draft-saved").waitFor({ timeout: 10000 });
    await check("compose");

    // The shortcuts' help.
    await page.goto(`${sandbox.url}/#/`);
    await page.getByTestId("help-button").click();
    await page.getByTestId("help").waitFor();
    await check("help");
    await page.keyboard.press("Escape");

    // Contacts: the suggestion to review, then Tapioca's contact with the merge panel open.
    await page.goto(`${sandbox.url}/#/contacts`);
    await page.getByTestId("suggestion").first().waitFor({ timeout: 60000 });
    await check("contacts");
    await page.getByTestId("contact-item").filter({ hasText: "Tapioca" }).first().click();
    const contact = page.getByTestId("contact-view");
    await contact.getByTestId("merge-with").locator("summary").click();
    await contact.getByTestId("merge-search").fill("Camil");
    await contact.getByTestId("merge-candidate").first().waitFor({ timeout: 10000 });
    await check("contact-merge");

    // Offline: the banner, a reply that waits in the outbox, then goes out.
    await search("Camille");
    await page.context().setOffline(true);
    await page.locator('[data-testid="offline-banner"][data-why="offline"]').waitFor({ timeout: 10000 });
    await page.locator("#reply-text").fill("Bien reçu, merci.");
    await page.getByTestId("reply").locator("button.primary").click();
    await page.getByTestId("reply-queued").waitFor({ timeout: 30000 });
    await check("reply-offline");
    await page.getByTestId("outbox-chip").click();
    await page.locator('[data-testid="outbox-item"][data-state="queued"]').first().waitFor({ timeout: 10000 });
    await check("outbox-offline");
    await page.context().setOffline(false);
    await page.locator('[data-testid="outbox-item"][data-state="sent"]').first().waitFor({ timeout: 120000 });
    await check("outbox-sent");

    // The settings: accounts with their states, every panel open (keys, the Autocrypt
    // preference, sync, outbox), device sync started.
    await page.goto(`${sandbox.url}/#/settings`);
    await page.locator('[data-testid="account"][data-network="x"][data-state="polling"]').waitFor({ timeout: 60000 });
    await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
    await page.getByTestId("prefer-encrypt").waitFor();
    await page.getByTestId("sync-create").click();
    await page.getByTestId("sync-secret").waitFor({ timeout: 30000 });
    await check("settings");
    await page.getByTestId("sync-secret").locator("button").click();
    await page.getByTestId("sync-settings").locator(":scope > summary").click(); // it folds once the words are written down
    await page.getByTestId("sync-state").waitFor({ timeout: 30000 });
    await check("settings-synced");

    // Reloaded: the passphrase is asked again.
    await page.goto(`${sandbox.url}/#/`);
    await page.reload();
    await page.getByTestId("setup-unlock").waitFor({ timeout: 30000 });
    await check("unlock");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await sandbox.stop();
  }
});
