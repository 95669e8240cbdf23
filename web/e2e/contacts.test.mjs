// The contacts screen against `make run`'s sandbox: with the demo accounts, Tapioca's Mastodon
// and X identities are one contact (the verified link) and her email is only suggested (her
// signature names both handles); the inbox says a suggestion waits; accepting it makes one
// Tapioca discussion with Email, Mastodon and X; her contact says why they are one person;
// separating the email from the contact gives two discussions again. axe-core finds no serious
// or critical violation on the screen at a phone's size and a desktop's, each kept as a
// screenshot in test-results/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertAccessible, checkScreens, SIZES } from "./checks.mjs";
import { launch, onboardWithDemo, startSandbox } from "./harness.mjs";

const EMAIL = "email:tapioca@tapioca.example";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "1h" });
});
after(async () => {
  await sandbox?.stop();
});


/** tapiocaInInbox searches the inbox for Tapioca and returns her discussions. */
async function tapiocaInInbox(page) {
  await page.goto(`${sandbox.url}/#/`);
  const search = page.getByTestId("search");
  await search.waitFor({ timeout: 30000 });
  await search.fill("tapioca");
  return page.getByTestId("discussion-item").filter({ hasText: "Tapioca" });
}

test("contacts: a suggestion accepted, the contact explained, an address separated", async () => {
  const browser = await launch(SIZES.desktop, { locale: "en-US" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));

    // Onboarding with the demo accounts, as a newcomer does after `make run`.
    await onboardWithDemo(page, sandbox);

    // The inbox says a suggestion waits; Tapioca is two discussions: email, and Mastodon + X.
    const notice = page.getByTestId("suggestions-notice");
    await notice.waitFor({ timeout: 90000 });
    const before = await tapiocaInInbox(page);
    await before.filter({ has: page.locator(".net-mastodon") }).filter({ has: page.locator(".net-x") }).first().waitFor({ timeout: 60000 });
    await before.filter({ has: page.locator(".net-email") }).first().waitFor({ timeout: 60000 });
    assert.equal(await before.count(), 2);

    // The contacts screen, from the top bar: the suggestion and its evidence in words.
    await page.getByTestId("contacts-button").click();
    const suggestion = page.getByTestId("suggestion").filter({ hasText: "tapioca@tapioca.example" });
    await suggestion.waitFor({ timeout: 30000 });
    const question = await suggestion.locator(".question").textContent();
    assert.match(question, /Tapioca on Email may be the same person as Tapioca.* on Mastodon and X/);
    assert.equal(await suggestion.locator('[data-kind="signature-handle"]').count(), 2);
    assert.match(await suggestion.textContent(), /The email signature of tapioca@tapioca\.example \(Email\) names @Tapioca42 \(X\)/);
    await page.getByTestId("contact-item").first().waitFor();
    await checkScreens(page, "contacts-suggestion");

    // Accepted: the contact opens, with three addresses and why they are one person.
    await suggestion.getByTestId("suggestion-accept").click();
    const view = page.getByTestId("contact-view");
    await view.locator('[data-testid="identity"]').nth(2).waitFor({ timeout: 30000 });
    assert.equal(await view.getByTestId("identity").count(), 3);
    const why = view.getByTestId("contact-why");
    for (const kind of ["mastodon-verified-link", "signature-handle", "user"]) {
      await why.locator(`[data-kind="${kind}"]`).first().waitFor({ timeout: 10000 });
    }
    assert.match(await why.textContent(), /Mastodon server verified that https:\/\/tapioca\.example is theirs/);
    await view.locator(".verified").first().waitFor(); // the verified profile field
    assert.equal(await page.getByTestId("suggestion").filter({ hasText: "tapioca@tapioca.example" }).count(), 0);
    await checkScreens(page, "contacts-detail");

    // The inbox: one Tapioca discussion with Email, Mastodon and X badges; the notice is gone.
    const merged = await tapiocaInInbox(page);
    await merged
      .filter({ has: page.locator(".net-email") })
      .filter({ has: page.locator(".net-mastodon") })
      .filter({ has: page.locator(".net-x") })
      .first()
      .waitFor({ timeout: 30000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="discussion-item"]').length === 1, null, { timeout: 30000 });
    assert.equal(await merged.count(), 1);

    // Separated again from the contact's detail: two discussions.
    await page.goto(`${sandbox.url}/#/contacts/${encodeURIComponent(EMAIL)}`);
    const email = page.getByTestId("contact-view").locator(`[data-testid="identity"][data-uri="${EMAIL}"]`);
    await email.getByTestId("split").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="contact-view"] [data-testid="identity"]').length === 1, null, {
      timeout: 30000,
    });
    const split = await tapiocaInInbox(page);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="discussion-item"]').length === 2, null, { timeout: 30000 });
    assert.equal(await split.count(), 2);
    assert.equal(await split.filter({ has: page.locator(".net-email") }).filter({ has: page.locator(".net-x") }).count(), 0);

    // Camille's key (from her Autocrypt header) on her contact, with its fingerprint.
    await page.goto(`${sandbox.url}/#/contacts/${encodeURIComponent("email:camille@caliopen.test")}`);
    const fingerprint = page.getByTestId("contact-keys").locator(".fingerprint").first();
    await fingerprint.waitFor({ timeout: 30000 });
    assert.match(await fingerprint.textContent(), /^([0-9A-F]{4} {1,2}){9}[0-9A-F]{4}$/);

    // In French, every word of the screen changes.
    await page.goto(`${sandbox.url}/#/settings`);
    await page.getByTestId("language").selectOption("fr");
    await page.goto(`${sandbox.url}/#/contacts/${encodeURIComponent(EMAIL)}`);
    await page.getByText("Une seule adresse : rien à expliquer.").waitFor({ timeout: 10000 });
    assert.equal(await page.locator("#identities-title").textContent(), "Adresses");
    await assertAccessible(page, "contact in French");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
