// The user's accounts, always in sight, against `make run`'s sandbox: the top bar shows an
// account's first sync with its progress, then nothing while all is well; when the password
// changes at the mail provider (the sandbox's password page), the top bar says so in plain
// words (in French in a French browser) and leads to the account's row in the settings,
// where the new password starts it again. In the settings, the relay is shown and its token
// changed (a wrong one refused by the relay, the vault keeping the good one), and removing
// the email account takes its discussions out of the inbox. At 360×740 and 1440×900, checked
// by axe-core, with screenshots in test-results/.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertAccessible, checkScreens, SIZES } from "./checks.mjs";
import { launch, onboard, startSandbox, waitConnected } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox({ tick: "300s" });
});
after(async () => {
  await sandbox?.stop();
});

/** description is the sandbox's description as the relay serves it to a signed-in client. */
async function description() {
  const r = await fetch(`${sandbox.url}/sandbox`, { headers: { Authorization: `Bearer ${sandbox.token}` } });
  assert.equal(r.status, 200);
  return r.json();
}

/** changePasswordAtTheProvider changes the demo mailbox's password on its provider's page. */
async function changePasswordAtTheProvider(password) {
  const { email } = await description();
  const r = await fetch(email.passwordPage, { method: "POST", body: new URLSearchParams({ password }) });
  assert.equal(r.status, 200, await r.text());
}

/**
 * onboardWatchingTheTopBar onboards with the demo accounts and records what the top bar's
 * account state showed meanwhile: each first-sync chip with its progress, size and place.
 */
async function onboardWatchingTheTopBar(page) {
  await onboard(page, sandbox);
  await page.evaluate(() => {
    window.__syncing = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="account-syncing"]')) {
        const r = el.getBoundingClientRect();
        const bar = el.querySelector("progress");
        window.__syncing.push({ text: el.textContent, height: r.height, right: r.right, width: innerWidth, value: bar ? bar.value : -1, max: bar ? bar.max : -1 });
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("demo").locator("button").click()]);
  // While the demo signs in to Mastodon and X, the mailbox syncs: the top bar says so.
  const syncing = page.getByTestId("account-syncing");
  await syncing.first().waitFor({ timeout: 60000 });
  await assertAccessible(page, "top bar, first sync");
  await page.screenshot({ path: `test-results/accounts-syncing-${page.viewportSize().width}.png` });
  if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });
  const seen = await page.evaluate(() => window.__syncing);
  assert.ok(
    seen.some((s) => s.max > 50 && s.value > 0 && s.value < s.max && /alex@caliopen\.test/.test(s.text)),
    `the first sync showed in the top bar with its progress: ${JSON.stringify([...new Set(seen.map((s) => s.text))].slice(0, 40))}`,
  );
  for (const s of seen) {
    assert.ok(s.height >= 44, `the first-sync chip is a 44 px target: ${JSON.stringify(s)}`);
    assert.ok(s.right <= s.width + 1, `the first-sync chip is on screen: ${JSON.stringify(s)}`);
  }
}

/** nothingInTheTopBar waits until the top bar shows no account state (all is well). */
async function nothingInTheTopBar(page) {
  await page.getByTestId("account-status").waitFor({ state: "detached", timeout: 120000 });
}

/**
 * passwordChangedThenFixed changes the password at the provider, checks the top bar's words
 * for it, follows them to the account's row and gives the new password there.
 */
async function passwordChangedThenFixed(page, password, expected, name) {
  await page.goto(`${sandbox.url}/#/settings`);
  const row = page.locator('[data-testid="account"][data-network="email"]');
  const id = (await row.getAttribute("id")).replace(/^account-/, "");
  await page.goto(`${sandbox.url}/#/`);
  await changePasswordAtTheProvider(password);
  // The dropped session shows first as a failed connection, then the refused password stops
  // the account: the top bar says so, in plain words.
  const problem = page.getByTestId("account-problem").filter({ hasText: expected });
  await problem.waitFor({ timeout: 60000 });
  assert.equal(await problem.getAttribute("data-account"), id);
  const size = page.viewportSize();
  const box = await problem.boundingBox();
  assert.ok(box.height >= 44 && box.x >= 0 && box.x + box.width <= size.width + 1, `the problem chip: ${JSON.stringify(box)}`);
  await checkScreens(page, `accounts-${name}-problem`);
  await page.setViewportSize(size);

  // The top bar leads to the account's row, which offers the fix.
  await problem.click();
  await page.waitForFunction((want) => document.activeElement?.id === want, `account-${id}`, { timeout: 10000 });
  assert.equal(new URL(page.url()).hash, "#/settings");
  assert.equal(await row.getAttribute("data-code"), "password-refused");
  const fix = row.getByTestId("fix-password");
  await checkScreens(page, `accounts-${name}-fix`);
  await page.setViewportSize(size);
  await fix.locator("input").fill(password);
  await fix.locator("button").click();
  await page.locator('[data-testid="account"][data-network="email"][data-state="connected"]').waitFor({ timeout: 60000 });
  await nothingInTheTopBar(page);
}

