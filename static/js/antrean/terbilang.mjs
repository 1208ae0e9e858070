// Numbers and queue codes as spoken Indonesian, for the hall display's voice announcement.
// Pure functions: tested with `node --test static/js/antrean/` (terbilang.test.mjs).

const SATUAN = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];

function bawahSeribu(n) {
  // 1..999 → words; callers never pass 0.
  const kata = [];
  const ratus = Math.floor(n / 100);
  const sisa = n % 100;
  if (ratus === 1) kata.push("seratus");
  else if (ratus > 1) kata.push(SATUAN[ratus], "ratus");
  if (sisa === 0) return kata.join(" ");
  if (sisa < 10) kata.push(SATUAN[sisa]);
  else if (sisa === 10) kata.push("sepuluh");
  else if (sisa === 11) kata.push("sebelas");
  else if (sisa < 20) kata.push(SATUAN[sisa - 10], "belas");
  else {
    kata.push(SATUAN[Math.floor(sisa / 10)], "puluh");
    if (sisa % 10) kata.push(SATUAN[sisa % 10]);
  }
  return kata.join(" ");
}

/** 0 ≤ n < 10^12 as Indonesian words: 12 → "dua belas", 1001 → "seribu satu". */
export function terbilang(n) {
  if (!Number.isInteger(n) || n < 0 || n >= 1e12) throw new RangeError(`tidak didukung: ${n}`);
  if (n === 0) return "nol";
  const kata = [];
  const tingkat = [
    [1e9, "miliar"],
    [1e6, "juta"],
    [1e3, "ribu"],
  ];
  let sisa = n;
  for (const [besar, nama] of tingkat) {
    const bagian = Math.floor(sisa / besar);
    if (bagian) {
      kata.push(bagian === 1 && besar === 1e3 ? "seribu" : `${bawahSeribu(bagian)} ${nama}`);
      sisa %= besar;
    }
  }
  if (sisa) kata.push(bawahSeribu(sisa));
  return kata.join(" ");
}

/** "A-012" → "A dua belas": the prefix letters one by one, then the number as words. */
export function ejaKode(kode) {
  const m = /^\s*([A-Za-z]*)[\s-]*0*(\d+)\s*$/.exec(String(kode));
  if (!m) return String(kode);
  const huruf = m[1].toUpperCase().split("").join(" ");
  const angka = terbilang(Number.parseInt(m[2], 10));
  return huruf ? `${huruf} ${angka}` : angka;
}

/** The full announcement: "Nomor antrean A dua belas, silakan menuju Poli Umum". */
export function kalimatPanggilan(kode, namaUnit) {
  return `Nomor antrean ${ejaKode(kode)}, silakan menuju ${namaUnit}`;
}
