// Where the user is, kept in the address's hash so that the browser's (and the phone's)
// back button works: "#/" the list, "#/d/<key>" a discussion, "#/settings", "#/contacts" and
// "#/contacts/<identity>" a contact (named by one of its identities, which merges and splits
// keep with it), "#/compose" a new message, "#/outbox".
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { screen: "inbox"; discussion: string | null }
  | { screen: "settings" }
  | { screen: "compose" }
  | { screen: "outbox" }
  | { screen: "contacts"; contact: string | null };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  if (path === "/settings") return { screen: "settings" };
  if (path === "/compose") return { screen: "compose" };
  if (path === "/outbox") return { screen: "outbox" };
  const c = path.match(/^\/contacts(?:\/(.+))?$/);
  if (c) return { screen: "contacts", contact: c[1] ? decodeURIComponent(c[1]) : null };
  const m = path.match(/^\/d\/(.+)$/);
  return { screen: "inbox", discussion: m ? decodeURIComponent(m[1]) : null };
}

export function hrefOf(route: Route): string {
  if (route.screen === "contacts") return route.contact ? `#/contacts/${encodeURIComponent(route.contact)}` : "#/contacts";
  if (route.screen !== "inbox") return `#/${route.screen}`;
  return route.discussion ? `#/d/${encodeURIComponent(route.discussion)}` : "#/";
}

// Whether this tab's history holds a screen of ours before the current one.
let depth = 0;

/** go shows a screen; replace swaps the current history entry instead of adding one. */
export function go(route: Route, replace = false): void {
  const href = hrefOf(route);
  if (replace) {
    history.replaceState(null, "", href);
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else if (location.hash !== href) {
    depth++;
    location.hash = href;
  }
}

/** back returns to the previous screen of the app, or to the list when there is none. */
export function back(): void {
  if (depth > 0) {
    depth--;
    history.back();
  } else {
    go({ screen: "inbox", discussion: null }, true);
  }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}
