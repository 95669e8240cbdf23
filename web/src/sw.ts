// The service worker: it precaches the app shell and the core (every file has a
// content-hashed name, listed by the build in PRECACHE), so the app starts offline.
// Hashed files are served cache-first; the page itself network-first with the cached copy as
// fallback. A new build has a new PRECACHE list, hence a new cache; old caches are removed
// once the new worker activates.

/// <reference lib="webworker" />
export {};
declare const self: ServiceWorkerGlobalScope;

const CACHE = `caliopen-${APP_VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("caliopen-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") void self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/tunnel") || url.pathname.startsWith("/sync") || url.pathname === "/healthz") return;
  if (req.mode === "navigate" || url.pathname === "/" || url.pathname === "/index.html") {
    event.respondWith(
      fetch(req)
        .then((resp) => {
          const copy = resp.clone();
          if (resp.ok) void caches.open(CACHE).then((c) => c.put("/", copy));
          return resp;
        })
        .catch(async () => (await caches.match("/", { cacheName: CACHE })) ?? Response.error()),
    );
    return;
  }
  event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
});
