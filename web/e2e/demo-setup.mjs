// The newcomer's first steps, shared by the tests that start from the demo sandbox: a
// passphrase, the relay with the token given in the URL fragment, "Try it with demo accounts"
// (the mailbox by autoconfig, the demo key, Mastodon's and X's consent pages in one popup),
// then every account connected.
import assert from "node:assert/strict";

/** createVault chooses the passphrase on the first screen. */
export async function createVault(page, passphrase = "correct horse battery staple") {
  const vault = page.getByTestId("setup-vault");
  await vault.waitFor({ timeout: 30000 });
  await vault.locator("input").nth(0).fill(passphrase);
  await vault.locator("input").nth(1).fill(passphrase);
  await vault.locator("button").click();
}

export async function onboardDemo(page, sandbox) {
  await page.goto(`${sandbox.url}/#relay-token=${encodeURIComponent(sandbox.token)}`);
  await createVault(page);

  // The token came from the fragment, which is gone from the address bar.
  const relayForm = page.getByTestId("setup-relay");
  await relayForm.waitFor({ timeout: 30000 });
  assert.equal(await relayForm.locator("input").nth(1).inputValue(), sandbox.token);
  assert.equal(new URL(page.url()).hash, "");
  await relayForm.locator("button").click();

  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("demo").locator("button").click()]);
  if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });
}

/** waitConnected opens the settings and waits for the three demo accounts to run. */
export async function waitConnected(page, sandbox) {
  await page.goto(`${sandbox.url}/#/settings`);
  for (const [network, state] of [
    ["email", "connected"],
    ["mastodon", "live"],
    ["x", "polling"],
  ]) {
    await page.locator(`[data-testid="account"][data-network="${network}"][data-state="${state}"]`).waitFor({ timeout: 60000 });
  }
}
