/* Offline mode of the loket page: wiring only (the rules live in the sibling modules).
 *
 * While the server answers, the page is the normal htmx page and this module only watches:
 * it remembers the patients the officer opens/registers (local copy), keeps the loket's
 * reserved offline numbers fresh, and beats /api/v1/status. When a request fails, a heartbeat
 * is missed or the browser says `offline`, it switches within the same tick: the red banner,
 * and every htmx request of the loket is answered locally with the same markup (same ids and
 * data-* that static/js/app.js drives with the keyboard), registrations go to the IndexedDB
 * outbox. Back online, the outbox is replayed with a progress bar.
 *
 * Page contract: #data-luring[data-json] (loket, petugas, puskesmas, unit), #banner-luring,
 * #luring-antre, [data-pasien-luring] on patient panels, #form-keluar (logout).
 */
import { bukaDb, storeIdb, buatOutbox } from "./outbox.js";
import * as idbAsli from "./idb_asli.js";
import { bukaDenganUlang } from "./idb_asli.js";
import { buatJam, tanggalDi } from "./jam.js";
import { urai as uraiKtp } from "../tanggal.js";
import { kirimSemua, pesanHasil, ReplayBerhenti } from "./replay.js";
import { validasiPasien, validasiKunjungan, rapikan, uraiTanggal, bersihkan } from "./nik.js";
import { saranUntuk, unitUntukSaran, umurTahun, LAYANAN_DIMINTA, LAYANAN_LABEL } from "./routing.js";
import { buatDetektor } from "./detector.js";
import { buatPasienLokal, kunciPasien } from "./pasien_lokal.js";
import { blokTerbaru, nomorBerikut, sisaNomor, kunciTerbit, terbitUntuk, perluBlokBaru } from "./blok.js";
import { bukaSalinanDb, storeSalinanIdb, buatSalinan, cariGabung, miripGabung, ambilJson } from "./salinan.js";

const elData = document.getElementById("data-luring");
const D = elData ? JSON.parse(elData.dataset.json || "null") : null;
const TEKS_LURING = "LURING — pendaftaran tetap berjalan, data disimpan di komputer ini dan dikirim otomatis saat tersambung";
const UNIT_PER_ID = new Map(((D && D.unit) || []).map((u) => [String(u.id), u]));
const UNIT_PER_KODE = new Map(((D && D.unit) || []).map((u) => [u.kode, u]));

let modus = "online";
let db = null, outbox = null, lokal = null, blokStore = null, meta = null, hasilStore = null, terbitStore = null, salinan = null;
let blokDiambilPada = 0; // ms (corrected clock) of the last successful /offline/blok
let pemberitahuanTerakhir = -1;
const ZONA_MENIT = (D && Number.isFinite(D.zona_menit)) ? D.zona_menit : -new Date().getTimezoneOffset();
// The server's clock as learnt from each healthy heartbeat (static/js/offline/jam.js).
const jam = buatJam({
  simpan: (o) => localStorage.setItem("loket-jam", JSON.stringify(o)),
  muat: () => { try { return JSON.parse(localStorage.getItem("loket-jam") || "null"); } catch (e) { return null; } },
});
let siap = null; // promise: the database is open
let mengirim = false;
let statusTerakhir = null;
let keluarDikonfirmasi = false;
// Set once the officer's own logout is under way: a request answered 401 meanwhile (the server
// has already ended the session) must not send the page elsewhere before the logout lands.
let sedangKeluar = false;
let timerKirim = null;
let ukuranBatch = 50; // the contract says 50–100 per batch; tests lower it to watch the progress

