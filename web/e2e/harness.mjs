// Shared end-to-end harness: starts the real relay binary (which serves the built app) on a
// free loopback port and drives Debian's Chromium through playwright-core.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const RELAY = process.env.CALIOPEN_RELAY_BIN;
// The relay of `make relay-synthetic`: its app's core can store a synthetic mailbox.
const RELAY_SYNTHETIC = process.env.CALIOPEN_RELAY_SYNTHETIC_BIN;
const SANDBOX = process.env.CALIOPEN_SANDBOX_BIN;

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** startRelay runs the relay binary and resolves once it answers /healthz. */
export async function startRelay(extraArgs = []) {
  return start((port, dataDir) => [RELAY, ["-listen", `127.0.0.1:${port}`, "-data", dataDir, ...extraArgs]]);
}

/**
 * startSyntheticRelay runs the relay of `make relay-synthetic`, whose app can store a
 * synthetic mailbox (seedSynthetic): for the tests and benchmarks that need thousands of
 * messages. The product's relay cannot.
 */
export async function startSyntheticRelay() {
  if (!RELAY_SYNTHETIC) throw new Error("CALIOPEN_RELAY_SYNTHETIC_BIN is not set (run through `make test-e2e` or `make bench`)");
  return start((port, dataDir) => [RELAY_SYNTHETIC, ["-listen", `127.0.0.1:${port}`, "-data", dataDir]], RELAY_SYNTHETIC);
}

/** seedSynthetic stores count synthetic messages through the page's core (a synthetic relay's app only). */
export function seedSynthetic(page, count, seed) {
  return page.evaluate(([count, seed]) => window.caliopen.core.call("dev.seedSynthetic", { count, seed }), [count, seed]);
}

/**
 * startSandbox runs `make run`'s pair: the sandbox command (mail, Mastodon, X, autoconfig and
 * WKD servers on loopback) and the relay it starts with routes to them. tick is the time
 * between two new messages of the sandbox's timeline.
 */
export async function startSandbox({ tick = "5s" } = {}) {
  if (!SANDBOX) throw new Error("CALIOPEN_SANDBOX_BIN is not set (run through `make test-e2e`)");
  return start((port, dataDir) => [SANDBOX, ["-relay", RELAY, "-listen", `127.0.0.1:${port}`, "-data", dataDir, "-tick", tick]]);
}

async function start(command, relay = RELAY) {
  if (!relay) throw new Error("CALIOPEN_RELAY_BIN is not set (run through `make test-e2e`)");
  // freePort's port is free when asked, not when the relay binds it: meanwhile another
  // listener (the sandbox's own servers, on ports the system picks) may take it. Then the
  // relay exits saying so, and it starts again on another port.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(command, relay);
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test(String(e.message))) throw e;
    }
  }
}

async function startOnce(command, relay) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "caliopen-relay-"));
  // An access token for the tests, issued the way an operator does.
  const issued = execFileSync(relay, ["-data", dataDir, "token", "add", "e2e"], { encoding: "utf8" });
  const token = issued.trim().split("\n").pop();
  const [bin, args] = command(port, dataDir);
  const proc = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  proc.stdout.on("data", (d) => (output += d));
  proc.stderr.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) {
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`relay exited: ${output}`);
    }
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      proc.kill("SIGTERM");
      throw new Error(`relay did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise((r) => proc.once("exit", r));
  return {
    url,
    token,
    dataDir,
    output: () => output,
    /** stop ends the server (once; later calls wait for the same end). */
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * launch starts Chromium with a persistent profile (not incognito: installability and storage
 * persistence need one). options are more of Playwright's context options (locale, colorScheme…);
 * options.args are added to Chromium's command line.
 */
export async function launch(viewport = { width: 1440, height: 900 }, options = {}) {
  const profile = mkdtempSync(join(tmpdir(), "caliopen-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * onboard walks a new profile through the first two onboarding steps: it opens the app with
 * the relay token in the URL fragment (as `make run` prints it), creates the vault and keeps
 * the relay (checking the token came from the fragment, which is gone from the address bar),
 * and returns once the accounts step shows (or the element whose test id is `next`). More
 * values can ride in the fragment (`fragment`, e.g. a sync pairing code).
 */
export async function onboard(page, relay, passphrase = "correct horse battery staple", { fragment = "", next = "accounts" } = {}) {
  await page.goto(`${relay.url}/#relay-token=${encodeURIComponent(relay.token)}${fragment ? `&${fragment}` : ""}`);
  await createVault(page, passphrase);
  const relayForm = page.getByTestId("setup-relay");
  await relayForm.waitFor({ timeout: 30000 });
  assert.equal(await relayForm.locator("input").nth(1).inputValue(), relay.token);
  assert.equal(new URL(page.url()).hash, "");
  await relayForm.locator("button").click();
  await page.getByTestId(next).first().waitFor({ timeout: 30000 });
}

/**
 * onboardWithDemo takes a new profile's page through onboarding as a newcomer does after
 * `make run`, then "Try it with demo accounts", whose consent pages open in one popup.
 */
export async function onboardWithDemo(page, sandbox) {
  await onboard(page, sandbox);
  const [popup] = await Promise.all([page.waitForEvent("popup"), page.getByTestId("demo").locator("button").click()]);
  if (!popup.isClosed()) await popup.waitForEvent("close", { timeout: 90000 });
}

/**
 * watchSyncProgress records, from now on, every value of the first sync's progress bars (a
 * bar per account and folder while its messages arrive); syncProgress returns them as
 * [done, max] pairs.
 */
