// Values handed to the app in the address's fragment, which a browser never sends to a
// server: the relay token `make run` prints (#relay-token=...) and the pairing code a sync
// QR code carries (#sync-code=...). They are taken once at start into this tab's session
// storage and removed from the address bar (and so from the history).

const NAMES = ["relay-token", "sync-code"] as const;
type Name = (typeof NAMES)[number];

/** captureFragment moves the known values out of location.hash; call it before routing. */
export function captureFragment(): void {
  const hash = location.hash.replace(/^#/, "");
  if (!hash) return;
  let found = false;
  for (const part of hash.split("&")) {
    const [name, value] = part.split("=", 2);
    if ((NAMES as readonly string[]).includes(name) && value) {
      sessionStorage.setItem(`fragment.${name}`, decodeURIComponent(value));
      found = true;
    }
  }
  if (found) history.replaceState(null, "", location.pathname + location.search);
}

/** fragmentValue is a captured value, or "" (it stays for the tab's session). */
export function fragmentValue(name: Name): string {
  return sessionStorage.getItem(`fragment.${name}`) ?? "";
}

/** forgetFragmentValue drops a value once used. */
export function forgetFragmentValue(name: Name): void {
  sessionStorage.removeItem(`fragment.${name}`);
}
