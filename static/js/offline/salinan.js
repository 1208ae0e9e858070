// The loket's offline copy of returning patients (server side: pendaftaran/salinan.py): every
// patient seen in the last two years, found offline by NIK, No. RM, BPJS number or name + birth
// date. It holds no address or phone, and NIK / NIK ibu / card only as salted SHA-256 hashes
// (+ last four digits): what the officer types is hashed the same way and matched. Refreshed
// incrementally (?sejak=), kept in its own IndexedDB database, cleared at logout / idle logout.

import { cariDi, kunciPasien, MAKS_HASIL } from "./pasien_lokal.js";
import { kandidatDi } from "./nama.js";

export const NAMA_DB_SALINAN = "loket-salinan";
const SEGAR_MS = 10 * 60 * 1000; // incremental refresh at most every 10 minutes

export async function sidik(garam, angka) {
  if (!angka) return "";
  const data = new TextEncoder().encode(`${garam}:${angka}`);
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 20);
}

export async function ambilJson(url) {
  const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!r.ok || r.redirected) throw new Error(`salinan: HTTP ${r.status}`);
  return r.json();
}

/** A copy record as the loket panel's local patient; identifiers masked unless just typed. */
export function untukLokal(r, dikenal = {}) {
  return {
    id: r.id, no_rm: r.no_rm, nama: r.nama, tanggal_lahir: r.tanggal_lahir, jenis_kelamin: r.jenis_kelamin,
    nik: dikenal.nik || (r.nik4 ? "••••••••••••" + r.nik4 : ""),
    nik_ibu: dikenal.nik_ibu || "",
    no_bpjs: dikenal.no_bpjs || (r.bpjs4 ? "•••••••••" + r.bpjs4 : ""),
    alamat: "", no_hp: "", dari_salinan: true,
  };
}

export function bukaSalinanDb(idb) {
  return idb.openDB(NAMA_DB_SALINAN, 1, {
    upgrade(db) {
      if (!db.objectStoreNames.contains("pasien")) db.createObjectStore("pasien", { keyPath: "id" });
      if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta", { keyPath: "kunci" });
    },
  });
}

/** store: {semuaPasien, simpanBanyak(records), meta(), simpanMeta(m), kosongkan()};
 *  ambil(url) → parsed JSON or throws. */
export function buatSalinan(store, { ambil, sekarang = () => Date.now() } = {}) {
  let cache = null; // the records in memory: a search must not read 100,000 rows from disk
  const semua = async () => (cache ??= await store.semuaPasien());
  return {
    /** Full load the first time, then only what changed since the last answer. */
    async segarkan({ paksa = false } = {}) {
      const m = (await store.meta()) || {};
      if (!paksa && m.pada != null && sekarang() - m.pada < SEGAR_MS) return { dilewati: true };
      let setelah = 0, waktu = null, garam = m.garam, jumlah = 0;
      const sejak = m.waktu && m.lengkap ? m.waktu : null;
      for (;;) {
        const q = new URLSearchParams({ setelah: String(setelah) });
        if (sejak) q.set("sejak", sejak);
        const d = await ambil(`/loket/salinan.json?${q}`);
        if (garam && d.garam !== garam) { await store.kosongkan(); cache = null; return this.segarkan({ paksa: true }); }
        garam = d.garam;
        waktu = waktu || d.waktu; // the first page's time: nothing changed after it is missed
        await store.simpanBanyak(d.pasien);
        jumlah += d.pasien.length;
        if (d.setelah == null) break;
        setelah = d.setelah;
      }
      await store.simpanMeta({ kunci: "salinan", garam, waktu, lengkap: true, pada: sekarang() });
      cache = null;
      return { jumlah, inkremental: Boolean(sejak) };
    },
    /** Records matching the query (same kinds as the search box), and what the match proved. */
    async cari(q) {
      q = String(q || "").trim();
      const m = (await store.meta()) || {};
      const daftar = await semua();
      const angka = q.replace(/\D/g, "");
      if (angka && angka.length === q.replace(/[\s.-]/g, "").length) {
        if (angka.length === 16) {
          const h = await sidik(m.garam, angka);
          return daftar.filter((r) => r.h_nik === h || r.h_nik_ibu === h)
            .map((r) => ({ r, dikenal: r.h_nik === h ? { nik: angka } : { nik_ibu: angka } }));
        }
        if (angka.length === 13) {
          const h = await sidik(m.garam, angka);
          return daftar.filter((r) => r.h_bpjs === h).map((r) => ({ r, dikenal: { no_bpjs: angka } }));
        }
        if (angka.length <= 8) {
          const rm = angka.replace(/^0+/, "");
          return daftar.filter((r) => r.no_rm.replace(/^0+/, "") === rm).map((r) => ({ r, dikenal: {} }));
        }
        return [];
      }
      return cariDi(daftar, q).map((r) => ({ r, dikenal: {} }));
    },
    async mirip(baru) { return kandidatDi(await semua(), baru); },
    async jumlah() { return (await semua()).length; },
    async kosongkan() { cache = null; await store.kosongkan(); },
  };
}

export function storeSalinanIdb(db) {
  return {
    semuaPasien: () => db.getAll("pasien"),
    async simpanBanyak(daftar) {
      const tx = db.transaction("pasien", "readwrite");
      for (const r of daftar) tx.store.put(r);
      await tx.done;
    },
    meta: () => db.get("meta", "salinan"),
    simpanMeta: (m) => db.put("meta", m),
    async kosongkan() { await db.clear("pasien"); await db.clear("meta"); },
  };
}

/** The loket search offline: the recent-patient copy first, then the two-year copy. Hits from
 *  the copy are put in the recent copy so opening them works as for any local patient. */
export async function cariGabung(lokal, salinan, q) {
  const dekat = await lokal.cari(q);
  if (!salinan) return dekat;
  const ada = new Set(dekat.map(kunciPasien));
  const jauh = (await salinan.cari(q)).filter(({ r }) => !ada.has(`id:${r.id}`)).slice(0, MAKS_HASIL);
  const hasil = dekat.slice();
  for (const { r, dikenal } of jauh) {
    const p = untukLokal(r, dikenal);
    await lokal.simpan(p);
    hasil.push(p);
  }
  return hasil.slice(0, MAKS_HASIL);
}

/** Look-alikes of a patient typed as new, in both copies, closest first. */
export async function miripGabung(lokal, salinan, baru) {
  const dekat = await lokal.mirip(baru);
  if (!salinan) return dekat;
  const ada = new Set(dekat.map((k) => kunciPasien(k.pasien)));
  const jauh = (await salinan.mirip(baru)).filter((k) => !ada.has(`id:${k.pasien.id}`));
  for (const k of jauh) { k.pasien = untukLokal(k.pasien); await lokal.simpan(k.pasien); }
  return [...dekat, ...jauh].sort((a, b) => b.cocok.skor - a.cocok.skor).slice(0, 5);
}