export async function watchSyncProgress(page) {
  await page.evaluate(() => {
    window.__progress = [];
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="sync-progress"] progress')) {
        window.__progress.push([Number(el.value), Number(el.max)]);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
}

/** assertSyncProgressShown fails unless a first sync showed its progress part way (watchSyncProgress). */
export async function assertSyncProgressShown(page) {
  const progress = await page.evaluate(() => window.__progress);
  assert.ok(
    progress.some(([done, max]) => max > 100 && done > 0 && done < max),
    `the first sync showed its progress: ${JSON.stringify(progress.slice(0, 10))}`,
  );
}

/** discussionItem is the list's discussion whose names include who. */
export const discussionItem = (page, who) => page.getByTestId("discussion-item").filter({ has: page.locator(".names", { hasText: who }) }).first();

/** createVault chooses the passphrase on the first screen. */
export async function createVault(page, passphrase = "correct horse battery staple") {
  const vault = page.getByTestId("setup-vault");
  await vault.waitFor({ timeout: 30000 });
  await vault.locator("input").nth(0).fill(passphrase);
  await vault.locator("input").nth(1).fill(passphrase);
  await vault.locator("button").click();
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

// --- The sandbox's side: what its servers hold, read through their own protocols ---------

/** sandboxDescription is the demo accounts' description the relay gives the app (GET /sandbox). */
export async function sandboxDescription(sandbox) {
  const r = await fetch(`${sandbox.url}/sandbox`, { headers: { authorization: `Bearer ${sandbox.token}` } });
  assert.equal(r.status, 200, "the relay describes its sandbox");
  return r.json();
}

/** sandboxRoute is the loopback address of a sandbox server (e.g. "imap.caliopen.test:993"),
 * from the routes the sandbox command prints. */
function sandboxRoute(sandbox, prefix) {
  const line = sandbox.output().match(/Sandbox routes: (\S+)/);
  assert.ok(line, "the sandbox printed its routes");
  const route = line[1].split(",").find((r) => r.startsWith(prefix));
  assert.ok(route, `a route for ${prefix}`);
  const [name, addr] = route.split("=");
  const [host, port] = addr.split(":");
  return { name: name.split(":")[0], host, port: Number(port) };
}

/**
 * imapSearch logs in to the sandbox's IMAP server as the demo user (over TLS, checking its
 * certificate against the sandbox's CA) and returns the numbers of the messages of mailbox
 * that match an IMAP SEARCH criteria (e.g. 'FROM "camille" BODY "received"').
 */
export async function imapSearch(sandbox, mailbox, criteria) {
  const desc = await sandboxDescription(sandbox);
  const { name, host, port } = sandboxRoute(sandbox, "imap.");
  const socket = tlsConnect({ host, port, servername: name, ca: desc.trustedCA });
  let buffer = "";
  const waiters = [];
  socket.setEncoding("utf8");
  socket.on("data", (d) => {
    buffer += d;
    for (const w of [...waiters]) w();
  });
  // until resolves with the lines read once one matches done.
  const until = (done) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`IMAP: no answer: ${buffer}`)), 15000);
      const check = () => {
        const lines = buffer.split("\r\n");
        const i = lines.findIndex(done);
        if (i < 0) return;
        clearTimeout(timer);
        waiters.splice(waiters.indexOf(check), 1);
        buffer = lines.slice(i + 1).join("\r\n");
        resolve(lines.slice(0, i + 1));
      };
      waiters.push(check);
      check();
    });
  const quote = (v) => `"${v.replace(/["\\]/g, "\\$&")}"`;
  let n = 0;
  const command = async (text) => {
    const tag = `c${++n}`;
    socket.write(`${tag} ${text}\r\n`);
    const lines = await until((l) => l.startsWith(`${tag} `));
    assert.match(lines[lines.length - 1], new RegExp(`^${tag} OK`), `IMAP ${text.split(" ")[0]}: ${lines.join(" | ")}`);
    return lines;
  };
  try {
    await until((l) => l.startsWith("* OK"));
    await command(`LOGIN ${quote(desc.email.address)} ${quote(desc.email.password)}`);
    await command(`EXAMINE ${quote(mailbox)}`);
    const lines = await command(`SEARCH ${criteria}`);
    const found = lines.find((l) => l.startsWith("* SEARCH"));
    return found ? found.slice("* SEARCH".length).trim().split(" ").filter(Boolean).map(Number) : [];
  } finally {
    socket.end();
  }
}

/**
 * mastodonAsUser signs in to the sandbox's Mastodon instance as the demo user through its
 * OAuth flow (the instance approves the signed-in user) and returns a function that GETs an
 * API path with the token: what the instance holds, as any client of the user sees it.
 */
export async function mastodonAsUser(sandbox) {
  const { mastodon } = await sandboxDescription(sandbox);
  const base = mastodon.instance;
  const redirect = "urn:ietf:wg:oauth:2.0:oob";
  const form = (o) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(o).toString() });
  const app = await (await fetch(`${base}/api/v1/apps`, form({ client_name: "caliopen-e2e", redirect_uris: redirect, scopes: "read" }))).json();
  const authorize = await fetch(
    `${base}/oauth/authorize?${new URLSearchParams({ client_id: app.client_id, redirect_uri: redirect, response_type: "code", scope: "read" })}`,
    { redirect: "manual" },
  );
  const code = new URL(authorize.headers.get("location")).searchParams.get("code");
  assert.ok(code, `the instance approved the sign-in: ${authorize.status} ${authorize.headers.get("location")}`);
  const token = await (
    await fetch(`${base}/oauth/token`, form({ grant_type: "authorization_code", code, client_id: app.client_id, client_secret: app.client_secret, redirect_uri: redirect, scope: "read" }))
  ).json();
  assert.ok(token.access_token, "a token");
  return async (path) => {
    const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token.access_token}` } });
    assert.equal(r.status, 200, `GET ${path}`);
    return r.json();
  };
}
