// The UI's catalogues (src/i18n) as the e2e tests see them: every string of a language, with
// the parts of each template between its values, so that a screen's visible text can be
// checked against them.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const HOLE = "\u0001"; // stands for every value a template is given

// A value that reads as HOLE whatever is asked of it: a template's parameters object, any of
// its named values, a number (compared to 1, it is not).
const hole = new Proxy(
  {},
  {
    get: (_, key) => (key === Symbol.toPrimitive ? () => HOLE : key === "toString" || key === "valueOf" ? () => HOLE : HOLE),
  },
);

/** catalogue loads src/i18n's catalogue of a locale ("en", "fr"). */
export async function catalogue(locale) {
  const out = await build({
    stdin: { contents: `export { CATALOGUES } from "./src/i18n/index.ts";`, resolveDir: HERE + "..", loader: "ts" },
    bundle: true,
    format: "esm",
    write: false,
    platform: "neutral",
    logLevel: "silent",
    // index.ts imports the UI's state (prefs, core client): only the catalogues are wanted.
    define: { navigator: "undefined", localStorage: "undefined" },
  });
  const url = `data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`;
  return (await import(url)).CATALOGUES[locale];
}

// call runs a catalogue function with holes for its values: strings, or, for the few that take
// a list (e.g. contacts.and), a list of holes.
function call(fn) {
  try {
    return fn(hole, hole, hole, hole);
  } catch {
    return fn([hole, hole], hole, hole, hole);
  }
}

/** fragments lists the texts of a catalogue: each string, and the literal parts of each template. */
export function fragments(messages) {
  const out = new Set();
  const walk = (v) => {
    if (typeof v === "string") for (const part of v.split(HOLE)) out.add(part.trim());
    else if (typeof v === "function") walk(call(v));
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(messages);
  out.delete("");
  return out;
}