test("the top bar on a phone, in French: the first sync, then the password changed at the provider and fixed", async () => {
  const browser = await launch(SIZES.phone, { locale: "fr-FR" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await onboardWatchingTheTopBar(page);
    await waitConnected(page, sandbox);
    await nothingInTheTopBar(page);
    await passwordChangedThenFixed(page, "un mot de passe tout neuf", /alex@caliopen\.test : Le serveur IMAP a refusé le mot de passe/, "phone");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test("on a desktop: the first sync, the password fixed, the relay's token changed, the email account removed", async () => {
  const browser = await launch(SIZES.desktop, { locale: "en-US" });
  try {
    const page = await browser.context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await onboardWatchingTheTopBar(page);
    await waitConnected(page, sandbox);
    await nothingInTheTopBar(page);
    await passwordChangedThenFixed(page, "a brand new password", /alex@caliopen\.test: The IMAP server refused the password/, "desktop");

    // The relay: its address shown; a wrong token refused by the relay, the good one kept.
    const relay = page.getByTestId("settings-relay");
    assert.equal(await relay.getByTestId("relay-url").innerText(), sandbox.url);
    await relay.getByTestId("relay-change").click();
    const form = relay.getByTestId("relay-form");
    assert.equal(await form.getByTestId("relay-address").inputValue(), sandbox.url);
    await form.getByTestId("relay-token").fill("crt_not-a-real-token");
    await form.locator("button.primary").click();
    await form.locator(".error").waitFor({ timeout: 30000 });
    assert.match(await form.locator(".error").innerText(), /refused the access token/);
    await checkScreens(page, "accounts-relay-refused");
    await form.getByTestId("relay-token").fill(sandbox.token);
    await form.locator("button.primary").click();
    await relay.getByTestId("relay-saved").waitFor({ timeout: 30000 });
    await page.locator('[data-testid="account"][data-network="email"][data-state="connected"]').waitFor({ timeout: 60000 });

    // The email account's settings, then its removal: its discussions leave the inbox.
    const mail = page.locator('[data-testid="account"][data-network="email"]');
    await mail.getByTestId("account-edit").click();
    const edit = mail.getByTestId("email-edit");
    assert.equal(await edit.getByTestId("imap-host").inputValue(), "imap.caliopen.test");
    await checkScreens(page, "accounts-edit");
    await mail.getByTestId("account-remove").click();
    await checkScreens(page, "accounts-remove");
    for (const b of await mail.locator("button").all()) {
      const box = await b.boundingBox();
      assert.ok(box.height >= 44, `${await b.innerText()}: ${box.height} px high`);
    }
    await page.goto(`${sandbox.url}/#/`);
    await page.locator("#search").fill("Camille");
    await page.getByTestId("discussion-item").first().waitFor({ timeout: 30000 });
    await page.goto(`${sandbox.url}/#/settings`);
    await mail.getByTestId("account-remove").click();
    await mail.getByTestId("remove-yes").click();
    await mail.waitFor({ state: "detached", timeout: 60000 });
    assert.equal(await page.locator('[data-testid="account"]').count(), 2);
    await page.goto(`${sandbox.url}/#/`);
    await page.locator("#search").fill("Camille");
    await page.getByTestId("discussion-item").first().waitFor({ state: "detached", timeout: 30000 });
    // Tapioca's Mastodon and X messages stay.
    await page.locator("#search").fill("Tapioca");
    await page.getByTestId("discussion-item").first().waitFor({ timeout: 30000 });
    assert.equal(await page.getByTestId("account-status").count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
