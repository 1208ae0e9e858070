// ILP cluster suggestion in the browser: a mirror of antrean/routing.py and of
// antrean.selectors.unit_untuk_saran, so the offline visit form suggests the same unit.

export const LAYANAN_LABEL = {
  kia: "Kesehatan ibu (hamil, nifas, KB)",
  anak: "Bayi, anak dan remaja (< 18 th)",
  dewasa: "Dewasa (18–59 th)",
  lansia: "Lansia (≥ 60 th)",
  menular: "Penyakit menular (TB, wabah)",
  gigi: "Gigi dan mulut",
  ugd: "Gawat darurat",
  lab: "Laboratorium",
  farmasi: "Farmasi",
  persalinan: "Persalinan / rawat inap",
  lain: "Lainnya",
};

export const LAYANAN_DIMINTA = ["ugd", "gigi", "lab", "farmasi", "persalinan", "kia"];

export const CADANGAN = {
  lansia: ["dewasa"],
  anak: ["kia", "dewasa"],
  kia: ["dewasa"],
  menular: ["dewasa"],
  persalinan: ["kia", "ugd"],
};

export const UMUR_DEWASA = 18;
export const UMUR_LANSIA = 60;

/** Completed years on `pada`; both {tahun, bulan, hari}. */
export function umurTahun(lahir, pada) {
  const lewat = pada.bulan > lahir.bulan || (pada.bulan === lahir.bulan && pada.hari >= lahir.hari);
  return pada.tahun - lahir.tahun - (lewat ? 0 : 1);
}

/** Same order of rules as routing.sarankan: emergency first, then communicable disease. */
export function sarankan({ umur, jenisKelamin, hamil = false, suspekMenular = false, layananDiminta = "" }) {
  if (layananDiminta === "ugd") return { layanan: "ugd", alasan: "Kondisi gawat darurat" };
  if (suspekMenular) return { layanan: "menular", alasan: "Dugaan penyakit menular (mis. TB) → klaster 4" };
  if (["gigi", "lab", "farmasi", "persalinan"].includes(layananDiminta)) {
    return { layanan: layananDiminta, alasan: `Layanan diminta: ${LAYANAN_LABEL[layananDiminta]}` };
  }
  if (hamil && jenisKelamin === "P") return { layanan: "kia", alasan: "Ibu hamil → klaster 2 (ibu dan anak)" };
  if (layananDiminta === "kia" && jenisKelamin === "P") return { layanan: "kia", alasan: "Layanan ibu (nifas/KB) → klaster 2" };
  if (umur < UMUR_DEWASA) return { layanan: "anak", alasan: `Usia ${umur} th (< 18) → klaster 2 (ibu dan anak)` };
  if (umur >= UMUR_LANSIA) return { layanan: "lansia", alasan: `Usia ${umur} th (≥ 60) → klaster 3 (lansia)` };
  return { layanan: "dewasa", alasan: `Usia ${umur} th (18–59) → klaster 3 (dewasa)` };
}

export function urutanPencarian(layanan) { return [layanan, ...(CADANGAN[layanan] || [])]; }

/** pendaftaran.services.saran_untuk: a ticked "gawat darurat" counts as asking for UGD. */
export function saranUntuk(pasien, kunjungan, pada) {
  return sarankan({
    umur: umurTahun(pasien.lahir, pada),
    jenisKelamin: pasien.jenis_kelamin,
    hamil: !!kunjungan.hamil,
    suspekMenular: !!kunjungan.suspek_menular,
    layananDiminta: kunjungan.darurat ? "ugd" : (LAYANAN_DIMINTA.includes(kunjungan.layanan_diminta) ? kunjungan.layanan_diminta : ""),
  });
}

/** The first unit (in display order) offering the service or its fall-back; null if none. */
export function unitUntukSaran(units, saran) {
  for (const layanan of urutanPencarian(saran.layanan)) {
    const u = units.find((x) => x.layanan === layanan);
    if (u) return u;
  }
  return null;
}
