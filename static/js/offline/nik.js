// NIK, BPJS card and patient checks in the browser: a line-by-line mirror of
// pendaftaran/nik.py and pendaftaran/validasi.py, so a patient registered offline is judged by
// the same rules (and the same Indonesian messages) as online. Keep the two in step: the node
// tests in tests/js/nik.test.js pin the messages the Python tests pin.

export const BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
export const UMUR_MAKS = 130;
export const NAMA_MAKS = 150;

function rentang(a, b) { const r = []; for (let i = a; i < b; i++) r.push(i); return r; }

// Province codes in use, as in nik.py (Kalimantan Utara 65, the 2022 Papua split 92–97).
export const PROVINSI = new Set([
  ...rentang(11, 20), 21, ...rentang(31, 37), ...rentang(51, 54), ...rentang(61, 66),
  ...rentang(71, 77), 81, 82, ...rentang(91, 98),
]);

export class NikTidakValid extends Error {}

const dua = (n) => String(n).padStart(2, "0");

export function bersihkan(nilai) {
  return Array.from(String(nilai || "")).filter((ch) => !/\s/u.test(ch) && ch !== "-" && ch !== ".").join("");
}

function digitAscii(s) { return /^[0-9]+$/.test(s); }

function tanggalAda(tahun, bulan, hari) {
  const d = new Date(Date.UTC(tahun, bulan - 1, hari));
  return d.getUTCFullYear() === tahun && d.getUTCMonth() === bulan - 1 && d.getUTCDate() === hari;
}

/** Parse a NIK or throw NikTidakValid whose message names what is wrong. */
export function urai(nilai) {
  const nik = bersihkan(nilai);
  const panjang = Array.from(nik).length;
  if (!digitAscii(nik) || panjang !== 16) {
    throw new NikTidakValid(`NIK harus 16 digit angka (terisi ${panjang} karakter).`);
  }
  if (!PROVINSI.has(Number(nik.slice(0, 2))) || nik.slice(2, 4) === "00") {
    throw new NikTidakValid(
      `Kode provinsi/kabupaten NIK (${nik.slice(0, 2)}.${nik.slice(2, 4)}) tidak dikenal. ` +
        "Periksa 4 digit pertama.");
  }
  const hariKode = Number(nik.slice(6, 8));
  const perempuan = hariKode > 40;
  // python-stdnum: day % 40, year 19xx first, then 20xx (only 29 Feb differs).
  const bulan = Number(nik.slice(8, 10));
  const tahun = Number(nik.slice(10, 12));
  const hariStd = hariKode % 40;
  if (!tanggalAda(1900 + tahun, bulan, hariStd) && !tanggalAda(2000 + tahun, bulan, hariStd)) {
    throw new NikTidakValid("Bagian tanggal lahir pada NIK (digit 7–12) bukan tanggal yang ada.");
  }
  if (nik.slice(12) === "0000") {
    throw new NikTidakValid("Nomor urut NIK (4 digit terakhir) tidak boleh 0000.");
  }
  return {
    nik,
    kode_wilayah: nik.slice(0, 4),
    hari: perempuan ? hariKode - 40 : hariKode,
    bulan,
    tahun_2digit: tahun,
    jenis_kelamin: perempuan ? "P" : "L",
  };
}

export function tanggalTeks(info) {
  return `${dua(info.hari)} ${BULAN[info.bulan - 1]} ..${dua(info.tahun_2digit)}`;
}

/** `tanggalLahir`: {tahun, bulan, hari} or null. */
export function ketidakcocokan(info, { tanggalLahir, jenisKelamin }) {
  const pesan = [];
  if (tanggalLahir && (info.hari !== tanggalLahir.hari || info.bulan !== tanggalLahir.bulan ||
      info.tahun_2digit !== tanggalLahir.tahun % 100)) {
    pesan.push(
      `NIK menunjukkan lahir ${tanggalTeks(info)}, tetapi tanggal lahir diisi ` +
        `${dua(tanggalLahir.hari)}-${dua(tanggalLahir.bulan)}-${tanggalLahir.tahun}. ` +
        "Periksa NIK atau tanggal lahir.");
  }
  if ((jenisKelamin === "L" || jenisKelamin === "P") && jenisKelamin !== info.jenis_kelamin) {
    const nikJk = info.jenis_kelamin === "P" ? "perempuan" : "laki-laki";
    const diisi = jenisKelamin === "P" ? "perempuan" : "laki-laki";
    pesan.push(
      `NIK menunjukkan jenis kelamin ${nikJk} (perempuan: tanggal + 40), ` +
        `tetapi jenis kelamin diisi ${diisi}.`);
  }
  return pesan;
}

/** A JKN-KIS card number: 13 digits kept as text; no checksum is published. */
export function validBpjs(nilai) {
  const nomor = bersihkan(nilai);
  const panjang = Array.from(nomor).length;
  if (!digitAscii(nomor) || panjang !== 13) {
    throw new NikTidakValid(`Nomor kartu BPJS harus 13 digit angka (terisi ${panjang}).`);
  }
  return nomor;
}

// --- dates ------------------------------------------------------------------------------------
// The forms accept yyyy-mm-dd (the date picker) and dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy.
export function uraiTanggal(teks) {
  const s = String(teks || "").trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  let t = null;
  if (m) t = { tahun: +m[1], bulan: +m[2], hari: +m[3] };
  else if ((m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s))) t = { tahun: +m[3], bulan: +m[2], hari: +m[1] };
  if (!t || !tanggalAda(t.tahun, t.bulan, t.hari)) return null;
  return t;
}

