// Shared end-to-end harness: starts the real relay binary (which serves the built app) on a
// free loopback port and drives Debian's Chromium through playwright-core.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const RELAY = process.env.CALIOPEN_RELAY_BIN;

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
  if (!RELAY) throw new Error("CALIOPEN_RELAY_BIN is not set (run through `make test-e2e`)");
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "caliopen-relay-"));
  // An access token for the tests, issued the way an operator does.
  const issued = execFileSync(RELAY, ["-data", dataDir, "token", "add", "e2e"], { encoding: "utf8" });
  const token = issued.trim().split("\n").pop();
  const proc = spawn(RELAY, ["-listen", `127.0.0.1:${port}`, "-data", dataDir, ...extraArgs], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout.on("data", (d) => (output += d));
  proc.stderr.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`relay exited: ${output}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`relay did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    token,
    output: () => output,
    async stop() {
      proc.kill("SIGTERM");
      await new Promise((r) => proc.once("exit", r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * launch starts Chromium with a persistent profile (not incognito: installability and storage
 * persistence need one). options are more of Playwright's context options (locale, colorScheme…).
 */
export async function launch(viewport = { width: 1440, height: 900 }, options = {}) {
  const profile = mkdtempSync(join(tmpdir(), "caliopen-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
