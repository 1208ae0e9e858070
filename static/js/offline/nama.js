// Same person? The browser's port of pendaftaran/nama.py (name rules) and dedupe.mirip (name +
// birth date + sex + address + mother's NIK), so the offline check offers exactly the patients
// the server would. Keep the two in step: tests/js/nama.test.js and tests/pendaftaran/
// test_nama.py run the same vectors (tests/data/nama_vektor.json). Dates are "YYYY-MM-DD".

const kata = (s) => s.split(/\s+/).filter(Boolean);

const GELAR_DEPAN = new Set(kata("H HJ HAJI HAJAH HAJJAH DR DRS DRA IR PROF KH NY NYONYA TN TUAN SDR SDRI NN NONA BY BAYI AN"));
const GELAR_BELAKANG = new Set(kata("SPD SKM SE SH ST SKOM SKEP AMD AMKEB AMKEP MM MPD SAG SSOS"));
const BAYI = new Set(["BY", "BAYI"]);
const PENGHUBUNG = new Set(["BIN", "BINTI", "BINTY", "BT", "BN"]);
const ALIAS = {};
for (const [daftar, jadi] of [
  ["M MUH MUHD MOH MOHD MHD MUHAMAD MOHAMAD MUHAMED MOHAMED MUHAMET MOHAMET MAMAD", "MUHAMAD"],
  ["NURUL NOR NOER NURU", "NUR"], ["ABD ABDU", "ABDUL"], ["AHMED AMAD", "AHMAD"], ["SITTI", "SITI"],
  ["LIEM LIM", "LIM"], ["LIE LI LE", "LI"], ["UI UY OUW UW WI WIE", "UI"], ["GOUW GO GOH", "GO"],
  ["KWE KWIK", "KWE"], ["COA CUA", "CUA"], ["TE TEE", "TE"],
  ["WAYAN GEDE PUTU ILUH", "#1"], ["MADE KADEK NENGAH", "#2"], ["NYOMAN KOMANG", "#3"], ["KETUT", "#4"],
]) for (const k of kata(daftar)) ALIAS[k] = jadi;
const RINGAN = new Set(kata("I NI LUH IDA BAGUS GUSTI GST AGUNG ANAK AA NGURAH DEWA DESAK RADEN R RA RR ROROH"));
const UMUM = new Set(kata("MUHAMAD NUR SITI ABDUL AHMAD SRI DEWI PUTRI PUTRA AYU"));
const EJAAN = [["OE", "U"], ["DJ", "J"], ["TJ", "C"], ["SJ", "SY"], ["NJ", "NY"], ["CH", "H"], ["KH", "H"],
  ["TH", "T"], ["DH", "D"], ["PH", "F"], ["J", "Y"]];

const keAscii = (s) => String(s || "").normalize("NFKD").replace(/[^\x00-\x7f]/g, "");

export function ejaan(k) {
  for (const [lama, baru] of EJAAN) k = k.split(lama).join(baru);
  k = k.replace(/([A-Z])\1+/g, "$1");
  if (k.length > 2 && k.endsWith("Y")) k = k.slice(0, -1) + "I";
  return k;
}

