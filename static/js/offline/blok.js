// Reserved offline queue numbers (POST /api/v1/offline/blok). While offline, a ticket takes the
// lowest number of the newest block for its unit that the server has not seen used and no
// outbox entry holds; none left means "nomor menyusul" (the server assigns one at replay).

export function kodeTiket(prefix, nomor) { return `${prefix}-${String(nomor).padStart(3, "0")}`; }

/** Keep the newest block per unit from a /offline/blok answer: [{unit, blok:{...}}]. */
export function blokTerbaru(jawaban) {
  const per = new Map();
  for (const b of (jawaban && jawaban.blok) || []) {
    const ada = per.get(b.unit);
    if (!ada || b.blok_id > ada.blok_id) per.set(b.unit, b);
  }
  return Array.from(per.values());
}

/** Key of an issued number in the durable "terbit" store. */
export function kunciTerbit(tanggal, unit, nomor) { return `${tanggal}|${unit}|${nomor}`; }

/** Numbers of `unit` on `tanggal` among the stored issued-number records. */
export function terbitUntuk(catatan, tanggal, unit) {
  const awalan = `${tanggal}|${unit}|`;
  return catatan.filter((c) => c.kunci.startsWith(awalan)).map((c) => c.nomor);
}

/** A block should be refreshed while online: a quarter or less left, or another day's. */
export function perluBlokBaru(blok, dipakai, hariIni) {
  if (!blok || blok.tanggal !== hariIni) return true;
  return sisaNomor(blok, dipakai, hariIni) * 4 <= (blok.terakhir - blok.pertama + 1);
}

/**
 * blok      the stored block of the unit (or undefined)
 * dipakai   numbers of this unit that may not be given: held by outbox entries, and every number
 *           this loket ever showed a patient today (durable, any iterable)
 * hariIni   "YYYY-MM-DD" in the Puskesmas' zone by the corrected clock: a block of another day
 *           is worthless (the loket cannot prove the number is its own)
 * → {nomor, kode, prefix} or null ("nomor menyusul")
 */
export function nomorBerikut(blok, dipakai, hariIni) {
  if (!blok || blok.tanggal !== hariIni) return null;
  const tidakBoleh = new Set([...(blok.terpakai || []), ...dipakai]);
  for (let n = blok.pertama; n <= blok.terakhir; n++) {
    if (!tidakBoleh.has(n)) return { nomor: n, kode: kodeTiket(blok.prefix, n), prefix: blok.prefix };
  }
  return null;
}

export function sisaNomor(blok, dipakai, hariIni) {
  if (!blok || blok.tanggal !== hariIni) return 0;
  const tidakBoleh = new Set([...(blok.terpakai || []), ...dipakai]);
  let sisa = 0;
  for (let n = blok.pertama; n <= blok.terakhir; n++) if (!tidakBoleh.has(n)) sisa++;
  return sisa;
}
