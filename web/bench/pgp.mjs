// OpenPGP benchmark in Chromium: Caliopen's gopenpgp build (Go compiled to WebAssembly)
// against OpenPGP.js, both in one dedicated worker, same keys (Curve25519), same 10 KB
// message, same run. Prints the ratios wasm ÷ OpenPGP.js of the median times (above 1 means
// the WebAssembly build is slower) and the medians themselves. BENCH=<prefix> selects.
import { execFileSync } from "node:child_process";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { launch } from "../e2e/harness.mjs";

const prefix = process.env.BENCH || "";
const names = [
  "pgp_encrypt_sign_wasm_vs_openpgpjs_ratio",
  "pgp_decrypt_verify_wasm_vs_openpgpjs_ratio",
  "pgp_encrypt_sign_wasm_ms",
  "pgp_encrypt_sign_openpgpjs_ms",
  "pgp_decrypt_verify_wasm_ms",
  "pgp_decrypt_verify_openpgpjs_ms",
];
const want = (name) => name.startsWith(prefix);
if (!names.some(want)) process.exit(0);
const report = (name, value, unit) => want(name) && console.log(`BENCH ${name} ${value} ${unit}`);

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const go = process.env.GO || "go";
const build = mkdtempSync(join(tmpdir(), "caliopen-pgpbench-"));
const wasm = join(build, "pgp.wasm");
execFileSync(go, ["build", "-trimpath", "-ldflags=-s -w", "-o", wasm, "./wasm/pgp/jsbench"], {
  cwd: root,
  env: { ...process.env, GOOS: "js", GOARCH: "wasm" },
  stdio: "inherit",
});
const goroot = execFileSync(go, ["env", "GOROOT"], { encoding: "utf8" }).trim();

const files = {
  "/": [join(here, "pgp.html"), "text/html"],
  "/pgp-worker.js": [join(here, "pgp-worker.js"), "text/javascript"],
  "/wasm_exec.js": [join(goroot, "lib", "wasm", "wasm_exec.js"), "text/javascript"],
  "/openpgp.min.js": [join(here, "..", "node_modules", "openpgp", "dist", "openpgp.min.js"), "text/javascript"],
  "/pgp.wasm": [wasm, "application/wasm"],
};
const server = createServer((req, res) => {
  const f = files[req.url];
  if (!f) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "Content-Type": f[1] }).end(readFileSync(f[0]));
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.pgpBench, null, { timeout: 300000 });
  const r = await page.evaluate(() => window.pgpBench);
  if (!r.ok) throw new Error(`benchmark failed: ${r.error}`);
  report("pgp_encrypt_sign_wasm_vs_openpgpjs_ratio", (r.encryptSignWasm / r.encryptSignJS).toFixed(2), "ratio");
  report("pgp_decrypt_verify_wasm_vs_openpgpjs_ratio", (r.decryptVerifyWasm / r.decryptVerifyJS).toFixed(2), "ratio");
  report("pgp_encrypt_sign_wasm_ms", r.encryptSignWasm.toFixed(2), "ms");
  report("pgp_encrypt_sign_openpgpjs_ms", r.encryptSignJS.toFixed(2), "ms");
  report("pgp_decrypt_verify_wasm_ms", r.decryptVerifyWasm.toFixed(2), "ms");
  report("pgp_decrypt_verify_openpgpjs_ms", r.decryptVerifyJS.toFixed(2), "ms");
} finally {
  await browser.close();
  server.close();
  rmSync(build, { recursive: true, force: true });
}
