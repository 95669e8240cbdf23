// The UI's languages: the catalogues (en.ts, fr.ts), which one is in use, and the Intl
// formatters of its locale. The language follows navigator.languages unless the user chose
// one in the settings (remembered in prefs).
import { CoreError } from "../core-client";
import type { BodyNote, Note, SecurityNote } from "../gen/api";
import { usePrefs } from "../prefs";
import { en, type Messages } from "./en";
import { fr } from "./fr";

export const CATALOGUES = { en, fr } satisfies Record<string, Messages>;
export type Locale = keyof typeof CATALOGUES;
export const LOCALES = Object.keys(CATALOGUES) as Locale[];

/** browserLocale is the first of the browser's languages the app speaks, else English. */
export function browserLocale(languages: readonly string[] = navigator.languages ?? [navigator.language]): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    if ((LOCALES as string[]).includes(base)) return base as Locale;
  }
  return "en";
}

export interface I18n {
  locale: Locale;
  t: Messages;
  /** date shows a time today, a day this year, else a full date. */
  date(iso: string): string;
  /** dateLong is a full date and time, for titles. */
  dateLong(iso: string): string;
  number(n: number): string;
  bytes(n?: number): string;
  /** error says what went wrong in this language: known core codes translated, another core
   * error's message in a sentence of this language, the UI's own errors as they are. */
  error(err: unknown): string;
  /** coded says a core error code in this language, else the core's English fallback. */
  coded(code: string | undefined, params: Record<string, string> | undefined, fallback: string): string;
  /** note says a privacy note (evidence, advice) in this language, else the core's text. */
  note(n: Note): string;
  /** securityNote says a note on a message's protection in this language, else the core's text. */
  securityNote(n: SecurityNote): string;
  /** bodyNote says a note on a message's content in this language (a note kept before notes
   * had codes: the core's English text). */
  bodyNote(n: BodyNote): string;
  /** network names a network ("email", "mastodon", "x"). */
  network(n: string): string;
}

const cache = new Map<Locale, I18n>();

/** sentence says a coded note with a catalogue's sentences, else the core's English text. */
function sentence(table: object, n: { code: string; params?: Record<string, string>; text: string }): string {
  const known = (table as Record<string, ((p: Record<string, string>) => string) | undefined>)[n.code];
  return known ? known(n.params ?? {}) : n.text;
}

export function i18nFor(locale: Locale): I18n {
  let i = cache.get(locale);
  if (i) return i;
  const t = CATALOGUES[locale];
  type Coded = Record<string, ((p?: Record<string, string>) => string) | undefined>;
  const codes = t.errors as Coded;
  const flow = t.flowErrors as Coded;
  const coded = (code: string | undefined, params: Record<string, string> | undefined, fallback: string) => {
    const known = code ? (codes[code] ?? flow[code]) : undefined;
    return known ? known(params) : fallback;
  };
  const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });
  const day = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short" });
  const full = new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" });
  const long = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" });
  const num = new Intl.NumberFormat(locale);
  const units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];
  const bytes = (n = 0) => {
    let u = 0;
    while (n >= 1024 && u < units.length - 1) {
      n /= 1024;
      u++;
    }
    const digits = n < 10 && u > 0 ? 1 : 0;
    return new Intl.NumberFormat(locale, { style: "unit", unit: units[u], unitDisplay: "short", maximumFractionDigits: digits }).format(n);
  };
  i = {
    locale,
    t,
    date(iso) {
      const d = new Date(iso);
      const now = new Date();
      if (d.toDateString() === now.toDateString()) return time.format(d);
      return d.getFullYear() === now.getFullYear() ? day.format(d) : full.format(d);
    },
    dateLong: (iso) => long.format(new Date(iso)),
    number: (n) => num.format(n),
    bytes,
    error(err) {
      if (err instanceof CoreError) return coded(err.code, err.params, t.unexpected(err.message));
      // The UI's own errors carry its words already.
      return err instanceof Error ? err.message : String(err);
    },
    coded,
    note: (n) => sentence(t.privacyNotes, n),
    securityNote: (n) => sentence(t.securityNotes, n),
    bodyNote(n) {
      // Sizes are given in bytes: said in this language's units.
      const params = { ...n.params };
      for (const k of ["size", "kept"]) if (params[k]) params[k] = bytes(Number(params[k]));
      return sentence(t.bodyNotes, { ...n, params });
    },
    network: (n) => (t.networks as Record<string, string>)[n] ?? n,
  };
  cache.set(locale, i);
  return i;
}

/** useI18n is the language in use, following the settings and the browser. */
export function useI18n(): I18n {
  const prefs = usePrefs();
  return i18nFor(prefs.language === "auto" ? browserLocale() : prefs.language);
}
