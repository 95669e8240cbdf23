// Core benchmarks measured in Chromium: the size of the built core and the worker's time from
// start to core-ready (median of several fresh loads). Prints BENCH lines; BENCH=<prefix>
// selects measures by name.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launch, startRelay } from "../e2e/harness.mjs";

const prefix = process.env.BENCH || "";
const want = (name) => name.startsWith(prefix);
const report = (name, value, unit) => want(name) && console.log(`BENCH ${name} ${value} ${unit}`);

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "relay", "webapp", "dist");
const build = JSON.parse(readFileSync(join(dist, "build.json"), "utf8"));
const core = build.sizes[build.core.slice(1)];
report("core_wasm_raw_bytes", core.raw, "bytes");
report("core_wasm_gzip_bytes", core.gzip, "bytes");
report("core_wasm_brotli_bytes", core.br, "bytes");

if (want("core_ready_ms")) {
  const relay = await startRelay();
  const browser = await launch();
  try {
    const samples = [];
    const loads = 9;
    for (let i = 0; i < loads + 1; i++) {
      const page = await browser.context.newPage();
      await page.goto(relay.url + "/#/settings");
      const el = page.locator('[data-testid="core-ready-ms"]');
      await el.waitFor({ state: "attached", timeout: 30000 });
      const ms = Number(await el.getAttribute("data-ms"));
      if (i > 0) samples.push(ms); // the first load also fills the HTTP cache: not counted
      await page.close();
    }
    samples.sort((a, b) => a - b);
    report("core_ready_ms", samples[Math.floor(samples.length / 2)].toFixed(1), "ms");
  } finally {
    await browser.close();
    await relay.stop();
  }
}
