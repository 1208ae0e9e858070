/* Service worker of the loket (served at /sw.js by downtime/views_luring.py, which prepends
 * `const KONFIG = {versi, shell, halaman, statik}`). Thin wiring only:
 *   - install: cache the app shell (CSS, JS, vendor files) under a versioned name;
 *   - navigations under /loket/: network first; a successful /loket/ page is kept, and any
 *     /loket/ page falls back to it when the server cannot be reached (reload, browser reopened);
 *   - static files: cache first, then network (and kept);
 *   - everything else, above all /api/ and every POST: not touched, never cached.
 * No Background Sync: the page replays the outbox itself (online event, load, timer, button).
 */
/* global KONFIG */
"use strict";

var SHELL = "loket-shell-" + KONFIG.versi;
var HALAMAN = "loket-halaman";

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(KONFIG.shell); }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (nama) {
    return Promise.all(nama.filter(function (n) { return n.indexOf("loket-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function halamanLoket(req, url) {
  return fetch(req).then(function (resp) {
    // Only the officer's real loket page: not a redirect to the login page, not an error.
    if (resp.ok && !resp.redirected && resp.type === "basic" && url.pathname === KONFIG.halaman) {
      var salinan = resp.clone();
      caches.open(HALAMAN).then(function (c) { return c.put(KONFIG.halaman, salinan); });
    }
    return resp;
  }).catch(function () {
    return caches.open(HALAMAN).then(function (c) { return c.match(KONFIG.halaman, { ignoreVary: true }); })
      .then(function (r) { return r || Response.error(); });
  });
}

function statik(req) {
  return caches.match(req, { ignoreVary: true, ignoreSearch: true }).then(function (r) {
    if (r) return r;
    return fetch(req).then(function (resp) {
      if (resp.ok && resp.type === "basic") {
        var salinan = resp.clone();
        caches.open(SHELL).then(function (c) { return c.put(req, salinan); });
      }
      return resp;
    });
  });
}

self.addEventListener("fetch", function (e) {
  var req = e.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (req.mode === "navigate" && url.pathname.indexOf(KONFIG.halaman) === 0 && url.pathname.indexOf("/cetak/") < 0) {
    e.respondWith(halamanLoket(req, url));
  } else if (url.pathname.indexOf(KONFIG.statik) === 0) {
    e.respondWith(statik(req));
  }
});

// Logout: the page asks to forget the cached loket page (it lists today's patients).
self.addEventListener("message", function (e) {
  if (e.data && e.data.perintah === "lupakan-halaman") {
    e.waitUntil(caches.delete(HALAMAN));
  }
  // The page was loaded before this worker controlled it: fetch the loket page once so a
  // reload during an outage finds it (with the session cookie; a login redirect is not kept).
  if (e.data && e.data.perintah === "simpan-halaman") {
    e.waitUntil(fetch(KONFIG.halaman, { credentials: "same-origin" }).then(function (resp) {
      if (resp.ok && !resp.redirected) {
        return caches.open(HALAMAN).then(function (c) { return c.put(KONFIG.halaman, resp); });
      }
    }).catch(function () {}));
  }
});
