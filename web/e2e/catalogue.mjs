// The UI's catalogues (src/i18n) as the e2e tests see them: every string of a language, with
// the parts of each template between its values, so that a screen's visible text can be
// checked against them; and the check that a French screen shows no English.
import assert from "node:assert/strict";
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

/**
 * sameText lists, as "key.path = text", the strings (templates with holes) that two
 * catalogues give alike with at least three letters: in French, words such as "Contacts" or
 * "Message", or a string left untranslated.
 */
export function sameText(a, b, path = "") {
  if (typeof a === "function") a = call(a);
  if (typeof b === "function") b = call(b);
  if (typeof a === "string") return a === b && /\p{L}{3}/u.test(a) ? [`${path} = ${a.replaceAll(HOLE, "…")}`] : [];
  if (!a || typeof a !== "object") return [];
  return Object.keys(a).flatMap((k) => sameText(a[k], b?.[k], path ? `${path}.${k}` : k));
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

// What a screen shows that is the user's data, not the app's words: names, addresses,
// subjects, message text, keys, the recovery phrase, language names in their own language.
const USER_DATA = [
  ".names", ".snippet", ".subject", ".from", ".addr", ".avatar", "#discussion-title", ".body-text", ".att-name", ".alt-text",
  ".content-warning", "iframe", ".recipient", ".preview",
  ".key strong", ".fingerprint", "code", "time", "textarea", "[data-testid='sync-phrase']",
  "[data-testid='filter-account'] option", "option[lang]", "[data-testid='x-callback']",
].join(", ");

/** visibleTexts is what the page shows in words: its visible text and the labels, titles and
 * placeholders of its visible elements, without the user's data. */
export function visibleTexts(page) {
  return page.evaluate((userData) => {
    const shown = (el) => el.checkVisibility({ visibilityProperty: true, opacityProperty: true }) && !el.closest(userData);
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      if (text && n.parentElement && shown(n.parentElement)) out.push(text);
    }
    for (const el of document.body.querySelectorAll("[aria-label], [title], [placeholder]")) {
      if (!shown(el)) continue;
      for (const a of ["aria-label", "title", "placeholder"]) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out;
  }, USER_DATA);
}

// Words that mark an English sentence, and that no French sentence has.
const ENGLISH_WORDS = ["the", "and", "your", "you", "is", "are", "not", "with", "this", "of", "to", "for", "from", "has", "was"];
const word = (w) => new RegExp(`(?<![\\p{L}\\p{N}])${w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`, "u");

/** englishIn lists the texts that show an English string of the catalogue, or read as English. */
export function englishIn(texts, english) {
  const found = [];
  for (const text of texts) {
    const hit = english.find((e) => e.re.test(text));
    if (hit) found.push(`${JSON.stringify(text)} shows ${JSON.stringify(hit.text)}`);
    else if (ENGLISH_WORDS.filter((w) => word(w).test(text.toLowerCase())).length >= 2) found.push(`${JSON.stringify(text)} reads as English`);
  }
  return found;
}

/**
 * englishStrings lists the English catalogue's texts that French does not use too (names such
 * as Mastodon, words such as "Import"), with at least three letters (not "ms", "/100"), each
 * with the pattern that finds it as whole words: what englishIn looks for.
 */
export async function englishStrings() {
  const fr = [...fragments(await catalogue("fr"))];
  return [...fragments(await catalogue("en"))]
    .filter((f) => /\p{L}{3}/u.test(f))
    .map((text) => ({ text, re: word(text) }))
    .filter((e) => !fr.some((f) => e.re.test(f)));
}

/**
 * frenchChecker returns check(page, screen), which lists what the page shows in English (a
 * string of the English catalogue, or a sentence that reads as English) and fails when the
 * page shows fewer than three of the French catalogue's strings (then it saw no screen).
 */
export async function frenchChecker() {
  const english = await englishStrings();
  const french = [...fragments(await catalogue("fr"))].filter((f) => /\p{L}{4}/u.test(f));
  return async function check(page, screen) {
    const texts = await visibleTexts(page);
    const known = texts.filter((t) => french.some((f) => t.includes(f)));
    assert.ok(known.length >= 3, `${screen}: only ${known.length} French strings shown: ${texts.slice(0, 20).join(" | ")}`);
    return englishIn(texts, english);
  };
}
