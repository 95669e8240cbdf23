// Mastodon and X in the browser, end to end: a fake Mastodon instance (plain HTTP on another
// loopback port, so every API call is a real cross-origin request with Mastodon's CORS
// answers) and a fake X API (HTTPS with a throwaway CA, reached only through the relay
// tunnel, TLS ending in the core). The user adds both accounts through their consent pages
// (Mastodon's in a popup that hands the callback back; X's with popups blocked, so the page
// leaves the app, comes back to /oauth/callback, unlocks the vault, and the sign-in completes), sees Bob's direct messages from both networks in one discussion (the
// identity engine merged him: his Mastodon profile link, verified by his instance, is the
// link his X profile names), receives a live Mastodon message, and replies on both networks.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { assertAccessible as checkAccessible } from "./checks.mjs";
import { freePort, launch, startRelay } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const PASS = "correct horse battery staple";

/** startFakes builds and runs shared/fakes/cmd/fakesocial; its commands answer one JSON line each. */
async function startFakes(redirect, xPort) {
  const dir = mkdtempSync(join(tmpdir(), "caliopen-fakes-"));
  const bin = join(dir, "fakesocial");
  execFileSync("go", ["build", "-o", bin, "./shared/fakes/cmd/fakesocial"], { cwd: root, stdio: "inherit" });
  const proc = spawn(bin, ["-redirect", redirect, "-x-listen", `127.0.0.1:${xPort}`], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const next = async () => JSON.parse((await lines.next()).value);
  const ready = await next();
  return {
    ...ready,
    async command(line) {
      proc.stdin.write(line + "\n");
      return next();
    },
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let relay, fakes, browser;
before(async () => {
  const xPort = await freePort();
  relay = await startRelay(["-tunnel-ports", String(xPort), "-tunnel-allow-cidrs", "127.0.0.1/32"]);
  fakes = await startFakes(`${relay.url}/oauth/callback`, xPort);
  // The fake X's consent page is served with a test certificate: this browser trusts exactly
  // that key (the core trusts the fake's CA, given in the form).
  browser = await launch({ width: 1280, height: 900 }, { args: [`--ignore-certificate-errors-spki-list=${fakes.xSpki}`] });
});
after(async () => {
  await browser?.close();
  await fakes?.stop();
  await relay?.stop();
});

async function unlockAndFinish(page) {
  const unlock = page.getByTestId("setup-unlock");
  await unlock.waitFor({ timeout: 30000 });
  await page.getByTestId("signin-waiting").waitFor();
  assert.equal(new URL(page.url()).pathname, "/", "the callback address is cleaned");
  await unlock.locator("input").fill(PASS);
  await unlock.locator("button").click();
  const done = page.getByTestId("signin-done");
  await done.waitFor({ timeout: 30000 });
  return done.textContent();
}

test("Mastodon and X accounts through their consent pages, DMs merged, live, replies", async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const crossOrigin = [];
  page.context().on("request", (r) => {
    if (r.url().startsWith(fakes.mastodon)) crossOrigin.push(r.method() + " " + new URL(r.url()).pathname);
  });
  await page.goto(relay.url);
  const vault = page.getByTestId("setup-vault");
  await vault.waitFor({ timeout: 30000 });
  await vault.locator("input").nth(0).fill(PASS);
  await vault.locator("input").nth(1).fill(PASS);
  await vault.locator("button").click();
  const relayForm = page.getByTestId("setup-relay");
  await relayForm.waitFor({ timeout: 30000 });
  await relayForm.locator("input").nth(1).fill(relay.token);
  await relayForm.locator("button").click();

  // Mastodon: the instance's consent page, then back to the app.
  await page.getByTestId("choose-mastodon").check({ timeout: 30000 });
  const masto = page.getByTestId("add-mastodon");
  await masto.locator("input").first().fill(fakes.mastodon);
  // The consent page opens in a popup that comes back to the app and closes by itself.
  const [popup] = await Promise.all([page.waitForEvent("popup"), masto.locator("button").click()]);
  await popup.waitForEvent("close", { timeout: 30000 });
  // With one account, onboarding folds away; the accounts are in the settings.
  await page.goto(`${relay.url}/#/settings`);
  const mastoRow = page.locator('[data-testid="account"][data-network="mastodon"]');
  await mastoRow.waitFor({ timeout: 30000 });
  assert.match(await mastoRow.textContent(), /@alice@fake\.example/);

  // X: the user's developer app; the consent page, then back. Popups blocked here: the page
  // itself goes to the consent page and finishes once the vault is unlocked again.
  await page.evaluate(() => {
    window.open = () => null;
  });
  const addButton = page.getByTestId("add-account"); // the form may be open already
  if (await addButton.count()) await addButton.click();
  await page.getByTestId("choose-x").check();
  const xForm = page.getByTestId("add-x");
  assert.equal(await xForm.getByTestId("x-callback").inputValue(), `${relay.url}/oauth/callback`);
  assert.match(await xForm.textContent(), /last 30 days/);
  assert.match(await xForm.textContent(), /XChat/);
  assert.match(await xForm.textContent(), /\$0\.010/);
  await xForm.locator("input").nth(1).fill(fakes.clientId);
  await xForm.locator('input[type="checkbox"]').check();
  await xForm.locator('input[type="url"]').fill(fakes.xApi);
  await xForm.locator("textarea").fill(fakes.xCa);
  await Promise.all([page.waitForURL(/\/oauth\/callback|\/$/, { timeout: 30000 }), xForm.locator("button.primary").click()]);
  assert.match(await unlockAndFinish(page), /Added @alice_c/);

  // Both accounts run: Mastodon's stream is live, X is polled through the relay. X's row says
  // what X cannot give.
  await page.goto(`${relay.url}/#/settings`);
  await page.locator('[data-testid="account"][data-network="mastodon"][data-state="live"]').waitFor({ timeout: 30000 });
  const xRow = page.locator('[data-testid="account"][data-network="x"][data-state="polling"]');
  await xRow.waitFor({ timeout: 30000 });
  assert.match(await xRow.getByTestId("x-limits").textContent(), /last 30 days.*XChat/);
  await page.goto(`${relay.url}/#/`);

  // Bob's messages from both networks are one discussion.
  const merged = page.getByTestId("discussion-item").filter({ hasText: "Bob" }).filter({ has: page.locator(".net-mastodon") }).filter({ has: page.locator(".net-x") });
  await merged.first().waitFor({ timeout: 30000 });
  await merged.first().click();
  const view = page.getByTestId("discussion-view");
  await view.locator('[data-testid="message"][data-network="mastodon"]').first().waitFor();
  await view.locator('[data-testid="message"][data-network="x"]').first().waitFor();

  // A Mastodon message arrives live.
  await fakes.command("post are you there?");
  const liveMsg = view.locator('[data-testid="message"][data-network="mastodon"]', { hasText: "are you there?" });
  await liveMsg.waitFor({ timeout: 30000 });

  // Reply on Mastodon to it, then on X.
  await liveMsg.getByTestId("reply-to").click();
  const reply = view.getByTestId("reply");
  assert.equal(await reply.getAttribute("data-network"), "mastodon");
  await reply.locator("textarea").fill("yes, on Mastodon");
  await reply.locator("button").click();
  await view.locator('[data-testid="message"].outgoing[data-network="mastodon"]', { hasText: "yes, on Mastodon" }).waitFor({ timeout: 30000 });
  // Bob is one person on both networks: a reply to his X message may go either way, Mastodon
  // (more private) by default; the user picks X.
  await view.locator('[data-testid="message"][data-network="x"]').first().getByTestId("reply-to").click();
  await reply.locator('[data-testid="reply-channel"][data-network="x"]').click();
  assert.equal(await reply.getAttribute("data-network"), "x");
  await reply.locator("textarea").fill("and on X");
  await reply.locator("button").click();
  await view.locator('[data-testid="message"].outgoing[data-network="x"]', { hasText: "and on X" }).waitFor({ timeout: 60000 });
  assert.deepEqual(await fakes.command("sent"), { mastodon: 1, x: 1 });

  // An X photo X lets only its own apps download: said so, with the way to see it on X.
  const photo = view.locator('[data-testid="message"][data-network="x"]', { hasText: "a photo for you" });
  await photo.getByTestId("expand").click();
  const unavailable = photo.getByTestId("attachment-unavailable");
  await unavailable.waitFor();
  assert.match(await unavailable.textContent(), /OAuth 1\.0a/);
  assert.match(await unavailable.locator("a").getAttribute("href"), /^https:\/\/x\.com\/messages\/1001-1002$/);
  assert.match(await photo.textContent(), /a beach/);

  // A content warning hides the message until opened; its sensitive image waits for a click and
  // shows with its description; a reply keeps the warning.
  await fakes.command("cw film ending|the butler did it");
  const warned = view.locator('[data-testid="message"][data-network="mastodon"]', { hasText: "film ending" });
  await warned.getByTestId("show-content").waitFor({ timeout: 30000 });
  assert.equal(await warned.getByText("the butler did it").count(), 0, "the text shows behind its warning");
  await warned.getByTestId("show-content").click();
  await warned.getByText("the butler did it").waitFor();
  assert.equal(await warned.getByTestId("show-image").count(), 0, "sensitive media show before asked for");
  await warned.getByTestId("show-media").click();
  await warned.getByTestId("show-image").click();
  assert.equal(await warned.getByTestId("attachment-image").getAttribute("alt"), "A grey cat asleep on a keyboard");
  await checkAccessible(page, "a message behind a content warning, opened");
  await warned.getByTestId("reply-to").click();
  assert.equal(await reply.getByTestId("reply-cw").inputValue(), "film ending");
  await reply.locator("textarea").fill("no spoilers, please");
  await reply.locator("button").click();
  for (let i = 0; (await fakes.command("lastcw")).spoiler !== "film ending"; i++) {
    assert.ok(i < 300, "the reply did not go out with the content warning");
    await page.waitForTimeout(100);
  }

  // The Mastodon API was called cross-origin, from the browser, with a CORS preflight.
  assert.ok(crossOrigin.includes("POST /api/v1/statuses"), crossOrigin.join(", "));
  const cors = await fakes.command("cors");
  assert.equal(cors.origin, relay.url);
  assert.ok(cors.preflights >= 1, "no CORS preflight before posting");
  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/social-desktop.png" });
  assert.deepEqual(errors, []);
  await page.close();
});