const $ = (s, r) => (r || document).querySelector(s);
const $$ = (s, r) => Array.from((r || document).querySelectorAll(s));
function h(s) {
  return String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
const dua = (n) => String(n).padStart(2, "0");
// "Today" is the Puskesmas' today by the server's clock, not the PC's (which may be a day off).
function hariIniIso() { return tanggalDi(jam.sekarang(), ZONA_MENIT); }
function hariIni() { const [t, b, h] = hariIniIso().split("-").map(Number); return { tahun: t, bulan: b, hari: h }; }
function waktuKoreksiIso() { return new Date(jam.sekarang()).toISOString(); }
function tglId(iso) { const t = uraiTanggal(iso); return t ? `${dua(t.hari)}-${dua(t.bulan)}-${t.tahun}` : ""; }
function umurTeks(iso) {
  const t = uraiTanggal(iso); if (!t) return "";
  const u = umurTahun(t, hariIni());
  return u >= 1 ? `${u} th` : "< 1 th";
}
function jamDari(iso) { const d = new Date(Date.parse(iso) + ZONA_MENIT * 60000); return `${dua(d.getUTCHours())}.${dua(d.getUTCMinutes())}`; }
function tglDari(iso) { return tanggalDi(Date.parse(iso), ZONA_MENIT); }
function kelompok(s) { return String(s || "").replace(/(\d{4})(?=\d)/g, "$1 "); }
function csrf() {
  const m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
  if (m) return decodeURIComponent(m[1]);
  try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
}
function umumkan(target, post) {
  target.dispatchEvent(new CustomEvent("loket:luring-dirender", { bubbles: true,
    detail: { target, requestConfig: { verb: post ? "post" : "get" } } }));
}

// --- the banner and the list of what waits ------------------------------------------------------
async function gambarStatus(kemajuan) {
  const el = $("#banner-luring");
  if (!el || !outbox) return;
  const n = await outbox.jumlah();
  const perhatian = hasilStore ? (await hasilStore.semua()).length : 0;
  let html = "";
  if (modus === "offline") {
    html = `<div class="banner banner--luring" role="alert" data-luring-status="luring"><span class="banner-luring__judul">${h(TEKS_LURING)}</span>` +
      (sebabLuring ? `<span class="banner-luring__sebab">${h(sebabLuring)}</span>` : "") +
      `<span class="banner-luring__jumlah" data-jumlah-outbox="${n}">${n} pendaftaran menunggu dikirim</span>` +
      `<button type="button" class="btn btn--kecil" data-luring-kirim>Coba sambung</button></div>`;
  } else if (n > 0 || kemajuan) {
    const k = kemajuan || { n: 0, N: n };
    html = `<div class="banner banner--kirim" role="status"><span>Tersambung lagi — mengirim data luring: ` +
      `<b data-kemajuan>${k.n} dari ${k.N}</b></span><progress max="${k.N || 1}" value="${k.n}" aria-label="Kemajuan pengiriman"></progress>` +
      `<span class="muted" data-pesan-kirim></span><button type="button" class="btn btn--kecil" data-luring-kirim>Kirim sekarang</button></div>`;
  }
  // Notes that must survive a redraw (the banner is redrawn on every state change).
  if (peringatanKeluar) html += peringatanKeluar;
  el.innerHTML = html;
  el.hidden = !html;
  await gambarAntre(n, perhatian);
}

async function gambarAntre() {
  const el = $("#luring-antre");
  if (!el || !outbox) return;
  const entri = await outbox.daftar();
  const perhatian = (await hasilStore.semua()).sort((a, b) => String(a.dibuat_klien).localeCompare(String(b.dibuat_klien)));
  if (!entri.length && !perhatian.length) { el.hidden = true; el.innerHTML = ""; return; }
  let html = "";
  if (entri.length) {
    html += `<h2>Tersimpan di komputer ini, menunggu dikirim <span class="muted">· ${entri.length}</span></h2>` +
      `<div class="tabel-gulir"><table class="tabel-hari-ini"><thead><tr><th>Jam</th><th>No.</th><th>Pasien</th><th>Unit</th><th>Status</th></tr></thead><tbody>` +
      entri.map((e) => `<tr data-outbox="${h(e.client_uuid)}"><td class="mono">${jamDari(e.dibuat_klien)}</td><td class="mono">${h(e.ringkas.kode_tiket || "menyusul")}</td>` +
        `<td>${h(e.ringkas.nama)}${e.ringkas.baru ? ' <span class="badge badge--warn">baru</span>' : ""}</td><td>${h(e.ringkas.unit_nama)}</td>` +
        `<td>${e.status === "ditahan" ? `<span class="badge badge--err">ditahan</span> ${h(e.pesan)}` : e.status === "gagal_sementara" ? '<span class="badge badge--warn">diulang</span>' : '<span class="badge">menunggu</span>'}</td></tr>`).join("") +
      "</tbody></table></div>";
  }
  if (perhatian.length) {
    const label = { nomor_baru: "nomor berubah", dibuat: "nomor diberikan", dilampirkan: "dilampirkan", duplikat: "sudah terdaftar",
      ditinjau: "ditinjau admin", ditolak: "ditolak" };
    html += `<h2 class="luring-perhatian__judul">Sampaikan ke pasien <span class="muted">· ${perhatian.length}</span></h2>` +
      '<p class="help">Nomor antrean pasien ini berubah atau baru diberikan server. Panggil pasien, cetak ulang tiketnya, lalu tandai sudah disampaikan.</p>' +
      `<ul class="luring-perhatian" id="daftar-nomor-berubah">` +
      perhatian.map((p) => `<li class="luring-perhatian__item luring-perhatian__item--${h(p.status)}" data-hasil="${h(p.client_uuid)}" data-uuid="${h(p.client_uuid)}">` +
        `<span class="mono">${h(p.kode_tiket || "menyusul")}</span> → <b class="mono" data-nomor-akhir="${h(p.nomor_akhir || "")}">${h(p.nomor_akhir || "—")}</b> ` +
        `${h(p.nama)}${p.unit ? ` · ${h(p.unit)}` : ""} <span class="badge badge--${p.status === "ditolak" ? "err" : "warn"}">${h(label[p.status] || p.status)}</span> ${h(p.pesan)}` +
        (p.kunjungan_id && modus === "online" ? ` <a class="btn btn--kecil" href="/loket/kunjungan/${Number(p.kunjungan_id)}/cetak/" target="_blank" rel="noopener" data-cetak-ulang>Cetak ulang</a>` : "") +
        ` <button type="button" class="btn btn--ghost btn--kecil" data-luring-baca="${h(p.client_uuid)}">Sudah disampaikan</button></li>`).join("") + "</ul>";
  }
  el.innerHTML = html;
  el.hidden = false;
}

// --- switching -------------------------------------------------------------------------------------
function teksSebab(sebab) {
  const s = String(sebab || "");
  if (s === "event") return "Jaringan komputer ini terputus.";
  if (s.startsWith("server:")) return `Server bermasalah (kode ${s.slice(7)}).`;
  if (s === "server") return "Server memberi jawaban yang tidak bisa dibaca.";
  if (s === "heartbeat") return "Server tidak menjawab.";
  if (s === "permintaan") return "Permintaan terakhir ke server gagal.";
  return "";
}
let sebabLuring = "";
let peringatanKeluar = "";

async function keLuring(sebab) {
  if (modus === "offline") return;
  modus = "offline";
  sebabLuring = teksSebab(sebab);
  document.documentElement.classList.add("luring");
  await siap;
  const m = await meta.ambil("episode");
  if (!m || !m.offline_sejak) {
    await meta.simpan("episode", { kunci: "episode", offline_sejak: waktuKoreksiIso(),
      jenis: navigator.onLine === false || sebab === "event" ? "jaringan_loket" : "server" });
  }
  await gambarStatus();
}

async function keDaring() {
  if (modus === "online") return;
  modus = "online";
  document.documentElement.classList.remove("luring");
  await siap;
  const m = await meta.ambil("episode");
  if (m && m.offline_sejak && !m.online_kembali) await meta.simpan("episode", { ...m, online_kembali: waktuKoreksiIso() });
  await gambarStatus();
  kirim();
}

// --- replay ----------------------------------------------------------------------------------------
async function kirim() {
  await siap;
  if (mengirim || modus === "offline") return;
  const n = await outbox.jumlah();
  if (!n) { await selesaiEpisode(); return; }
  mengirim = true;
  const jalan = async () => {
    const m = (await meta.ambil("episode")) || {};
    try {
      await kirimSemua({ outbox, fetch: window.fetch.bind(window), csrf, ukuranBatch, sekarangIso: () => m.online_kembali || waktuKoreksiIso(),
        meta: { loket: D.loket.kode, jenis: m.jenis, offline_sejak: m.offline_sejak },
        onProgress: (a, b) => gambarStatus({ n: a, N: b }),
        simpanHasil: async (e, hsl) => {
          if (hsl.perlu_diberitahu || pesanHasil(hsl, e.ringkas.kode_tiket)) await ingatHasil(e, hsl);
        } });
      await selesaiEpisode();
      if (window.htmx && $("#hari-ini")) window.htmx.trigger(document.body, "kunjungan-berubah");
    } catch (e) {
      if (!(e instanceof ReplayBerhenti)) throw e;
      if (e.alasan === "jaringan") detektor.laporGagal("permintaan");
      await gambarStatus();
      const p = $("[data-pesan-kirim]");
      if (p) p.textContent = e.message;
    }
  };
  try {
    if (navigator.locks) await navigator.locks.request("loket-replay", jalan); // two tabs: one sender
    else await jalan();
  } finally {
    mengirim = false;
    // Finished or cut off half-way: the server may now count numbers it had not heard of.
    if (modus === "online") { ambilBlok(); sinkronPemberitahuan(true); }
    await gambarStatus();
  }
}

// --- every patient told: changed or assigned numbers, duplicates, reviews, decisions -------------
function kodeAkhir(hsl) { return (hsl.tiket && hsl.tiket.kode) || ""; }

async function ingatHasil(e, hsl) {
  const cetak = e.ringkas.kode_tiket || "";
  await hasilStore.simpan(e.client_uuid, {
    client_uuid: e.client_uuid, status: hsl.nomor_baru && hsl.status === "dibuat" ? "nomor_baru" : hsl.status,
    pesan: pesanHasil(hsl, cetak) || (kodeAkhir(hsl) && !cetak ? `Nomor antrean pasien: ${kodeAkhir(hsl)}.` : hsl.pesan || ""),
    nama: e.ringkas.nama, unit: e.ringkas.unit_nama, kode_tiket: cetak, nomor_akhir: kodeAkhir(hsl),
    kunjungan_id: hsl.kunjungan_id || null, dibuat_klien: e.dibuat_klien });
}

// The server's list is the truth (it includes an admin's later decisions); merged into the local
// one so the list survives the next outage.
async function sinkronPemberitahuan(paksa = false) {
  try {
    const r = await fetch(`/api/v1/offline/pemberitahuan?loket=${encodeURIComponent(D.loket.kode)}`,
      { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    if (!r.ok) return;
    const data = await r.json();
    for (const p of data.entri || []) {
      const ada = (await hasilStore.ambil(p.client_uuid)) || {};
      const akhir = (p.tiket && p.tiket.kode) || "";
      await hasilStore.simpan(p.client_uuid, { ...ada, client_uuid: p.client_uuid,
        status: p.status === "dibuat" && akhir && p.nomor_cetak && p.nomor_cetak !== akhir ? "nomor_baru" : p.status,
        pesan: pesanHasil({ status: p.status, alasan: p.alasan, pesan: p.pesan, tiket: p.tiket,
          nomor_baru: Boolean(p.nomor_cetak && akhir && p.nomor_cetak !== akhir), duplikat_dari: { tiket: p.duplikat_dari } }, p.nomor_cetak || "")
          || (akhir ? `Nomor antrean pasien: ${akhir}.${p.pesan ? ` ${p.pesan}` : ""}` : p.pesan || ada.pesan || ""),
        nama: p.nama || ada.nama, unit: p.unit || ada.unit,
        kode_tiket: p.nomor_cetak || ada.kode_tiket || "", nomor_akhir: akhir, kunjungan_id: p.kunjungan_id || ada.kunjungan_id || null,
        dibuat_klien: p.dibuat_klien || ada.dibuat_klien, diputuskan: p.diputuskan });
    }
    if (paksa || (data.entri || []).length) await gambarStatus();
  } catch (e) { /* offline again: the local list stays */ }
}

async function sudahDisampaikan(uuid) {
  await hasilStore.hapus(uuid);
  await gambarStatus();
  try {
    await fetch("/api/v1/offline/pemberitahuan/dibaca", { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ loket: D.loket.kode, client_uuid: [uuid] }) });
  } catch (e) { /* the server lists it again next time; marking it twice is harmless */ }
}

async function selesaiEpisode() {
  if (await outbox.jumlah()) return;
  const m = await meta.ambil("episode");
  if (m && modus === "online") await meta.hapus("episode");
}

function jadwalKirim() {
  clearInterval(timerKirim);
  // While something waits, try every 20 s even without any other signal.
  timerKirim = setInterval(async () => {
    if (modus === "online" && outbox && (await outbox.jumlah())) kirim();
  }, 20000);
}

// --- offline numbers and the local patient copy -------------------------------------------------------
// Reserved numbers: fetched on load, after every replay (finished or interrupted), and on a
// healthy heartbeat once a minute or as soon as a unit's block is a quarter left or of another
// day — so the loket never runs dry right when the LAN drops. A failed fetch is retried.
let blokSedang = null;
async function ambilBlok({ ulang = 3 } = {}) {
  await siap;
  if (blokSedang) return blokSedang;
  blokSedang = (async () => {
    for (let i = 0; i <= ulang; i++) {
      if (modus === "offline") return false;
      try {
        const r = await fetch("/api/v1/offline/blok", { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify({ loket: D.loket.kode, jumlah: 50 }) });
        if (r.ok) {
          const data = await r.json();
          for (const b of blokTerbaru(data)) await blokStore.simpan(b.unit, b);
          // The server counts only what it has heard of; numbers issued here and not yet
          // replayed count too: a unit this loket sees as nearly spent gets a fresh block.
          const hari = hariIniIso();
          const habis = [];
          for (const u of (D.unit || [])) {
            if (perluBlokBaru(await blokStore.ambil(u.kode), await dipakaiUntuk(u.kode), hari)) habis.push(u.kode);
          }
          if (habis.length) {
            const r2 = await fetch("/api/v1/offline/blok", { method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
              body: JSON.stringify({ loket: D.loket.kode, jumlah: 50, unit: habis, baru: true }) });
            if (r2.ok) for (const b of blokTerbaru(await r2.json())) await blokStore.simpan(b.unit, b);
          }
          blokDiambilPada = jam.sekarang();
          return true;
        }
        if (r.status < 500) return false; // refused (role, session): retrying will not help
      } catch (e) { /* network: retry */ }
      await new Promise((ok) => setTimeout(ok, 500 * 2 ** i));
    }
    return false;
  })();
  try { return await blokSedang; } finally { blokSedang = null; }
}

async function blokPerluDiperbarui() {
  if (jam.sekarang() - blokDiambilPada > 60000) return true;
  const hari = hariIniIso();
  for (const u of (D.unit || [])) {
    if (perluBlokBaru(await blokStore.ambil(u.kode), await dipakaiUntuk(u.kode), hari)) return true;
  }
  return false;
}

async function preload() {
  await siap;
  const m = await meta.ambil("preload");
  if (m && Date.now() - m.pada < 30 * 60 * 1000) return;
  try {
    const r = await fetch("/luring/pasien.json", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!r.ok || r.redirected) return;
    const data = await r.json();
    await lokal.simpanBanyak(data.pasien || []);
    await meta.simpan("preload", { kunci: "preload", pada: Date.now() });
  } catch (e) { /* next time */ }
}

function ingatPasienDi(root) {
  if (!lokal) return;
  for (const el of $$("[data-pasien-luring]", root)) {
    const v = el.getAttribute("data-pasien-luring");
    if (v) { try { lokal.simpan(JSON.parse(v)); } catch (e) { /* not JSON */ } }
  }
}

// Numbers of a unit that may not be given today: those still in the outbox and every number
// this loket ever showed a patient today (the "terbit" store outlives the outbox entry).
async function dipakaiUntuk(kodeUnit) {
  const hari = hariIniIso();
  const dariOutbox = (await outbox.daftar()).filter((e) => e.payload.kunjungan.unit === kodeUnit && e.payload.nomor_antrean != null)
    .map((e) => e.payload.nomor_antrean);
  return [...dariOutbox, ...terbitUntuk(await terbitStore.semua(), hari, kodeUnit)];
}

async function nomorUntuk(unit) {
  const b = await blokStore.ambil(unit.kode);
  const dipakai = await dipakaiUntuk(unit.kode);
  return { nomor: nomorBerikut(b, dipakai, hariIniIso()), sisa: sisaNomor(b, dipakai, hariIniIso()) };
}

/** Issued-number records of earlier days are of no further use. */
async function buangTerbitLama() {
  const hari = hariIniIso();
  for (const c of await terbitStore.semua()) if (!c.kunci.startsWith(`${hari}|`)) await terbitStore.hapus(c.kunci);
}

// --- local panels (same markup as templates/pendaftaran/loket.html) ----------------------------------
const panel = () => $("#panel");

function tampilPanel(html, post) {
  const p = panel();
  p.innerHTML = html;
  umumkan(p, post);
}

function panelKosong() {
  tampilPanel(`<div class="card panel-kosong"><h2>Siap melayani <span class="badge badge--err">luring</span></h2>` +
    "<p>Cari pasien di kotak kiri — NIK, No. RM, No. kartu BPJS, atau nama — dari salinan lokal di komputer ini.</p>" +
    "<p>Belum ditemukan? Tekan <kbd>F4</kbd> untuk <b>pasien baru</b>; datanya diperiksa sama seperti biasa.</p></div>");
}

async function cariLokal(q) {
  await siap;
  const wadah = $("#hasil");
  q = String(q || "").trim();
  if (!q) { wadah.innerHTML = ""; umumkan(wadah); return; }
  const hasil = await cariGabung(lokal, salinan, q);
  let html;
  const pendek = !/\d/.test(q) && q.length < 2;
  if (pendek) html = '<p class="help">Ketik minimal 2 huruf nama, atau NIK / No. RM / No. BPJS.</p>';
  else if (hasil.length) {
    html = `<p class="help hasil-jumlah">${hasil.length} pasien <span class="badge badge--err">salinan lokal</span> · <kbd>↑</kbd><kbd>↓</kbd> lalu <kbd>Enter</kbd></p>` +
      `<ul class="hasil" id="hasil-list" role="listbox" aria-label="Hasil pencarian" data-q="${h(q)}">` +
      hasil.map((p, i) => `<li role="presentation"><a role="option" id="hasil-l${i}" class="hasil__item" aria-selected="false" href="#" data-luring-pasien="${h(kunciPasien(p))}">` +
        `<span class="hasil__baris"><span class="hasil__nama">${h(p.nama)}</span>${p.no_bpjs ? ' <span class="badge badge--ok">BPJS</span>' : ""}${p.id ? "" : ' <span class="badge badge--warn">baru (luring)</span>'}</span>` +
        `<span class="hasil__meta">RM <b>${h(p.no_rm || "menyusul")}</b> · ${tglId(p.tanggal_lahir)} (${umurTeks(p.tanggal_lahir)}) · ${h(p.jenis_kelamin)}</span>` +
        `<span class="hasil__meta">${p.nik ? `NIK ${h(p.nik.slice(0, 6))}••••••${h(p.nik.slice(12))}` : "NIK —"}${p.alamat ? ` · ${h(p.alamat.slice(0, 40))}` : ""}</span></a></li>`).join("") + "</ul>";
  } else {
    html = `<div class="hasil-kosong" role="status"><p><strong>Tidak ditemukan</strong> di salinan lokal untuk “${h(q)}”.</p>` +
      '<p class="help">Saat luring hanya pasien yang baru-baru ini dilayani yang tersimpan di komputer ini. Pasien lama yang tidak ditemukan: daftarkan sebagai pasien baru — server mencocokkan NIK-nya saat tersambung.</p>' +
      '<a class="btn" href="#" data-luring-baru>Daftarkan pasien baru <kbd>F4</kbd></a></div>';
  }
  wadah.innerHTML = html;
  umumkan(wadah);
}

function isian(nama, label, { tipe = "text", nilai = "", bantuan = "", kelas = "", attrs = "" } = {}) {
  return `<div class="isian${kelas ? " " + kelas : ""}"><label for="id_${nama}">${h(label)}</label>` +
    `<input type="${tipe}" name="${nama}" id="id_${nama}" value="${h(nilai)}" autocomplete="off" ${attrs}>` +
    `${bantuan ? `<p class="help">${h(bantuan)}</p>` : ""}</div>`;
}

function panelPasienBaru(isi = {}) {
  const jk = (v, l) => `<label class="pilihan-baris__opsi"><input type="radio" name="jenis_kelamin" value="${v}"${isi.jenis_kelamin === v ? " checked" : ""}> <span>${l}</span></label>`;
  tampilPanel(`<div class="card panel-form" id="panel-pasien-baru"><div class="panel__kepala"><h2>Pasien baru <span class="badge badge--err">luring</span></h2>` +
    '<a class="btn btn--ghost" href="#" data-kembali data-luring-kosong>Batal <kbd>Esc</kbd></a></div>' +
    '<form method="post" novalidate data-form-utama data-luring-form="pasien"><div class="isian-grid">' +
    isian("nama", "Nama lengkap", { nilai: isi.nama, kelas: "isian--lebar", attrs: 'autofocus autocapitalize="words"' }) +
    isian("nik", "NIK", { nilai: isi.nik, bantuan: "Kosongkan bila tidak ada (bayi, tanpa dokumen).", attrs: 'inputmode="numeric" placeholder="16 digit"' }) +
    isian("no_bpjs", "No. kartu BPJS", { nilai: isi.no_bpjs, attrs: 'inputmode="numeric" placeholder="13 digit"' }) +
    // Typed in the KTP order whatever the browser's language (static/js/tanggal.js).
    isian("tanggal_lahir", "Tanggal lahir", { nilai: tglId(isi.tanggal_lahir || ""),
      attrs: 'inputmode="numeric" placeholder="hh-bb-tttt" data-tanggal="lahir"' }) +
    `<fieldset class="isian isian--pilihan"><legend>Jenis kelamin</legend><div class="pilihan-baris">${jk("L", "Laki-laki")}${jk("P", "Perempuan")}</div></fieldset>` +
    isian("nik_ibu", "NIK ibu (untuk bayi tanpa NIK)", { nilai: isi.nik_ibu, bantuan: "Bayi yang belum punya NIK didaftarkan dengan NIK ibunya.", attrs: 'inputmode="numeric"' }) +
    isian("no_hp", "No. HP", { attrs: 'inputmode="tel"' }) +
    isian("alamat", "Alamat", { kelas: "isian--lebar" }) +
    '</div><button type="submit" class="btn btn--primary btn--big">Simpan pasien baru <kbd>Ctrl+Enter</kbd></button></form></div>');
}

function isianDariCari(q) {
  q = String(q || "").trim();
  const angka = q.replace(/\D/g, "");
  if (angka && angka.length === q.replace(/[\s.-]/g, "").length) {
    return angka.length === 16 ? { nik: angka } : angka.length === 13 ? { no_bpjs: angka } : {};
  }
  return q ? { nama: q.replace(/\S+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()) } : {};
}

/** As isianDariCari, but a NIK the local copy knows (a mother, or her babies' NIK ibu) goes to
 *  the mother's NIK field: F4 after searching by it registers her baby. */
async function isianBaru(q) {
  const isi = isianDariCari(q);
  if (isi.nik && (await lokal.cari(isi.nik)).length) return { nik_ibu: isi.nik };
  return isi;
}

function tampilGalat(form, galat) {
  for (const el of $$(".field-error, .galat-kirim, .alert--galat-luring", form)) el.remove();
  for (const el of $$(".isian--galat", form)) el.classList.remove("isian--galat");
  for (const el of $$("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
  for (const [field, pesan] of Object.entries(galat)) {
    const input = form.querySelector(`[name="${field}"]`);
    const wadah = input ? input.closest(".isian, fieldset, .centang") || input.parentElement : null;
    if (!wadah) {
      const p = document.createElement("div");
      p.className = "alert alert--error alert--galat-luring"; p.setAttribute("role", "alert");
      p.textContent = pesan.join(" ");
      form.prepend(p);
      continue;
    }
    wadah.classList.add("isian--galat");
    if (input.type !== "radio") input.setAttribute("aria-invalid", "true");
    for (const ps of pesan) {
      const p = document.createElement("p");
      p.className = "field-error"; p.setAttribute("role", "alert"); p.textContent = ps;
      (wadah.tagName === "LABEL" ? wadah.parentElement : wadah).insertBefore(p, wadah.tagName === "LABEL" ? wadah.nextSibling : null);
    }
  }
  const pertama = $("[aria-invalid=true]", form) || $(".isian--galat input", form);
  if (pertama) pertama.focus();
}

async function simpanPasienBaru(form) {
  await siap;
  const fd = new FormData(form);
  const isi = {};
  for (const k of ["nama", "nik", "nik_ibu", "no_bpjs", "tanggal_lahir", "jenis_kelamin", "alamat", "no_hp"]) isi[k] = String(fd.get(k) || "");
  const ktp = uraiKtp(isi.tanggal_lahir);
  if (ktp) isi.tanggal_lahir = `${ktp.tahun}-${dua(ktp.bulan)}-${dua(ktp.hari)}`;
  const galat = validasiPasien(isi, { hariIni: hariIni() });
  if (Object.keys(galat).length) { tampilGalat(form, galat); return; }
  const d = rapikan(isi);
  const lahir = uraiTanggal(d.tanggal_lahir);
  // Already in the local copy under this NIK/card: open that patient, never a second one.
  const sama = d.nik || d.no_bpjs ? await cariGabung(lokal, salinan, d.nik || d.no_bpjs) : [];
  const ada = sama.find((p) => (d.nik && p.nik === d.nik) || (d.no_bpjs && p.no_bpjs === d.no_bpjs));
  if (ada) {
    tampilGalat(form, {});
    const p = document.createElement("div");
    p.className = "alert alert--warn alert--galat-luring"; p.setAttribute("role", "alert");
    p.innerHTML = `Pasien ini sudah ada di salinan lokal: <b>${h(ada.nama)}</b> (RM ${h(ada.no_rm || "menyusul")}). ` +
      `<a href="#" class="btn btn--primary btn--kecil" data-luring-pasien="${h(kunciPasien(ada))}">Buka pasien ini</a>`;
    form.prepend(p);
    $("a", p).focus();
    return;
  }
  const pasien = { client_uuid: crypto.randomUUID(), no_rm: "", ...d, tanggal_lahir: lahir ? `${lahir.tahun}-${dua(lahir.bulan)}-${dua(lahir.hari)}` : "", baru: true };
  // Without NIK: the server's look-alike rule (nama.js) over the local copy, asked once.
  if (!d.nik && form.dataset.konfirmasiBaru !== "1" && tampilMirip(form, await miripGabung(lokal, salinan, pasien))) return;
  await lokal.simpan(pasien);
  panelKunjungan(pasien, { pesanOk: `Pasien baru tersimpan di komputer ini: ${pasien.nama}. No. RM diberikan server saat tersambung.` });
}

function tampilMirip(form, kandidat) {
  if (!kandidat.length) return false;
  tampilGalat(form, {});
  form.dataset.konfirmasiBaru = "1";
  const p = document.createElement("div");
  p.className = "alert alert--warn alert--galat-luring"; p.setAttribute("role", "alert"); p.id = "luring-mirip";
  p.innerHTML = "Ada pasien di salinan lokal dengan nama dan tanggal lahir mirip. Periksa dulu:<ul>" +
    kandidat.map(({ pasien: k }) => `<li><b>${h(k.nama)}</b>, lahir ${h(k.tanggal_lahir)} (RM ${h(k.no_rm || "menyusul")}) ` +
      `<a href="#" class="btn btn--kecil" data-luring-pasien="${h(kunciPasien(k))}">Buka pasien ini</a></li>`).join("") +
    "</ul>Bila memang orang lain, tekan <b>Simpan pasien baru</b> sekali lagi.";
  form.prepend(p);
  $("a", p).focus();
  return true;
}

function dataKunjunganDari(form) {
  const fd = new FormData(form);
  const b = (k) => fd.get(k) === "on" || fd.get(k) === "true";
  const layanan = String(fd.get("layanan_diminta") || "");
  return {
    penjamin: String(fd.get("penjamin") || ""), keluhan: String(fd.get("keluhan") || "").trim(),
    hamil: b("hamil"), suspek_menular: b("suspek_menular"), disabilitas: b("disabilitas"), darurat: b("darurat"),
    gagal_daftar_online: b("gagal_daftar_online"), layanan_diminta: LAYANAN_DIMINTA.includes(layanan) ? layanan : "",
    unit: String(fd.get("unit") || ""), client_uuid: String(fd.get("client_uuid") || ""),
  };
}

function htmlPilihanUnit(pasien, data, unitId) {
  const lahir = uraiTanggal(pasien.tanggal_lahir);
  const saran = saranUntuk({ lahir, jenis_kelamin: pasien.jenis_kelamin }, data, hariIni());
  const unitSaran = unitUntukSaran(D.unit, saran);
  const terpilih = UNIT_PER_ID.get(String(unitId)) || unitSaran;
  const grup = [];
  for (const u of D.unit) {
    const g = grup[grup.length - 1];
    if (g && g.nomor === u.klaster.nomor) g.unit.push(u); else grup.push({ nomor: u.klaster.nomor, nama: u.klaster.nama, unit: [u] });
  }
  return `<div id="pilihan-unit" class="pilihan-unit" data-saran="${unitSaran ? unitSaran.id : ""}">` +
    `<input type="hidden" name="unit_saran_lama" value="${unitSaran ? unitSaran.id : ""}">` +
    (unitSaran ? `<p class="saran" id="saran"><span class="saran__label">Saran</span> <strong>${h(unitSaran.nama)} (${h(unitSaran.prefix)})</strong> · Klaster ${unitSaran.klaster.nomor} — ${h(unitSaran.klaster.nama)} <span class="saran__alasan">${h(saran.alasan)}</span></p>`
      : `<p class="alert alert--warn" id="saran">Saran: ${h(saran.alasan)} — Puskesmas ini tidak punya unit untuk itu. Pilih unit sendiri.</p>`) +
    '<fieldset class="unit"><legend>Unit tujuan</legend><div class="unit__grup">' +
    grup.map((g) => `<div class="unit__klaster"><p class="unit__judul">Klaster ${g.nomor} · ${h(g.nama)}</p>` +
      g.unit.map((u) => `<label class="unit__pilihan${unitSaran && u.id === unitSaran.id ? " unit__pilihan--saran" : ""}">` +
        `<input type="radio" name="unit" value="${u.id}" data-label="${h(u.nama)} (${h(u.prefix)})"${terpilih && u.id === terpilih.id ? " checked" : ""}>` +
        `<span>${h(u.nama)} <span class="muted">(${h(u.prefix)})</span></span>${unitSaran && u.id === unitSaran.id ? ' <span class="badge badge--ok">saran</span>' : ""}</label>`).join("") + "</div>").join("") +
    "</div></fieldset>" +
    `<p class="alert alert--warn" data-catatan-ubah${terpilih && unitSaran && terpilih.id !== unitSaran.id ? "" : " hidden"}>Anda memilih unit di luar saran — tercatat sebagai perubahan.</p>` +
    `<button type="submit" class="btn btn--primary btn--big btn--block" data-tombol-simpan>Simpan → <span data-unit-terpilih>${terpilih ? `${h(terpilih.nama)} (${h(terpilih.prefix)})` : "pilih unit dulu"}</span> <kbd>Ctrl+Enter</kbd></button></div>`;
}

function panelKunjungan(pasien, { pesanOk = "" } = {}) {
  const cek = (nama, label) => `<label class="centang"><input type="checkbox" name="${nama}" id="id_${nama}"> <span>${label}</span></label>`;
  const penjamin = pasien.no_bpjs ? "bpjs" : "umum";
  const layanan = `<option value="">— tidak ada, ikuti saran —</option>` + LAYANAN_DIMINTA.map((k) => `<option value="${k}">${h(LAYANAN_LABEL[k])}</option>`).join("");
  tampilPanel(`<div class="card panel-kunjungan" id="panel-kunjungan" data-pasien-luring="${h(JSON.stringify(pasien))}">` +
    (pesanOk ? `<p class="alert alert--ok" role="status">${h(pesanOk)}</p>` : "") +
    `<div class="ringkasan"><div class="ringkasan__kepala"><h2 class="ringkasan__nama">${h(pasien.nama)}</h2>` +
    `<span class="badge">${pasien.jenis_kelamin === "P" ? "Perempuan" : "Laki-laki"}</span><span class="badge">${umurTeks(pasien.tanggal_lahir)}</span>` +
    `${pasien.nik ? "" : '<span class="badge badge--warn">tanpa NIK</span>'}<span class="badge badge--err">luring</span>` +
    '<span class="ringkasan__aksi"><a class="btn btn--ghost btn--kecil" href="#" data-kembali data-luring-kosong>Tutup <kbd>Esc</kbd></a></span></div>' +
    `<dl class="data-ringkas data-ringkas--lebar"><dt>No. RM</dt><dd class="mono besar">${h(pasien.no_rm || "menyusul (pasien baru)")}</dd>` +
    `<dt>NIK</dt><dd class="mono">${pasien.nik ? h(kelompok(pasien.nik)) : '<span class="teks-warn">— tanpa NIK</span>'}</dd>` +
    `<dt>Tgl lahir</dt><dd>${tglId(pasien.tanggal_lahir)} (${umurTeks(pasien.tanggal_lahir)})</dd>` +
    `<dt>BPJS</dt><dd>${pasien.no_bpjs ? `<span class="kartu-bpjs mono">${h(kelompok(pasien.no_bpjs))}</span>` : '<span class="badge badge--warn">tidak ada kartu</span>'}</dd>` +
    `<dt>Alamat</dt><dd>${h(pasien.alamat || "—")}</dd></dl></div>` +
    `<form method="post" novalidate data-form-utama data-luring-form="kunjungan" class="form-kunjungan">` +
    `<input type="hidden" name="client_uuid" value="${crypto.randomUUID()}">` +
    '<div class="baris-kunjungan"><fieldset class="isian isian--pilihan"><legend>Penjamin</legend><div class="pilihan-baris">' +
    `<label class="pilihan-baris__opsi"><input type="radio" name="penjamin" value="bpjs"${penjamin === "bpjs" ? " checked" : ""}> <span>BPJS (JKN)</span></label>` +
    `<label class="pilihan-baris__opsi"><input type="radio" name="penjamin" value="umum"${penjamin === "umum" ? " checked" : ""}> <span>Umum / bayar sendiri</span></label></div></fieldset>` +
    `<div id="layanan"><div class="isian"><label for="id_layanan_diminta">Layanan diminta</label><select name="layanan_diminta" id="id_layanan_diminta">${layanan}</select></div></div></div>` +
    '<div class="isian"><label for="id_keluhan">Keluhan utama</label><input type="text" name="keluhan" id="id_keluhan" maxlength="500" autocomplete="off" placeholder="mis. demam 3 hari" autofocus></div>' +
    '<fieldset class="kondisi" id="kondisi"><legend>Kondisi pasien <span class="muted">(mengubah saran unit)</span></legend><div class="checks">' +
    (pasien.jenis_kelamin === "P" ? cek("hamil", "Sedang hamil") : "") + cek("suspek_menular", "Dugaan penyakit menular (TB, dll.)") +
    cek("darurat", "Gawat darurat") + cek("disabilitas", "Penyandang disabilitas") + cek("gagal_daftar_online", "Gagal daftar online (prioritas)") +
    "</div></fieldset>" + htmlPilihanUnit(pasien, { penjamin }, null) + "</form></div>");
}

function pasienDiPanel() {
  const el = $("#panel [data-pasien-luring]");
  if (!el) return null;
  try { return JSON.parse(el.getAttribute("data-pasien-luring")); } catch (e) { return null; }
}

function perbaruiSaran(form) {
  const pasien = pasienDiPanel();
  const wadah = $("#pilihan-unit", form);
  if (!pasien || !wadah) return;
  const data = dataKunjunganDari(form);
  let unitId = data.unit;
  if (unitId && unitId === wadah.dataset.saran) unitId = null; // was on the suggestion: follow it
  wadah.outerHTML = htmlPilihanUnit(pasien, data, unitId);
}

async function bukaPasien(kunci) {
  await siap;
  const p = await lokal.ambil(kunci);
  if (!p) {
    tampilPanel('<div class="card panel-kosong"><p class="alert alert--warn" role="alert">Data pasien ini tidak tersimpan di komputer ini. ' +
      'Cari dengan NIK/No. RM lain, atau tekan <kbd>F4</kbd> untuk mendaftarkannya sebagai pasien baru — server mencocokkan NIK-nya saat tersambung.</p></div>');
    return;
  }
  await lokal.simpan(p);
  panelKunjungan(p);
}

async function simpanKunjungan(form) {
  await siap;
  const pasien = pasienDiPanel();
  if (!pasien) return;
  const data = dataKunjunganDari(form);
  const galat = validasiKunjungan(data, { jenisKelamin: pasien.jenis_kelamin, noBpjs: pasien.no_bpjs, nik: pasien.nik });
  const unit = UNIT_PER_ID.get(data.unit);
  if (!unit) galat.unit = ["Unit tujuan wajib dipilih."];
  if (Object.keys(galat).length) { tampilGalat(form, galat); return; }
  const uuid = data.client_uuid && /^[0-9a-f-]{36}$/i.test(data.client_uuid) ? data.client_uuid : crypto.randomUUID();
  const ada = await outbox.ambil(uuid);
  if (ada) { panelTiket(ada, true); return; } // a double Enter: the same entry
  const ep = statusTerakhir && statusTerakhir.downtime ? statusTerakhir.downtime.episode_id : null;
  const pasienPayload = pasien.id ? { id: pasien.id } : {
    client_uuid: pasien.client_uuid, nama: pasien.nama, nik: pasien.nik || "", nik_ibu: pasien.nik_ibu || "",
    no_bpjs: pasien.no_bpjs || "", tanggal_lahir: pasien.tanggal_lahir, jenis_kelamin: pasien.jenis_kelamin,
    alamat: pasien.alamat || "", no_hp: pasien.no_hp || "" };
  // Taking a number and storing the entry are one step per loket (two tabs: one at a time), and
  // the number is recorded as issued *before* the entry exists: a crash in between burns a
  // number (a gap), it can never hand the same number to two patients.
  const terbitkan = async () => {
    const { nomor } = await nomorUntuk(unit);
    const waktu = jam.cap();
    if (nomor) {
      await terbitStore.simpan(kunciTerbit(hariIniIso(), unit.kode, nomor.nomor),
        { kunci: kunciTerbit(hariIniIso(), unit.kode, nomor.nomor), nomor: nomor.nomor, client_uuid: uuid });
    }
    return { nomor, waktu };
  };
  const { nomor, waktu } = navigator.locks ? await navigator.locks.request("loket-nomor", terbitkan) : await terbitkan();
  const dibuat = waktu.dibuat_klien;
  const entri = await outbox.tambah({
    client_uuid: uuid, loket: D.loket.kode, petugas: D.petugas.username, dibuat_klien: dibuat,
    payload: { client_uuid: uuid, dibuat_klien: dibuat, jam_pc: waktu.jam_pc, selisih_jam_ms: waktu.selisih_jam_ms,
      loket: D.loket.kode, petugas: D.petugas.username,
      nomor_antrean: nomor ? nomor.nomor : null, mode: "offline", ...(ep ? { episode_id: ep } : {}), pasien: pasienPayload,
      kunjungan: { unit: unit.kode, penjamin: data.penjamin, keluhan: data.keluhan, hamil: data.hamil, suspek_menular: data.suspek_menular,
        disabilitas: data.disabilitas, darurat: data.darurat, gagal_daftar_online: data.gagal_daftar_online, layanan_diminta: data.layanan_diminta } },
    ringkas: { nama: pasien.nama, no_rm: pasien.no_rm || "", baru: !pasien.id, unit_nama: unit.nama, unit_kode: unit.kode,
      klaster: `Klaster ${unit.klaster.nomor} · ${unit.klaster.nama}`, kode_tiket: nomor ? nomor.kode : "", penjamin: data.penjamin, keluhan: data.keluhan },
  });
  await lokal.simpan(pasien);
  panelTiket(entri, false);
  await gambarStatus();
}

function panelTiket(e, ulang) {
  const r = e.ringkas;
  tampilPanel(`<div class="card tiket-panel tiket-panel--luring" id="tiket-panel" data-outbox="${h(e.client_uuid)}">` +
    (ulang ? '<p class="alert alert--ok" role="status">Pendaftaran ini sudah tersimpan sebelumnya — tidak dibuat dua kali.</p>' : "") +
    '<p class="alert alert--warn">Tersimpan di komputer ini (luring) — dikirim otomatis saat tersambung.</p>' +
    '<div class="tiket-panel__isi"><div class="tiket-panel__nomor-wadah"><p class="tiket-panel__label">Nomor antrean</p>' +
    `<p class="queue-number tiket-panel__nomor${r.kode_tiket ? "" : " tiket-panel__nomor--menyusul"}" id="nomor-antrean">${h(r.kode_tiket || "nomor menyusul")}</p>` +
    `<p class="tiket-panel__unit">${h(r.unit_nama)}</p><p class="muted">${h(r.klaster)}</p></div>` +
    `<dl class="data-ringkas"><dt>Pasien</dt><dd><b>${h(r.nama)}</b></dd><dt>No. RM</dt><dd class="mono">${h(r.no_rm || "menyusul")}</dd>` +
    `<dt>Penjamin</dt><dd>${r.penjamin === "bpjs" ? "BPJS (JKN)" : "Umum / bayar sendiri"}</dd><dt>Waktu</dt><dd>${tglId(tglDari(e.dibuat_klien))} ${jamDari(e.dibuat_klien)}</dd>` +
    `${r.keluhan ? `<dt>Keluhan</dt><dd>${h(r.keluhan)}</dd>` : ""}</dl></div>` +
    (r.kode_tiket ? "" : '<p class="alert alert--warn">Nomor cadangan loket untuk unit ini habis: nomor antrean diberikan server saat tersambung. Minta pasien menunggu panggilan nama.</p>') +
    `<div class="tiket-panel__aksi"><a class="btn btn--primary btn--big" href="#" data-cetak data-cetak-luring="${h(e.client_uuid)}" autofocus>Cetak tiket <kbd>F9</kbd></a>` +
    '<a class="btn" href="#" data-kembali data-pasien-berikutnya data-luring-kosong>Pasien berikutnya <kbd>Esc</kbd></a></div></div>', !ulang);
}

async function cetakLuring(uuid) {
  const e = await outbox.ambil(uuid);
  if (!e) return;
  const r = e.ringkas;
  const css = ($('link[href*="css/app.css"]') || {}).href ? $('link[href*="css/app.css"]').href.replace("app.css", "print.css") : "/static/css/print.css";
  const html = `<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Tiket ${h(r.kode_tiket || "menyusul")}</title>` +
    `<link rel="stylesheet" href="${h(css)}"></head><body class="cetak"><article class="tiket tiket--80" id="tiket">` +
    `<header class="tiket__kepala"><p class="tiket__faskes">${h(D.puskesmas.nama)}</p></header><p class="tiket__label">NOMOR ANTREAN</p>` +
    `<p class="tiket__nomor">${h(r.kode_tiket || "MENYUSUL")}</p><p class="tiket__unit">${h(r.unit_nama)}</p><p class="tiket__klaster">${h(r.klaster)}</p>` +
    `<dl class="tiket__data"><dt>Nama</dt><dd>${h(r.nama)}</dd><dt>No. RM</dt><dd>${h(r.no_rm || "menyusul")}</dd>` +
    `<dt>Penjamin</dt><dd>${r.penjamin === "bpjs" ? "BPJS (JKN)" : "Umum"}</dd><dt>Daftar</dt><dd>${tglId(tglDari(e.dibuat_klien))} ${jamDari(e.dibuat_klien)} · ${h(D.loket.nama)}</dd></dl>` +
    `<p class="tiket__kaki">Dicatat saat luring. Simpan tiket ini sampai selesai berobat.</p></article></body></html>`;
  const w = window.open("", "cetak-tiket", "popup,width=420,height=720");
  if (!w) { window.print(); return; }
  w.document.open(); w.document.write(html); w.document.close();
  const cetak = () => { w.print(); w.close(); };
  if (w.document.readyState === "complete") setTimeout(cetak, 50); else w.addEventListener("load", cetak);
}

// --- routing of htmx requests while offline ----------------------------------------------------------
function tangani(verb, path, elt) {
  const form = elt && elt.closest ? elt.closest("form") : null;
  let m;
  if (path === "/loket/cari/") return cariLokal(($("#q") || {}).value);
  if (path === "/loket/pasien/baru/") {
    if (verb === "post" && form) return simpanPasienBaru(form);
    return isianBaru(($("#q") || {}).value).then(panelPasienBaru);
  }
  if ((m = /^\/loket\/pasien\/(\d+)\/saran\/$/.exec(path))) return perbaruiSaran(elt.closest("form"));
  if ((m = /^\/loket\/pasien\/(\d+)\/daftar\/$/.exec(path)) && form) return simpanKunjungan(form);
  if ((m = /^\/loket\/pasien\/(\d+)\/$/.exec(path))) return bukaPasien(`id:${m[1]}`);
  if (path === "/loket/") return panelKosong();
  if (/^\/loket\/(pasien\/\d+\/ubah|kunjungan\/\d+)/.test(path)) {
    const p = document.createElement("p");
    p.className = "alert alert--warn galat-kirim"; p.setAttribute("role", "alert");
    p.textContent = "Tidak tersedia saat luring (mengubah data pasien, membuka atau membatalkan tiket lama). Lakukan setelah tersambung.";
    (form || panel()).prepend(p);
  }
  return null; // today's list, the downtime banner poll, the BPJS badge: quietly skipped
}

function jalurDari(cfg) { try { return new URL(cfg.path, location.href).pathname; } catch (e) { return ""; } }

document.addEventListener("htmx:beforeRequest", (e) => {
  if (modus !== "offline" || !D || !D.loket) return;
  e.preventDefault();
  const cfg = e.detail.requestConfig || {};
  tangani(String(cfg.verb || "get").toLowerCase(), jalurDari(cfg), e.detail.elt);
});

function gagalKirim(e) {
  if (!D || !D.loket) return;
  const cfg = e.detail.requestConfig || {};
  const path = jalurDari(cfg);
  const kode = e.detail.xhr ? e.detail.xhr.status : 0;
  const sebab = kode >= 500 ? `server:${kode}` : "permintaan";
  if (!path.startsWith("/loket/")) { detektor.laporGagal(sebab); return; }
  e.detail.luring = true; // app.js: no "not connected" message, this module takes over
  detektor.laporGagal(sebab);
  // The same submission, handled locally: a registration keeps its client_uuid, so if the
  // lost request did reach the server, the replay is answered as a repeat.
  tangani(String(cfg.verb || "get").toLowerCase(), path, e.detail.elt);
  // app.js (loaded first) may already have put its "not connected" note on the form.
  const f = e.detail.elt && e.detail.elt.closest ? e.detail.elt.closest("form") : null;
  if (f) for (const el of $$(".galat-kirim", f)) el.remove();
}
document.addEventListener("htmx:sendError", gagalKirim);
document.addEventListener("htmx:timeout", gagalKirim);
document.addEventListener("htmx:responseError", (e) => {
  const s = e.detail.xhr ? e.detail.xhr.status : 0;
  // Any 5xx (the database down answers 500): the server cannot serve the counter now.
  if (s >= 500) gagalKirim(e);
});
document.addEventListener("htmx:afterSettle", (e) => { if (e.detail.target) ingatPasienDi(e.detail.target); });

// Local forms and links (capture phase: before htmx and app.js see them).
document.addEventListener("submit", (e) => {
  const f = e.target;
  if (f.id === "form-keluar") return keluar(e);
  const jenis = f.getAttribute && f.getAttribute("data-luring-form");
  if (!jenis) return;
  e.preventDefault();
  e.stopPropagation();
  if (jenis === "pasien") simpanPasienBaru(f); else if (jenis === "kunjungan") simpanKunjungan(f);
}, true);

window.addEventListener("click", (e) => {
  const t = e.target.closest ? e.target.closest("[data-luring-pasien],[data-luring-kosong],[data-luring-baru],[data-cetak-luring],[data-luring-kirim],[data-luring-baca]") : null;
  if (!t) return;
  e.preventDefault();
  e.stopPropagation();
  if (t.hasAttribute("data-cetak-luring")) cetakLuring(t.getAttribute("data-cetak-luring"));
  else if (t.hasAttribute("data-luring-pasien")) bukaPasien(t.getAttribute("data-luring-pasien"));
  else if (t.hasAttribute("data-luring-baru")) isianBaru(($("#q") || {}).value).then(panelPasienBaru);
  else if (t.hasAttribute("data-luring-kosong")) {
    if (modus === "online" && window.htmx) window.htmx.ajax("GET", "/loket/", { target: "#panel" }); else panelKosong();
  } else if (t.hasAttribute("data-luring-kirim")) { detektor.periksa().then(() => kirim()); }
  else if (t.hasAttribute("data-luring-baca")) sudahDisampaikan(t.getAttribute("data-luring-baca"));
}, true);

document.addEventListener("change", (e) => {
  const f = e.target.closest && e.target.closest("form[data-luring-form=kunjungan]");
  if (f && (e.target.closest("#kondisi") || e.target.closest("#layanan"))) perbaruiSaran(f);
});

// --- logout ------------------------------------------------------------------------------------------
async function keluar(e) {
  if (!outbox) return;
  e.preventDefault();
  e.stopPropagation();
  const form = e.target;
  if (modus === "offline") {
    peringatanKeluar = '<div class="banner banner--warn banner-luring__keluar" role="alert">Tidak bisa keluar saat luring; tetap di halaman ini.</div>';
    await gambarStatus();
    return;
  }
  const n = await outbox.jumlah();
  if (n > 0 && !keluarDikonfirmasi) {
    keluarDikonfirmasi = true;
    peringatanKeluar = `<div class="banner banner--warn" role="alert" id="peringatan-keluar"><span>${n} pendaftaran luring belum terkirim. ` +
      "Data itu tetap tersimpan di komputer ini (tidak dihapus) dan dikirim otomatis setelah petugas masuk lagi di komputer ini. Tekan <b>Keluar</b> sekali lagi untuk keluar.</span></div>";
    await gambarStatus();
    return;
  }
  sedangKeluar = true;
  if (n === 0) await lupakanPasien();
  else await lupakanHalaman();
  HTMLFormElement.prototype.submit.call(form);
}

// What a logout leaves behind. The local patient copy only goes once the outbox is empty (an
// unsent entry may still need it on this PC); the cached loket page, which lists today's
// patients, never outlives a session.
async function lupakanPasien() {
  await lokal.kosongkan(); await hasilStore.kosongkan(); await meta.hapus("preload"); if (salinan) await salinan.kosongkan();
  await lupakanHalaman();
}
async function lupakanHalaman() {
  try { if (window.caches) await caches.delete("loket-halaman"); } catch (err) { /* no Cache API */ }
}

// The server signed this officer out (idle timeout on a shared PC, or a logout in another tab).
// With nothing left to send, forget the patient copy and leave the page, so whoever sits down
// next sees neither; with unsent entries, keep everything and ask for a login to send them.
async function sesiBerakhir(http) {
  if (sedangKeluar) return;
  const n = await outbox.jumlah();
  if (n === 0) {
    if (http !== 401) return; // 403: signed in, but this role may not use the offline API
    await lupakanPasien();
    window.location.assign("/masuk/?next=" + encodeURIComponent(location.pathname));
    return;
  }
  const el = $("#banner-luring");
  if (el) { el.hidden = false; el.innerHTML = `<div class="banner banner--warn" role="alert">Sesi berakhir: masuk lagi untuk mengirim ${n} pendaftaran luring yang tersimpan di komputer ini.</div>`; }
}

// --- start ---------------------------------------------------------------------------------------------
function gambarPeringatanJam() {
  const teks = jam.peringatan();
  let el = document.getElementById("peringatan-jam");
  if (!teks) { if (el) el.remove(); return; }
  if (!el) {
    el = document.createElement("div");
    el.id = "peringatan-jam";
    el.className = "banner banner--warn";
    el.setAttribute("role", "alert");
    const jangkar = $("#banner-luring");
    if (jangkar && jangkar.parentNode) jangkar.parentNode.insertBefore(el, jangkar); else document.body.prepend(el);
  }
  if (el.textContent !== teks) el.textContent = teks;
}

const detektor = buatDetektor({
  fetch: (u, o) => window.fetch(u, o),
  url: "/api/v1/status" + (D && D.loket ? `?loket=${encodeURIComponent(D.loket.kode)}` : ""),
  interval: 5000,
  timeout: 2000,
  onUbah: (s, sebab) => (s === "offline" ? keLuring(sebab) : keDaring()),
  onStatus: ({ http, data, rtt }) => {
    if (http === 401 || http === 403) {
      if (outbox) sesiBerakhir(http);
      return;
    }
    if (!data) return;
    const lama = statusTerakhir;
    statusTerakhir = data;
    jam.sinkron(data.waktu_server, rtt || 0);
    gambarPeringatanJam();
    if (outbox && modus === "online") {
      if (data.pemberitahuan !== pemberitahuanTerakhir) { pemberitahuanTerakhir = data.pemberitahuan; if (data.pemberitahuan) sinkronPemberitahuan(); }
      blokPerluDiperbarui().then((perlu) => { if (perlu) ambilBlok(); });
    }
    // A declared downtime (or its end): redraw the server's banner at once, not at its 10 s poll.
    if (lama && lama.versi !== data.versi && window.htmx && $("#banner-downtime")) {
      window.htmx.ajax("GET", "/downtime/banner/", { target: "#banner-downtime", swap: "outerHTML" });
    }
  },
});

if (D && D.loket) {
  window.addEventListener("offline", () => detektor.laporGagal("event"));
  window.addEventListener("online", () => detektor.periksa());
  if (window.htmx) window.htmx.config.timeout = 5000;
  siap = (async () => {
    // This module is async (it must not hold up DOMContentLoaded); idb is a deferred script.
    // The browser's own IndexedDB (idb_asli.js): nothing else to load, so script order or a
    // slow link cannot switch the offline mode off; a transient failure to open is retried.
    db = await bukaDenganUlang(() => bukaDb(idbAsli));
    outbox = buatOutbox(storeIdb(db, "outbox"));
    lokal = buatPasienLokal(storeIdb(db, "pasien"));
    blokStore = storeIdb(db, "blok");
    meta = storeIdb(db, "meta");
    hasilStore = storeIdb(db, "hasil");
    terbitStore = storeIdb(db, "terbit");
    // The two-year copy is a help, not a condition: without it offline mode still works.
    try { salinan = buatSalinan(storeSalinanIdb(await bukaSalinanDb(idbAsli)), { ambil: ambilJson }); } catch (e) { salinan = null; }
  })();
  siap.then(async () => {
    window.loketLuring = { outbox, lokal, salinan, blokStore, terbitStore, hasilStore, detektor, jam, kirim, ambilBlok,
      get modus() { return modus; }, set ukuranBatch(n) { ukuranBatch = n; } }; // tests and support
    await buangTerbitLama();
    ingatPasienDi(document);
    await gambarStatus();
    if (navigator.onLine === false) detektor.laporGagal("event");
    else await detektor.periksa();
    detektor.mulai();
    jadwalKirim();
    if (modus === "online") { await ambilBlok(); kirim(); preload(); sinkronPemberitahuan(); if (salinan) salinan.segarkan().catch(() => {}); }
    document.documentElement.setAttribute("data-luring-siap", "1");
  }).catch((err) => {
    const el = $("#banner-luring");
    if (el) { el.hidden = false; el.innerHTML = `<div class="banner banner--warn" role="alert">Mode luring tidak tersedia di browser ini (${h(err.message)}). Pendaftaran hanya berjalan saat tersambung.</div>`; }
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
    navigator.serviceWorker.ready.then(async (reg) => {
      const ada = window.caches ? await caches.match(D && "/loket/", { ignoreVary: true }) : true;
      if (!ada && reg.active && modus === "online") reg.active.postMessage({ perintah: "simpan-halaman" });
    });
  }
}
