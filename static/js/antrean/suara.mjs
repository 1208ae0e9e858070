// Server-made call clips (antrean/suara.py) in speaking order, and their playback through Web
// Audio: once the TV's AudioContext is unlocked (one click or kiosk autoplay) buffers play
// without further gestures, back to back, after the chime. Pure parts are tested with
// `node --test static/js/antrean/` (suara.test.mjs); the player is tested in Chromium.
import { ejaKode } from "./terbilang.mjs";

/** The clip keys for one call, in order: "nomor antrean", the code, "silakan menuju", unit. */
export function urutanKlip(kode, unitId) {
  const bagian = ejaKode(kode).split(/\s+/).filter(Boolean);
  const kode2 = bagian.map((k) => (/^[A-Z]$/.test(k) ? `huruf:${k}` : `kata:${k}`));
  return ["frasa:nomor_antrean", ...kode2, "frasa:silakan_menuju", `unit:${unitId}`];
}

/** Every key has a clip? Otherwise the caller falls back (browser voice or chime only). */
export function lengkap(kunci, daftar) {
  return kunci.every((k) => Object.prototype.hasOwnProperty.call(daftar, k));
}

export const CACHE_KLIP = "tv-suara-v1";

/** Loads the clip list and stores every clip in the Cache API (the TV's service worker serves
 * them from there when the server is unreachable). Returns {key: url}. */
export async function muatDaftar(urlDaftar) {
  let daftar = {};
  try {
    const r = await fetch(urlDaftar, { cache: "no-store" });
    if (r.ok) daftar = (await r.json()).klip || {};
    if (window.caches) {
      const c = await caches.open(CACHE_KLIP);
      await c.put(urlDaftar, new Response(JSON.stringify({ klip: daftar }), { headers: { "Content-Type": "application/json" } }));
      const ada = new Set((await c.keys()).map((q) => new URL(q.url).pathname));
      await Promise.all(Object.values(daftar).filter((u) => !ada.has(u)).map((u) => c.add(u).catch(() => {})));
    }
  } catch (e) {
    // Offline at start-up: use what the cache holds from the last visit.
    const c = window.caches && (await caches.open(CACHE_KLIP));
    const lama = c && (await c.match(urlDaftar));
    if (lama) daftar = (await lama.json()).klip || {};
  }
  return daftar;
}

const buffer = new Map(); // url → Promise<AudioBuffer>

async function ambilBuffer(ac, url) {
  if (!buffer.has(url)) {
    buffer.set(url, (async () => {
      const r = (window.caches && (await (await caches.open(CACHE_KLIP)).match(url))) || (await fetch(url));
      if (!r.ok) throw new Error(`klip ${url}: ${r.status}`);
      return ac.decodeAudioData(await r.arrayBuffer());
    })());
    buffer.get(url).catch(() => buffer.delete(url));
  }
  return buffer.get(url);
}

/** Plays the clips for `kunci` in order; resolves when the last one ended. `catat(k)` is told
 * each key as it starts (tests read the order from it). Throws if a clip cannot be loaded. */
export async function putarKlip(ac, daftar, kunci, catat = () => {}) {
  const bufs = await Promise.all(kunci.map((k) => ambilBuffer(ac, daftar[k])));
  let t = ac.currentTime + 0.05;
  const jeda = (k) => (k === "frasa:silakan_menuju" || k.startsWith("unit:") ? 0.25 : 0.04);
  const jadwal = [];
  bufs.forEach((b, i) => {
    const src = ac.createBufferSource();
    src.buffer = b;
    src.connect(ac.destination);
    t += i ? jeda(kunci[i]) : 0;
    src.start(t);
    jadwal.push([t, kunci[i]]);
    t += b.duration;
  });
  for (const [mulai, k] of jadwal) {
    await new Promise((r) => setTimeout(r, Math.max(0, (mulai - ac.currentTime) * 1000)));
    catat(k);
  }
  await new Promise((r) => setTimeout(r, Math.max(0, (t - ac.currentTime) * 1000) + 100));
}
