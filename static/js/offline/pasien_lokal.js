// A bounded local copy of patients this counter saw recently, searchable offline by NIK,
// No. RM, BPJS number and name (+ birth date). Privacy: at most BATAS patients of this
// Puskesmas, only what the loket panel shows anyway, cleared at logout once the outbox is empty
// (downtime/README.md, "Browser").

import { kandidatDi } from "./nama.js";

export const BATAS = 500;
export const MAKS_HASIL = 20;

export function kunciPasien(p) { return p.id ? `id:${p.id}` : `uuid:${p.client_uuid}`; }

export function normalNama(s) {
  return String(s || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9 ]+/g, " ").split(/\s+/).filter(Boolean);
}

function digit(s) { return String(s || "").replace(/\D/g, ""); }

/** A date typed in the search box ("12-03-1980", "12/03/1980", "1980-03-12") → ISO. */
function tanggalDiCari(q) {
  let m = /(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})/.exec(q);
  if (m) return { iso: `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`, sisa: q.replace(m[0], " ") };
  m = /(\d{4})-(\d{2})-(\d{2})/.exec(q);
  if (m) return { iso: m[0], sisa: q.replace(m[0], " ") };
  return { iso: "", sisa: q };
}

/** Pure search over a list of patients; same kinds of query as the loket search box. */
export function cariDi(daftar, q) {
  q = String(q || "").trim();
  if (!q) return [];
  const angka = digit(q);
  const hanyaAngka = angka && angka.length === q.replace(/[\s.-]/g, "").length;
  let hasil;
  if (hanyaAngka) {
    hasil = daftar.filter((p) =>
      (angka.length === 16 && (p.nik === angka || p.nik_ibu === angka)) ||
      (angka.length === 13 && p.no_bpjs === angka) ||
      (p.no_rm && (p.no_rm === angka || p.no_rm.replace(/^0+/, "") === angka.replace(/^0+/, ""))));
  } else {
    const { iso, sisa } = tanggalDiCari(q);
    const kata = normalNama(sisa);
    if (!kata.length || kata.join("").length < 2) return [];
    hasil = daftar.filter((p) => {
      const nama = normalNama(p.nama);
      return kata.every((k) => nama.some((n) => n.startsWith(k))) && (!iso || p.tanggal_lahir === iso);
    });
  }
  return hasil.sort((a, b) => a.nama.localeCompare(b.nama, "id")).slice(0, MAKS_HASIL);
}

export function buatPasienLokal(store, { batas = BATAS, sekarang = () => Date.now() } = {}) {
  return {
    /** Remember (or refresh) a patient; the least recently seen go beyond `batas`. */
    async simpan(p) {
      const rekam = { ...p, kunci: kunciPasien(p), dilihat: sekarang() };
      await store.simpan(rekam.kunci, rekam);
      const semua = await store.semua();
      if (semua.length > batas) {
        semua.sort((a, b) => a.dilihat - b.dilihat);
        for (const lama of semua.slice(0, semua.length - batas)) await store.hapus(lama.kunci);
      }
      return rekam;
    },
    /** A preload: write all, then trim once (not one full scan per patient). */
    async simpanBanyak(daftar) {
      const t = sekarang();
      // The list comes most recent first: give those the newest "seen" stamp.
      for (let i = daftar.length - 1; i >= 0; i--) {
        const p = daftar[i];
        const ada = await store.ambil(kunciPasien(p));
        await store.simpan(kunciPasien(p), { ...p, kunci: kunciPasien(p), dilihat: Math.max(t - i, ada ? ada.dilihat : 0) });
      }
      const semua = await store.semua();
      if (semua.length > batas) {
        semua.sort((a, b) => a.dilihat - b.dilihat);
        for (const lama of semua.slice(0, semua.length - batas)) await store.hapus(lama.kunci);
      }
    },
    async ambil(kunci) { return store.ambil(kunci); },
    async cari(q) { return cariDi(await store.semua(), q); },
    /** Look-alikes of a patient typed as new (the server's rule, nama.js), closest first. */
    async mirip(baru) { return kandidatDi(await store.semua(), baru); },
    async jumlah() { return store.jumlah(); },
    async kosongkan() { await store.kosongkan(); },
  };
}
