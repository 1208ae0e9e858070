// Online/offline detection for the loket. Signals, any of which flips the state at once:
//   - the browser's `offline` event (cable pulled, Wi-Fi gone)           → offline
//   - a request of the page failed (htmx sendError/timeout, any 5xx)     → laporGagal()
//   - the heartbeat GET /api/v1/status every `interval` ms with a short `timeout` fails, answers
//     5xx (the database is down: Django answers 500), or answers something unreadable → offline
//   - back online only on a *healthy* heartbeat: 200 with the status JSON (`waktu_server`).
//     401/403 are answers about the session, reported through onStatus without changing state.
// Timers, fetch and AbortController are injected so node tests can drive the clock.

export function buatDetektor({ fetch, url = "/api/v1/status", interval = 5000, timeout = 2000,
  setTimer = setTimeout, clearTimer = clearTimeout, onUbah = () => {}, onStatus = () => {},
  awal = "online", sekarang = () => Date.now() } = {}) {
  let status = awal;
  let sebab = "";
  let timer = null;
  let jalan = false;
  let sedang = null;

  function ubah(baru, alasan) {
    if (baru === status) return;
    status = baru;
    sebab = alasan;
    onUbah(baru, alasan);
  }

  async function periksa() {
    if (sedang) return sedang;
    sedang = (async () => {
      const ctrl = typeof AbortController !== "undefined" ? new AbortController() : null;
      const batas = setTimer(() => ctrl && ctrl.abort(), timeout);
      try {
        const t0 = sekarang();
        const r = await fetch(url, { credentials: "same-origin", cache: "no-store",
          headers: { Accept: "application/json" }, signal: ctrl ? ctrl.signal : undefined });
        if (r.status === 401 || r.status === 403) { onStatus({ http: r.status, data: null, rtt: 0 }); return; }
        let data = null;
        if (r.ok) { try { data = await r.json(); } catch (e) { data = null; } }
        if (!r.ok || !data || typeof data.waktu_server !== "string") {
          ubah("offline", r.status >= 500 ? `server:${r.status}` : "server");
          return;
        }
        ubah("online", "heartbeat");
        onStatus({ http: r.status, data, rtt: sekarang() - t0 });
      } catch (e) {
        ubah("offline", "heartbeat");
      } finally {
        clearTimer(batas);
        sedang = null;
      }
    })();
    return sedang;
  }

  function jadwal() {
    if (!jalan) return;
    timer = setTimer(async () => { await periksa(); jadwal(); }, interval);
  }

  return {
    get status() { return status; },
    get sebab() { return sebab; },
    periksa,
    mulai() { if (jalan) return; jalan = true; jadwal(); },
    berhenti() { jalan = false; if (timer) clearTimer(timer); timer = null; },
    laporGagal(alasan = "permintaan") { ubah("offline", alasan); },
    laporBerhasil(alasan = "permintaan") { ubah("online", alasan); },
  };
}
