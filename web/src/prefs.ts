// The user's display preferences (language, theme): kept in this browser's localStorage,
// shared by the app's tabs (the storage event), applied at once.
import { useEffect, useState } from "preact/hooks";

export type Theme = "auto" | "light" | "dark";
export interface Prefs {
  language: "auto" | "en" | "fr";
  theme: Theme;
  /** keysNoticed are the fingerprints of the keys made by themselves whose notice was read. */
  keysNoticed: string[];
}

const KEY = "caliopen.prefs";
const DEFAULTS: Prefs = { language: "auto", theme: "auto", keysNoticed: [] };
const listeners = new Set<(p: Prefs) => void>();

function read(): Prefs {
  try {
    return { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(KEY) ?? "{}") as Partial<Prefs>) };
  } catch {
    return DEFAULTS;
  }
}

let current = read();

function publish(next: Prefs): void {
  current = next;
  applyTheme(next.theme);
  listeners.forEach((fn) => fn(next));
}

/** setPrefs changes some preferences and remembers them. */
export function setPrefs(change: Partial<Prefs>): void {
  const next = { ...current, ...change };
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage refused (private mode, quota): the choice holds for this tab only.
  }
  publish(next);
}

/** applyTheme sets the page's colour scheme: the system's, or the one chosen. */
export function applyTheme(theme: Theme = current.theme): void {
  const root = document.documentElement;
  if (theme === "auto") delete root.dataset.theme;
  else root.dataset.theme = theme;
}

if (typeof window !== "undefined") {
  window.addEventListener("storage", (e) => e.key === KEY && publish(read()));
}

/** usePrefs follows the preferences. */
export function usePrefs(): Prefs {
  const [prefs, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => void listeners.delete(setState);
  }, []);
  return prefs;
}