export function tanggalIso(t) { return `${t.tahun}-${dua(t.bulan)}-${dua(t.hari)}`; }

function banding(a, b) {
  return (a.tahun - b.tahun) || (a.bulan - b.bulan) || (a.hari - b.hari);
}

// --- the patient, as validasi.py ------------------------------------------------------------------
/** DataPasien.rapikan(): normalise what people type. */
export function rapikan(d) {
  return {
    nama: String(d.nama || "").split(/\s+/u).filter(Boolean).join(" "),
    tanggal_lahir: d.tanggal_lahir || "",
    jenis_kelamin: String(d.jenis_kelamin || "").toUpperCase().trim(),
    nik: bersihkan(d.nik),
    nik_ibu: bersihkan(d.nik_ibu),
    no_bpjs: bersihkan(d.no_bpjs),
    alamat: String(d.alamat || "").split(/\s+/u).filter(Boolean).join(" "),
    no_hp: bersihkan(d.no_hp).replace("+62", "0"),
  };
}

function tambah(galat, field, pesan) { (galat[field] = galat[field] || []).push(pesan); }

/** validasi_pasien: field → messages, empty when valid. `hariIni`: {tahun, bulan, hari}.
 * `data.tanggal_lahir` is the text typed; a text that is not a date gets the form's message. */
export function validasiPasien(dataMentah, { hariIni }) {
  const data = rapikan(dataMentah);
  const galat = {};
  if (!data.nama) tambah(galat, "nama", "Nama wajib diisi.");
  else if (Array.from(data.nama).length > NAMA_MAKS) tambah(galat, "nama", `Nama terlalu panjang (maksimal ${NAMA_MAKS} karakter).`);
  else if (!/\p{L}/u.test(data.nama)) tambah(galat, "nama", "Nama harus berisi huruf.");

  if (data.jenis_kelamin !== "L" && data.jenis_kelamin !== "P") {
    tambah(galat, "jenis_kelamin", "Jenis kelamin wajib dipilih: L atau P.");
  }
  const lahir = data.tanggal_lahir ? uraiTanggal(data.tanggal_lahir) : null;
  if (data.tanggal_lahir && !lahir) {
    tambah(galat, "tanggal_lahir", "Tanggal lahir tidak valid; tulis mis. 17-08-1985.");
  } else if (!lahir) tambah(galat, "tanggal_lahir", "Tanggal lahir wajib diisi.");
  else if (banding(lahir, hariIni) > 0) tambah(galat, "tanggal_lahir", "Tanggal lahir tidak boleh di masa depan.");
  else if (hariIni.tahun - lahir.tahun > UMUR_MAKS) tambah(galat, "tanggal_lahir", `Tanggal lahir lebih dari ${UMUR_MAKS} tahun lalu.`);

  if (data.nik) {
    try {
      const info = urai(data.nik);
      if (!galat.tanggal_lahir && !galat.jenis_kelamin) {
        for (const p of ketidakcocokan(info, { tanggalLahir: lahir, jenisKelamin: data.jenis_kelamin })) tambah(galat, "nik", p);
      }
    } catch (e) {
      if (!(e instanceof NikTidakValid)) throw e;
      tambah(galat, "nik", e.message);
    }
  }
  if (data.nik_ibu) {
    try {
      if (urai(data.nik_ibu).jenis_kelamin !== "P") tambah(galat, "nik_ibu", "NIK ibu harus NIK perempuan (tanggal lahir + 40).");
    } catch (e) {
      if (!(e instanceof NikTidakValid)) throw e;
      tambah(galat, "nik_ibu", `NIK ibu: ${e.message}`);
    }
    if (data.nik && data.nik === data.nik_ibu) tambah(galat, "nik_ibu", "NIK ibu sama dengan NIK pasien; kosongkan salah satu.");
  }
  if (data.no_bpjs) {
    try { validBpjs(data.no_bpjs); } catch (e) {
      if (!(e instanceof NikTidakValid)) throw e;
      tambah(galat, "no_bpjs", e.message);
    }
  }
  if (data.no_hp && !(/^[0-9]+$/.test(data.no_hp) && data.no_hp.length >= 8 && data.no_hp.length <= 15)) {
    tambah(galat, "no_hp", "No. HP harus 8–15 digit angka, mis. 081234567890.");
  }
  if (Array.from(data.alamat).length > 255) tambah(galat, "alamat", "Alamat terlalu panjang (maksimal 255 karakter).");
  return galat;
}

/** validasi_kunjungan (without the clock check: offline entries are checked on replay). */
export function validasiKunjungan(data, { jenisKelamin, noBpjs, nik = "" }) {
  const galat = {};
  if (data.penjamin !== "bpjs" && data.penjamin !== "umum") tambah(galat, "penjamin", "Penjamin wajib dipilih: BPJS atau umum.");
  else if (data.penjamin === "bpjs" && !noBpjs && !nik) {
    // A lost card is fine when the NIK is known: BPJS finds the participant by NIK.
    tambah(galat, "penjamin", "Pasien belum punya No. kartu BPJS maupun NIK. Isi salah satunya di data pasien atau pilih umum.");
  }
  if (data.hamil && jenisKelamin !== "P") tambah(galat, "hamil", "Pasien laki-laki tidak dapat ditandai hamil.");
  if (Array.from(data.keluhan || "").length > 500) tambah(galat, "keluhan", "Keluhan terlalu panjang (maksimal 500 karakter).");
  return galat;
}
