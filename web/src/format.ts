import type { Network } from "./gen/api";

export const NETWORK_LABEL: Record<string, string> = { email: "Email", mastodon: "Mastodon", x: "X" };

export function networkLabel(n: Network): string {
  return NETWORK_LABEL[n] ?? n;
}

/** shortDate shows a time today, a day this year, else a full date. */
export function shortDate(iso: string): string {
  const d = new Date(iso);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString(undefined, { day: "numeric", month: "short" });
  return d.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}
