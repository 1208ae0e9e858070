// Dates typed in the KTP order, whatever the browser's language: "17081985" → "17-08-1985".
// <input type=date> follows the browser's locale (mm/dd/yyyy in an English Chromium), so date
// fields are text inputs marked [data-tanggal]; this module inserts the dashes while typing and
// shows the age next to the field. The server parses dd-mm-yyyy (config/formats/id).
// Pure functions are exported for `node --test` (tests/js/tanggal.test.js).

/** Digits typed so far → "dd", "dd-mm", "dd-mm-yyyy" (other characters ignored). */
export function rapikan(teks) {
  const angka = String(teks || "").replace(/\D/g, "").slice(0, 8);
  if (angka.length <= 2) return angka;
  if (angka.length <= 4) return `${angka.slice(0, 2)}-${angka.slice(2)}`;
  return `${angka.slice(0, 2)}-${angka.slice(2, 4)}-${angka.slice(4)}`;
}

/** Digits typed so far → "dd-mm-yyyy HH.MM" (a moment: downtime back entry, response time). */
export function rapikanWaktu(teks) {
  const angka = String(teks || "").replace(/\D/g, "").slice(0, 12);
  const tgl = rapikan(angka.slice(0, 8));
  if (angka.length <= 8) return tgl;
  const jam = angka.slice(8);
  return `${tgl} ${jam.length <= 2 ? jam : `${jam.slice(0, 2)}.${jam.slice(2)}`}`;
}

/** "17-08-1985", "17081985", "17/8/1985" or ISO "1985-08-17" → {hari, bulan, tahun} or null. */
export function urai(teks) {
  const s = String(teks || "").trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  let hari, bulan, tahun;
  if (m) [tahun, bulan, hari] = [+m[1], +m[2], +m[3]];
  else {
    m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(s) || /^(\d{2})(\d{2})(\d{4})$/.exec(s);
    if (!m) return null;
    [hari, bulan, tahun] = [+m[1], +m[2], +m[3]];
  }
  const d = new Date(Date.UTC(tahun, bulan - 1, hari));
  if (d.getUTCFullYear() !== tahun || d.getUTCMonth() !== bulan - 1 || d.getUTCDate() !== hari) return null;
  return { hari, bulan, tahun };
}

/** Age as the loket says it: "40 tahun", "7 bulan", "12 hari"; null for a date in the future. */
export function umur(t, hariIni) {
  const [y, m, d] = [hariIni.getFullYear(), hariIni.getMonth() + 1, hariIni.getDate()];
  if (t.tahun > y || (t.tahun === y && (t.bulan > m || (t.bulan === m && t.hari > d)))) return null;
  let tahun = y - t.tahun;
  if (m < t.bulan || (m === t.bulan && d < t.hari)) tahun -= 1;
  if (tahun >= 1) return `${tahun} tahun`;
  let bulan = (y - t.tahun) * 12 + (m - t.bulan);
  if (d < t.hari) bulan -= 1;
  if (bulan >= 1) return `${bulan} bulan`;
  const hari = Math.round((Date.UTC(y, m - 1, d) - Date.UTC(t.tahun, t.bulan - 1, t.hari)) / 864e5);
  return `${hari} hari`;
}

/** What the hint next to the field says for the text typed; `lahir`: a birth date (age). */
export function keterangan(teks, hariIni, lahir = true) {
  const s = String(teks || "").trim();
  if (!s) return "";
  const t = urai(s);
  if (!t) return s.replace(/\D/g, "").length < 8 ? "ketik HHBBTTTT, mis. 17081985" : "tanggal tidak ada";
  if (t.tahun < 1900) return "tahun terlalu lama";
  if (!lahir) return "";
  const u = umur(t, hariIni);
  return u === null ? "tanggal di masa depan" : `umur ${u}`;
}

function petunjuk(input) {
  let el = input.parentElement && input.parentElement.querySelector("[data-umur]");
  if (!el) {
    el = document.createElement("span");
    el.className = "help umur-ketik";
    el.dataset.umur = "";
    el.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", el);
  }
  return el;
}

function segarkan(input) {
  petunjuk(input).textContent = keterangan(input.value, new Date(), input.dataset.tanggal === "lahir");
}

export function pasang(root = document) {
  if (root.__tanggalTerpasang) return;
  root.__tanggalTerpasang = true;
  root.addEventListener("input", (e) => {
    const el = e.target;
    if (el.matches && el.matches("input[data-waktu]")) {
      const maju = (!e.inputType || e.inputType.startsWith("insert")) && el.selectionStart === el.value.length;
      if (maju && !/^\d{4}-/.test(el.value)) el.value = rapikanWaktu(el.value);
      return;
    }
    if (!el.matches || !el.matches("input[data-tanggal]")) return;
    // Reformat only while typing forward at the end: editing in the middle keeps the caret.
    if (e.inputType && !e.inputType.startsWith("insert")) return segarkan(el);
    if (el.selectionStart !== el.value.length) return segarkan(el);
    if (/^\d{4}-/.test(el.value)) return segarkan(el); // ISO pasted: leave it, the server reads it
    el.value = rapikan(el.value);
    segarkan(el);
  });
  const semua = () => root.querySelectorAll("input[data-tanggal]").forEach((el) => el.value && segarkan(el));
  document.addEventListener("htmx:afterSettle", semua);
  document.addEventListener("loket:luring-dirender", semua);
  semua();
}

if (typeof document !== "undefined") pasang(document);
