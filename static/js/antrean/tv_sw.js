// The hall TV's service worker (served at /antrean/tv/sw.js, scope /antrean/tv/): the call
// clips come from the cache the page filled (suara.mjs), so a TV keeps calling with its last
// screen through a network or server outage; the page itself and its scripts are kept from
// the last successful load. Live streams are never cached.
const VERSI = "tv-1";
const CACHE_KLIP = "tv-suara-v1";
const CACHE_HALAMAN = `tv-halaman-${VERSI}`;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (e) => {
  e.waitUntil(
    (async () => {
      for (const k of await caches.keys()) if (k.startsWith("tv-halaman-") && k !== CACHE_HALAMAN) await caches.delete(k);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin) return;
  if (/\/(live|versi)\/$/.test(url.pathname)) return;
  if (/\/suara\/[0-9a-f]{20}\.wav$/.test(url.pathname)) {
    e.respondWith(
      (async () => (await (await caches.open(CACHE_KLIP)).match(e.request)) || fetch(e.request))(),
    );
    return;
  }
  // Network first (the screen must be current), the last good copy when it fails.
  e.respondWith(
    (async () => {
      const c = await caches.open(CACHE_HALAMAN);
      try {
        const r = await fetch(e.request);
        if (r.ok && !e.request.headers.get("HX-Request")) c.put(e.request, r.clone());
        return r;
      } catch (err) {
        const lama = (await c.match(e.request)) || (await (await caches.open(CACHE_KLIP)).match(e.request));
        if (lama) return lama;
        throw err;
      }
    })(),
  );
});
