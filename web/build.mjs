// Builds the web app into relay/webapp/dist, where the relay embeds it:
//   - the core (.wasm, built by `make core`) and Go's wasm_exec.js,
//   - the worker, the UI bundle and its CSS (esbuild),
//   - icons, manifest, index.html and the service worker with its precache list.
// Every asset gets a content-hashed name; each servable file is also written pre-compressed
// (.br at quality 11, .gz at level 9). index.html, sw.js and the manifest keep stable names.
//
//   node build.mjs [--wasm ../.build/core.wasm] [--out ../relay/webapp/dist] [--no-brotli]
//
// --no-brotli keeps gzip only (brotli at quality 11 takes minutes on the core): for the
// synthetic build of benchmarks and tests.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : def;
};
const wasmPath = resolve(arg("--wasm", join(here, "..", ".build", "core.wasm")));
const out = resolve(arg("--out", join(here, "..", "relay", "webapp", "dist")));
const version = process.env.CALIOPEN_VERSION || "dev";
const brotli = !process.argv.includes("--no-brotli");

const goroot = execFileSync("go", ["env", "GOROOT"], { encoding: "utf8" }).trim();
const wasmExec = readFileSync(join(goroot, "lib", "wasm", "wasm_exec.js"));

// Start from an empty output folder, keeping its placeholder (tracked by git).
for (const f of existsSync(out) ? readdirSync(out) : []) {
  if (f !== "PLACEHOLDER") rmSync(join(out, f), { recursive: true, force: true });
}
mkdirSync(join(out, "assets"), { recursive: true });

const written = []; // paths relative to out, for precaching and compression
const hash = (buf) => createHash("sha256").update(buf).digest("hex").slice(0, 10);
function emitHashed(base, ext, content) {
  const name = `assets/${base}.${hash(content)}.${ext}`;
  writeFileSync(join(out, name), content);
  written.push(name);
  return "/" + name;
}
function emitFixed(name, content) {
  writeFileSync(join(out, name), content);
  written.push(name);
  return "/" + name;
}

async function bundle(entry, define, extra = {}) {
  const res = await esbuild.build({
    entryPoints: [join(here, "src", entry)],
    bundle: true,
    write: false,
    minify: true,
    sourcemap: false,
    target: ["es2022"],
    format: "iife",
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: "out",
    define: Object.fromEntries(Object.entries(define).map(([k, v]) => [k, JSON.stringify(v)])),
    logLevel: "warning",
    ...extra,
  });
  const files = {};
  for (const f of res.outputFiles) files[f.path.endsWith(".css") ? "css" : "js"] = Buffer.from(f.contents);
  return files;
}

const coreURL = emitHashed("core", "wasm", readFileSync(wasmPath));
const wasmExecURL = emitHashed("wasm_exec", "js", wasmExec);
const worker = await bundle("worker.ts", { CORE_WASM_URL: coreURL, WASM_EXEC_URL: wasmExecURL });
const workerURL = emitHashed("worker", "js", worker.js);

const icons = {};
for (const f of ["icon-192", "icon-512", "icon-maskable-512", "apple-touch-icon"]) {
  icons[f] = emitHashed(f, "png", readFileSync(join(here, "public", "icons", `${f}.png`)));
}
const main = await bundle("main.tsx", { WORKER_URL: workerURL, APP_VERSION: version, ICON_URL: icons["icon-192"] });
const mainURL = emitHashed("main", "js", main.js);
const cssURL = main.css ? emitHashed("main", "css", main.css) : null;

const manifest = readFileSync(join(here, "public", "manifest.webmanifest"), "utf8")
  .replace("ICON_192", icons["icon-192"])
  .replace("ICON_512", icons["icon-512"])
  .replace("ICON_MASKABLE_512", icons["icon-maskable-512"]);
emitFixed("manifest.webmanifest", manifest);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#0f6e6e">
<meta name="description" content="One private inbox for your email, Mastodon and X direct messages.">
<title>Caliopen</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" type="image/png" href="${icons["icon-192"]}">
<link rel="apple-touch-icon" href="${icons["apple-touch-icon"]}">
${cssURL ? `<link rel="stylesheet" href="${cssURL}">` : ""}
<script defer src="${mainURL}"></script>
</head>
<body>
<div id="app"><noscript><p lang="en">Caliopen needs JavaScript and WebAssembly.</p><p lang="fr">Caliopen a besoin de JavaScript et de WebAssembly.</p></noscript></div>
</body>
</html>
`;
emitFixed("index.html", html);

// The service worker precaches the shell: the page and every hashed asset.
const precache = ["/", ...written.filter((f) => f.startsWith("assets/")).map((f) => "/" + f), "/manifest.webmanifest"];
const swVersion = hash(Buffer.from(precache.join("\n") + version));
const sw = await bundle("sw.ts", { PRECACHE: precache, APP_VERSION: swVersion });
emitFixed("sw.js", sw.js);

// brotlied compresses at brotli's best, which takes minutes for the core: the result is kept
// under .build/brotli by content hash, so a build that changed only the UI does not redo it.
function brotlied(body) {
  const cached = join(here, "..", ".build", "brotli", `${createHash("sha256").update(body).digest("hex")}.br`);
  if (existsSync(cached)) return readFileSync(cached);
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      [constants.BROTLI_PARAM_LGWIN]: 24,
    },
  });
  mkdirSync(dirname(cached), { recursive: true });
  writeFileSync(cached, br);
  return br;
}

// Pre-compress everything servable.
const sizes = {};
for (const name of written) {
  const body = readFileSync(join(out, name));
  if (name.endsWith(".png")) continue; // already compressed
  const gz = gzipSync(body, { level: 9 });
  writeFileSync(join(out, name + ".gz"), gz);
  sizes[name] = { raw: body.length, gzip: gz.length };
  if (!brotli) continue;
  const br = brotlied(body);
  writeFileSync(join(out, name + ".br"), br);
  sizes[name].br = br.length;
}
writeFileSync(join(out, "build.json"), JSON.stringify({ version, core: coreURL, sizes }, null, 2));
const core = sizes[coreURL.slice(1)];
console.log(`web app built into ${out}: core ${core.raw} B raw, ${core.gzip} B gzip, ${core.br ?? "no"} B brotli`);
