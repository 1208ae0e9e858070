/* Live queue updates: "something changed" → the page's htmx parts re-fetch themselves.
 *
 * The page carries <div data-live data-live-stream=… data-live-versi=… data-live-awal=…>.
 * 1. Server-Sent Events from data-live-stream: an event `versi` arrives within ~0.1 s of any
 *    queue change. The server closes each stream after ~30 s and EventSource reconnects itself.
 * 2. If the server has no free stream slot (204) or the browser lacks EventSource, poll the
 *    version URL every 0.5 s, and try the stream again after a minute.
 * 3. A watchdog: no event for 15 s on an "open" stream (a proxy that buffers, a half-open TCP
 *    connection after a network drop) → drop it and start over.
 * On a new version it dispatches `antrean:berubah` on <body>; elements listen with
 * hx-trigger="antrean:berubah from:body". [data-live-status] shows the connection state.
 */
(function () {
  "use strict";
  var el = document.querySelector("[data-live]");
  if (!el) return;
  var URL_STREAM = el.dataset.liveStream;
  var URL_VERSI = el.dataset.liveVersi;
  var POLL_MS = 500;
  var POLL_GAGAL_MS = 2000;
  var COBA_SSE_LAGI_MS = 60000;
  var WATCHDOG_MS = 15000;

  var versi = el.dataset.liveAwal || "";
  var es = null;
  var timerPoll = null;
  var timerWatchdog = null;
  var modePollSampai = 0;

  function status(keadaan, teks) {
    document.querySelectorAll("[data-live-status]").forEach(function (s) {
      s.dataset.keadaan = keadaan;
      s.title = teks;
      if (s.classList.contains("tv__koneksi")) s.textContent = keadaan === "putus" ? "● " + teks : "●";
    });
    document.body.classList.toggle("koneksi-putus", keadaan === "putus");
  }

  function sudahTampil(v) {
    // Every live part already shows this version (e.g. the panel an action just returned):
    // re-fetching it would only redraw the page under the officer's next click.
    var bagian = document.querySelectorAll("[data-versi-tampil]");
    if (!bagian.length) return false;
    for (var i = 0; i < bagian.length; i++) if (bagian[i].dataset.versiTampil !== v) return false;
    return true;
  }

  // Versions are nanosecond timestamps as decimal strings ("0" when none): compare as numbers.
  function lebihLama(a, b) {
    return a.length !== b.length ? a.length < b.length : a < b;
  }

  function adaYangTertinggal(v) {
    var bagian = document.querySelectorAll("[data-versi-tampil]");
    for (var i = 0; i < bagian.length; i++) if (lebihLama(bagian[i].dataset.versiTampil || "", v)) return true;
    return false;
  }

  function terima(v) {
    if (v && v !== versi) {
      versi = v;
      if (!sudahTampil(v)) {
        document.body.dispatchEvent(new CustomEvent("antrean:berubah", { detail: { versi: v } }));
      }
    }
  }

  function tutupSse() {
    if (es) { es.close(); es = null; }
    clearTimeout(timerWatchdog);
  }

  function watchdog() {
    clearTimeout(timerWatchdog);
    timerWatchdog = setTimeout(function () {
      status("putus", "Menyambung ulang…");
      tutupSse();
      mulai();
    }, WATCHDOG_MS);
  }

  function sse() {
    es = new EventSource(URL_STREAM);
    watchdog();
    es.addEventListener("versi", function (e) {
      status("sse", "Terhubung (langsung)");
      watchdog();
      terima(e.data);
    });
    es.onerror = function () {
      if (es && es.readyState === EventSource.CLOSED) {
        // 204 (no free slot) or an HTTP error: EventSource gives up; poll for a while.
        tutupSse();
        modePollSampai = Date.now() + COBA_SSE_LAGI_MS;
        poll();
      } else {
        // Network drop or the bounded stream ended: EventSource reconnects by itself.
        status("sambung", "Menyambung ulang…");
      }
    };
  }

  function poll() {
    clearTimeout(timerPoll);
    if (URL_STREAM && window.EventSource && Date.now() > modePollSampai) { mulai(); return; }
    fetch(URL_VERSI, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (d) {
        status("poll", "Terhubung (berkala)");
        terima(d.v);
        timerPoll = setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        status("putus", "Koneksi terputus, mencoba lagi…");
        timerPoll = setTimeout(poll, POLL_GAGAL_MS);
      });
  }

  function mulai() {
    if (URL_STREAM && window.EventSource && Date.now() > modePollSampai) sse();
    else poll();
  }

  // A refresh queued by an event that is already on screen (the action's own answer arrived
  // first) would only redraw the buttons under the officer's next click: skip it.
  document.body.addEventListener("htmx:confirm", function (e) {
    var pemicu = e.detail && e.detail.triggeringEvent;
    if (pemicu && pemicu.type === "antrean:berubah" && sudahTampil(versi)) e.preventDefault();
  });

  // A part that was swapped in showing an older version than the newest one announced (its
  // answer was on its way when the change came, or the signal arrived while it was being
  // swapped) fetches itself again, once per version: a TV must never sit on a stale call.
  var diulangUntuk = "";
  document.body.addEventListener("htmx:afterSettle", function () {
    if (versi && versi !== diulangUntuk && adaYangTertinggal(versi)) {
      diulangUntuk = versi;
      document.body.dispatchEvent(new CustomEvent("antrean:berubah", { detail: { versi: versi } }));
    }
  });

  // After the network comes back, do not wait for the next back-off step.
  window.addEventListener("online", function () { tutupSse(); clearTimeout(timerPoll); mulai(); });
  window.addEventListener("offline", function () { status("putus", "Koneksi terputus"); });
  // A page that re-fetches on its own (e.g. htmx's every-30s safety net) shows the new state.
  mulai();
})();
