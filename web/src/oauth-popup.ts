// Sign-in consent pages (Mastodon, X) open in a popup window, so that this page, its worker
// and the unlocked vault stay as they are: the popup comes back to the app's callback address,
// hands that address to the page that opened it, and closes. When the browser blocks the
// popup, the page itself goes to the consent page and finishes when it comes back (the
// sign-in in progress is sealed in the vault meanwhile).
import { CoreError } from "./core-client";

/** The callback address the providers send the browser back to. */
export const CALLBACK_PATH = "/oauth/callback";
const POPUP_NAME = "caliopen-signin";
const CHANNEL = "caliopen-signin";

/**
 * closingPopup is true when this page is the popup's return to the callback: it has passed
 * the address on and closes; the app must not start here. Import this module first.
 */
export const closingPopup = ((): boolean => {
  if (location.pathname !== CALLBACK_PATH || window.name !== POPUP_NAME) return false;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage({ callbackUrl: location.href });
  channel.close();
  // The opener sends this window to the next consent page or closes it; if it is gone, the
  // window closes by itself.
  document.getElementById("app")!.textContent = "✓";
  const watch = setInterval(() => {
    if (!window.opener || window.opener.closed) {
      clearInterval(watch);
      window.close();
    }
  }, 1000);
  return true;
})();

/** openConsentWindow opens the popup; call it synchronously in the click or submit handler. */
export function openConsentWindow(): Window | null {
  return window.open("about:blank", POPUP_NAME, "popup,width=520,height=720");
}

/**
 * consent shows authorizeUrl in the popup and resolves with the callback address it came back
 * to. Without a popup (blocked), the page goes there itself and the promise never resolves.
 */
export function consent(popup: Window | null, authorizeUrl: string): Promise<string> {
  if (!popup || popup.closed) {
    location.assign(authorizeUrl);
    return new Promise(() => undefined);
  }
  return new Promise((resolve, reject) => {
    const channel = new BroadcastChannel(CHANNEL);
    const watch = setInterval(() => {
      if (popup.closed) {
        // Give a message posted just before closing time to arrive.
        setTimeout(() => {
          done();
          reject(new CoreError("popup_closed", "The sign-in window was closed before the sign-in finished."));
        }, 500);
      }
    }, 500);
    const done = () => {
      clearInterval(watch);
      channel.close();
    };
    channel.onmessage = (e: MessageEvent<{ callbackUrl?: string }>) => {
      if (typeof e.data?.callbackUrl !== "string") return;
      done();
      resolve(e.data.callbackUrl);
    };
    popup.location.href = authorizeUrl;
  });
}