export function urai(nama) {
  let s = keAscii(nama).toUpperCase().split(",")[0].replace(/['`]/g, "");
  let ks = s.split(/[^A-Z]+/).filter(Boolean);
  const bayi = ks.length > 0 && BAYI.has(ks[0]);
  while (ks.length > 1 && GELAR_DEPAN.has(ks[0])) ks = ks.slice(1);
  while (ks.length > 1 && GELAR_BELAKANG.has(ks[ks.length - 1])) ks = ks.slice(0, -1);
  let inti = [], ringan = [], urutan = "";
  for (const k of ks) {
    if (PENGHUBUNG.has(k)) continue;
    if (RINGAN.has(k)) { ringan.push(k); continue; }
    let e = ejaan(k);
    e = ALIAS[e] ?? ALIAS[k] ?? e;
    if (e.startsWith("#")) { urutan = urutan || e; continue; }
    inti.push(e);
  }
  if (!inti.length && ringan.length) { inti = ringan; ringan = []; }
  return { inti, ringan, urutan, bayi, kunci: inti.join("") };
}

/** Edit distance; two adjacent letters swapped count as one slip. */
export function jarak(a, b) {
  if (a === b) return 0;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const biaya = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + biaya);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

export function kataMirip(a, b) {
  if (a === b) return true;
  const n = Math.min(a.length, b.length);
  if (n < 5 || Math.abs(a.length - b.length) > 2) return false;
  return jarak(a, b) <= (n >= 9 ? 2 : 1);
}

function gabung(a, b) {
  const hasil = [...a];
  let i = 0;
  while (i < hasil.length - 1) {
    const dua = hasil[i] + hasil[i + 1];
    if (b.some((k) => kataMirip(dua, k)) && !b.some((k) => kataMirip(hasil[i], k) || kataMirip(hasil[i + 1], k))) hasil.splice(i, 2, dua);
    else i++;
  }
  return hasil;
}

function cari(k, daftar, tahap) {
  for (let j = 0; j < daftar.length; j++) {
    const l = daftar[j];
    if (tahap === "persis" && k === l) return j;
    if (tahap === "mirip" && kataMirip(k, l)) return j;
    if (tahap === "inisial" && ((k.length === 1 && l.startsWith(k)) || (l.length === 1 && k.startsWith(l)))) return j;
  }
  return -1;
}

const TIDAK = Object.freeze({ sama: false, penuh: false, skor: 0 });

/** { sama, penuh, skor } like nama.banding. */
export function banding(a, b) {
  const na = typeof a === "string" ? urai(a) : a, nb = typeof b === "string" ? urai(b) : b;
  if (na.urutan && nb.urutan && na.urutan !== nb.urutan) return TIDAK;
  let ta = [...na.inti], tb = [...nb.inti];
  if (!ta.length || !tb.length) return TIDAK;
  [ta, tb] = [gabung(ta, tb), gabung(tb, ta)];
  if (ta.length > tb.length) [ta, tb] = [tb, ta];
  const panjang = tb.length, sisa = [...tb];
  let bobot = 0, bukti = false, inisial = false;
  for (const tahap of ["persis", "mirip", "inisial"]) {
    for (const k of [...ta]) {
      if (!ta.includes(k)) continue;
      const j = cari(k, sisa, tahap);
      if (j < 0) continue;
      const [lawan] = sisa.splice(j, 1);
      ta.splice(ta.indexOf(k), 1);
      if (tahap === "inisial") { inisial = true; bobot += 0.5; }
      else {
        bobot += tahap === "persis" ? 1 : 0.9;
        if (!UMUM.has(k) && !UMUM.has(lawan) && k.length >= 3) bukti = true;
      }
    }
  }
  // A common word or two found proves nothing — unless that is all the name.
  if (ta.length || (!bukti && (sisa.length || inisial))) return TIDAK;
  // One word found in a three-word name proves too little.
  if ((na.inti.length === 1 && nb.inti.length > 2) || (nb.inti.length === 1 && na.inti.length > 2)) return TIDAK;
  return { sama: true, penuh: !sisa.length && !inisial, skor: Math.round(1000 * bobot / panjang) / 10 };
}

// --- The same-person rule (dedupe.mirip) ---------------------------------------------------

const ddmmyyyy = (iso) => iso.slice(8, 10) + iso.slice(5, 7) + iso.slice(0, 4);
const validIso = (y, m, d) => {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
};

export function tanggalTertukar(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  if (d === m || d > 12) return null;
  return `${String(y).padStart(4, "0")}-${String(d).padStart(2, "0")}-${String(m).padStart(2, "0")}`;
}

export function tanggalMirip(a, b) {
  if (a === b) return true;
  const [ya, ma, da] = a.split("-").map(Number), [yb, mb, db] = b.split("-").map(Number);
  if (ya === yb && ma === db && da === mb) return true;
  const sa = ddmmyyyy(a), sb = ddmmyyyy(b);
  let beda = 0;
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) beda++;
  return beda === 1 && validIso(yb, mb, db);
}

export function hubunganTanggal(a, b) {
  if (a === b) return "sama";
  if (tanggalTertukar(a) === b) return "tertukar";
  if (tanggalMirip(a, b)) return "selisih";
  return "";
}

const normal = (s) => keAscii(s).toUpperCase().replace(/[^A-Z' ]+/g, " ").split(/\s+/).filter(Boolean);
const KATA_ALAMAT = new Set(kata("JL JLN JALAN RT RW NO DUSUN DSN DS DESA KEL KEC GG GANG BLOK PERUM"));

export function alamatMirip(a, b) {
  const kumpul = (s) => {
    const k = new Set(normal(s));
    for (const n of String(s || "").match(/\d+/g) || []) k.add(String(Number(n)));
    for (const x of KATA_ALAMAT) k.delete(x);
    return k;
  };
  const ka = kumpul(a), kb = kumpul(b);
  if (!ka.size || !kb.size) return false;
  let sama = 0;
  for (const x of ka) if (kb.has(x)) sama++;
  return sama / Math.min(ka.size, kb.size) >= 0.75;
}

/** { skor, alasan } when `lama` is probably the person being registered as `baru`, else null.
 *  Each is { nama, tanggal_lahir, jenis_kelamin, alamat, nik_ibu }. */
export function mirip(baru, lama) {
  if (baru.jenis_kelamin && lama.jenis_kelamin && baru.jenis_kelamin !== lama.jenis_kelamin) return null;
  if (baru.nik_ibu && lama.nik_ibu && baru.nik_ibu !== lama.nik_ibu) return null;
  if (!baru.tanggal_lahir || !lama.tanggal_lahir) return null;
  const tgl = hubunganTanggal(baru.tanggal_lahir, lama.tanggal_lahir);
  if (!tgl) return null;
  const na = urai(baru.nama), nl = urai(lama.nama);
  const b = banding(na, nl);
  const ibuSama = Boolean(baru.nik_ibu) && baru.nik_ibu === lama.nik_ibu;
  if (tgl === "sama") {
    if (b.sama) return { skor: b.skor, alasan: "nama" };
    if (ibuSama && (na.bayi || nl.bayi)) return { skor: 80, alasan: "nik_ibu" };
    return null;
  }
  if (!b.sama) return null;
  const dukung = ibuSama || alamatMirip(baru.alamat, lama.alamat);
  if (tgl === "tertukar" && (b.penuh || dukung)) return { skor: b.skor - 5, alasan: "tanggal_tertukar" };
  if (tgl === "selisih" && na.kunci === nl.kunci && dukung) return { skor: b.skor - 10, alasan: "tanggal_selisih" };
  return null;
}

/** Local patients who are probably `baru`, closest first. */
export function kandidatDi(daftar, baru, batas = 5) {
  return daftar.map((p) => ({ pasien: p, cocok: mirip(baru, p) })).filter((x) => x.cocok)
    .sort((x, y) => y.cocok.skor - x.cocok.skor).slice(0, batas);
}
