// The hall display: announces newly called numbers (chime, then the server's Indonesian clips,
// antrean/suara.py; the browser's own voice only when clips are missing and it has an
// Indonesian one) after each live refresh of #isi, keeps a clock in the Puskesmas' time zone,
// and offers one overlay that unlocks sound and full screen (browsers allow audio only after a
// user gesture, unless the TV browser runs in kiosk mode with autoplay allowed — then the
// overlay hides itself). A service worker (tv_sw.js) keeps the page and the clips for outages.
import { kalimatPanggilan } from "./terbilang.mjs";
import { lengkap, muatDaftar, putarKlip, urutanKlip } from "./suara.mjs";

const sudah = new Set(); // announcement keys already handled: "<ticket id>-<last call time>"
const antrean = []; // sentences waiting to be spoken
let sedangBicara = false;
let audio = null;
let daftarKlip = {}; // clip key → URL, from the server (empty without espeak-ng)
const akar = document.querySelector("[data-tv]");

function kumpulkan() {
  return [...document.querySelectorAll("[data-panggilan]")].map((el) => ({
    kunci: el.dataset.panggilan,
    kode: el.dataset.kode,
    unit: el.dataset.unitNama,
    unitId: el.dataset.unitId,
  }));
}

function konteksAudio() {
  if (!audio) {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (AC) audio = new AC();
  }
  return audio;
}

function bunyikanChime() {
  // A two-tone "ding-dong", synthesised: no audio file to fetch or cache on a cheap TV.
  const ac = konteksAudio();
  if (!ac || ac.state !== "running") return Promise.resolve();
  const mulai = ac.currentTime + 0.05;
  [
    [880, 0, 0.6],
    [659.25, 0.45, 0.9],
  ].forEach(([frek, t, lama]) => {
    const osc = ac.createOscillator();
    const gain = ac.createGain();
    osc.type = "sine";
    osc.frequency.value = frek;
    gain.gain.setValueAtTime(0.0001, mulai + t);
    gain.gain.exponentialRampToValueAtTime(0.5, mulai + t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, mulai + t + lama);
    osc.connect(gain).connect(ac.destination);
    osc.start(mulai + t);
    osc.stop(mulai + t + lama + 0.05);
  });
  return new Promise((r) => setTimeout(r, 1400));
}

function suaraIndonesia() {
  const semua = window.speechSynthesis ? window.speechSynthesis.getVoices() : [];
  return semua.find((v) => /^id([-_]|$)/i.test(v.lang)) || null;
}

function ucapkan(kalimat) {
  return new Promise((selesai) => {
    if (!window.speechSynthesis) return selesai();
    const u = new SpeechSynthesisUtterance(kalimat);
    u.lang = "id-ID";
    u.rate = 0.9;
    const suara = suaraIndonesia();
    if (suara) u.voice = suara;
    // Some TV browsers never fire `end`; do not let one lost event silence the display.
    const batas = setTimeout(selesai, 12000);
    u.onend = u.onerror = () => {
      clearTimeout(batas);
      selesai();
    };
    window.speechSynthesis.speak(u);
  });
}

function catatKlip(k) {
  // The clips in the order they started: read by the browser test and by staff tools.
  const lama = document.body.dataset.klipDiputar;
  document.body.dataset.klipDiputar = lama ? `${lama} ${k}` : k;
}

async function umumkan(p) {
  const kalimat = kalimatPanggilan(p.kode, p.unit);
  document.body.dataset.pengumumanTerakhir = kalimat; // visible to tests and to staff tools
  await bunyikanChime();
  const kunci = urutanKlip(p.kode, p.unitId);
  const ac = konteksAudio();
  if (ac && ac.state === "running" && lengkap(kunci, daftarKlip)) {
    try {
      await putarKlip(ac, daftarKlip, kunci, catatKlip);
      document.body.dataset.suara = "klip";
      return;
    } catch (e) {
      console.warn("Klip suara gagal diputar, memakai suara peramban", e);
    }
  }
  if (suaraIndonesia()) {
    document.body.dataset.suara = "peramban";
    await ucapkan(kalimat);
  } else {
    document.body.dataset.suara = "bel"; // no Indonesian voice at all: the chime and the screen
  }
}

async function putar() {
  if (sedangBicara) return;
  sedangBicara = true;
  while (antrean.length) await umumkan(antrean.shift());
  sedangBicara = false;
}

function sorot() {
  const el = document.querySelector("[data-sorot-nomor]");
  if (!el) return;
  el.classList.remove("kedip");
  void el.offsetWidth; // restart the CSS animation
  el.classList.add("kedip");
}

function periksa({ umumkan }) {
  const baru = kumpulkan().filter((p) => !sudah.has(p.kunci));
  baru.forEach((p) => sudah.add(p.kunci));
  if (!umumkan || !baru.length) return;
  // Oldest call first, the way staff pressed the buttons.
  baru.reverse().forEach((p) => antrean.push(p));
  sorot();
  putar();
}

// The Puskesmas' clock, not the TV box's: boxes often sit on UTC or a wrong zone.
const formatJam = (() => {
  const opsi = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  try {
    return new Intl.DateTimeFormat("id-ID", { ...opsi, timeZone: akar?.dataset.zona || undefined });
  } catch (e) {
    return new Intl.DateTimeFormat("id-ID", opsi);
  }
})();

function jam() {
  const el = document.querySelector("[data-jam]");
  if (el) el.textContent = formatJam.format(new Date()).replace(":", ".");
}

function aktifkan() {
  const ac = konteksAudio();
  if (ac && ac.state !== "running") ac.resume();
  if (window.speechSynthesis) window.speechSynthesis.speak(new SpeechSynthesisUtterance(""));
  const root = document.documentElement;
  if (root.requestFullscreen && !document.fullscreenElement) root.requestFullscreen().catch(() => {});
  document.body.classList.add("tv--aktif");
}

// The calls already on screen when the page opens are not announced again.
periksa({ umumkan: false });
document.body.addEventListener("htmx:afterSettle", () => periksa({ umumkan: true }));
document.querySelector("[data-tv-mulai]")?.addEventListener("click", aktifkan);
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === " ") aktifkan();
});
if (konteksAudio()?.state === "running") document.body.classList.add("tv--aktif");
if (window.speechSynthesis) window.speechSynthesis.onvoiceschanged = () => {};
jam();
setInterval(jam, 10000);
if (akar?.dataset.suaraDaftar) {
  muatDaftar(akar.dataset.suaraDaftar).then((d) => {
    daftarKlip = d;
    document.body.dataset.klipSiap = String(Object.keys(d).length);
  });
}
if ("serviceWorker" in navigator && akar?.dataset.sw) {
  navigator.serviceWorker.register(akar.dataset.sw).catch(() => {});
}
