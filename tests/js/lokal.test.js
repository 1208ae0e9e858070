import { test } from "node:test";
import assert from "node:assert/strict";
import { storeMemori } from "../../static/js/offline/outbox.js";
import { buatPasienLokal, cariDi } from "../../static/js/offline/pasien_lokal.js";
import { nomorBerikut, blokTerbaru, kodeTiket, sisaNomor } from "../../static/js/offline/blok.js";
import { buatDetektor } from "../../static/js/offline/detector.js";

const SITI = { id: 9, no_rm: "000123", nama: "Siti Aminah", nik: "3204105203800001", nik_ibu: "", no_bpjs: "0001234567890", tanggal_lahir: "1980-03-12", jenis_kelamin: "P" };
const JOKO = { id: 10, no_rm: "000124", nama: "Joko Santoso", nik: "3204100211920002", nik_ibu: "", no_bpjs: "", tanggal_lahir: "1992-11-02", jenis_kelamin: "L" };
const BAYI = { client_uuid: "p-1", no_rm: "", nama: "Bayi Ny. Siti", nik: "", nik_ibu: "3204105203800001", no_bpjs: "", tanggal_lahir: "2026-02-01", jenis_kelamin: "L" };

test("local search by NIK (also a mother's), No. RM with or without zeros, BPJS card, name + birth date", () => {
  const d = [SITI, JOKO, BAYI];
  assert.deepEqual(cariDi(d, "3204 1052 0380 0001").map((p) => p.nama), ["Bayi Ny. Siti", "Siti Aminah"]);
  assert.deepEqual(cariDi(d, "000124").map((p) => p.nama), ["Joko Santoso"]);
  assert.deepEqual(cariDi(d, "124").map((p) => p.nama), ["Joko Santoso"]);
  assert.deepEqual(cariDi(d, "0001234567890").map((p) => p.nama), ["Siti Aminah"]);
  assert.deepEqual(cariDi(d, "siti").map((p) => p.nama), ["Bayi Ny. Siti", "Siti Aminah"]);
  assert.deepEqual(cariDi(d, "siti am").map((p) => p.nama), ["Siti Aminah"]);
  assert.deepEqual(cariDi(d, "siti 12-03-1980").map((p) => p.nama), ["Siti Aminah"]);
  assert.deepEqual(cariDi(d, "s"), []);
  assert.deepEqual(cariDi(d, "tidak ada"), []);
});

test("the local copy is bounded: the least recently seen patients go first", async () => {
  let t = 0;
  const lokal = buatPasienLokal(storeMemori(), { batas: 3, sekarang: () => ++t });
  for (let i = 1; i <= 3; i++) await lokal.simpan({ id: i, nama: `P${i}`, no_rm: String(i) });
  await lokal.simpan({ id: 1, nama: "P1", no_rm: "1" }); // seen again
  await lokal.simpan({ id: 4, nama: "P4", no_rm: "4" });
  assert.equal(await lokal.jumlah(), 3);
  assert.equal(await lokal.ambil("id:2"), undefined);
  assert.ok(await lokal.ambil("id:1"));
  await lokal.kosongkan();
  assert.equal(await lokal.jumlah(), 0);
});

test("offline numbers: lowest free number of today's newest block, skipping used ones; then none", () => {
  const jawab = { blok: [
    { blok_id: 3, unit: "UMUM", prefix: "A", tanggal: "2026-03-03", pertama: 11, terakhir: 13, terpakai: [] },
    { blok_id: 7, unit: "UMUM", prefix: "A", tanggal: "2026-03-03", pertama: 31, terakhir: 34, terpakai: [31] },
  ] };
  const [b] = blokTerbaru(jawab);
  assert.equal(b.blok_id, 7);
  assert.deepEqual(nomorBerikut(b, [], "2026-03-03"), { nomor: 32, kode: "A-032", prefix: "A" });
  assert.deepEqual(nomorBerikut(b, [32, 33], "2026-03-03").kode, "A-034");
  assert.equal(sisaNomor(b, [32], "2026-03-03"), 2);
  assert.equal(nomorBerikut(b, [32, 33, 34], "2026-03-03"), null); // nomor menyusul
  assert.equal(nomorBerikut(b, [], "2026-03-04"), null); // yesterday's block is worthless
  assert.equal(kodeTiket("B", 7), "B-007");
});

function jamPalsu() {
  let kini = 0; const antre = [];
  return {
    setTimer(fn, ms) { const t = { at: kini + ms, fn }; antre.push(t); return t; },
    clearTimer(t) { const i = antre.indexOf(t); if (i >= 0) antre.splice(i, 1); },
    async maju(ms) {
      const akhir = kini + ms;
      for (;;) {
        antre.sort((a, b) => a.at - b.at);
        if (!antre.length || antre[0].at > akhir) break;
        const t = antre.shift(); kini = t.at; t.fn();
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      }
      kini = akhir;
    },
  };
}

test("detector: a missed heartbeat switches offline, an answer switches back; a failed request at once", async () => {
  const jam = jamPalsu();
  let server = "hidup";
  const ubah = [];
  const fetch = (url, { signal }) => new Promise((resolve, reject) => {
    if (server === "hidup") resolve({ ok: true, status: 200, json: async () => ({ waktu_server: new Date().toISOString(), downtime: null }) });
    else if (server === "mati") reject(new TypeError("Failed to fetch"));
    else signal.addEventListener("abort", () => reject(new Error("aborted"))); // hangs
  });
  const d = buatDetektor({ fetch, interval: 5000, timeout: 2000, setTimer: jam.setTimer, clearTimer: jam.clearTimer,
    onUbah: (s, sebab) => ubah.push(`${s}:${sebab}`) });
  d.mulai();
  await jam.maju(5000);
  assert.equal(d.status, "online");
  server = "gantung";
  await jam.maju(5000 + 2000); // the next beat times out after 2 s
  assert.equal(d.status, "offline");
  server = "hidup";
  await jam.maju(5000);
  assert.equal(d.status, "online");
  d.laporGagal("permintaan");
  assert.equal(d.status, "offline");
  assert.deepEqual(ubah, ["offline:heartbeat", "online:heartbeat", "offline:permintaan"]);
  d.berhenti();
});

test("detector: every 5xx, an unreadable or foreign answer is offline; 401/403 leave the state alone", async () => {
  const kasus = [[500, null, "offline"], [502, null, "offline"], [503, null, "offline"], [504, null, "offline"],
    [200, "bukan json", "offline"], [200, { halo: 1 }, "offline"], [404, { detail: "x" }, "offline"],
    [401, {}, "online"], [403, {}, "online"]];
  for (const [status, isi, harap] of kasus) {
    const d = buatDetektor({ fetch: async () => ({ ok: status < 300, status,
      json: async () => { if (typeof isi === "string") throw new SyntaxError("bad"); return isi; } }),
    setTimer: () => 0, clearTimer: () => {} });
    await d.periksa();
    assert.equal(d.status, harap, `${status} ${JSON.stringify(isi)}`);
  }
  // Offline, a 401 is not "healthy": the page stays offline until a real status answer.
  const d = buatDetektor({ awal: "offline", fetch: async () => ({ ok: false, status: 401, json: async () => ({}) }),
    setTimer: () => 0, clearTimer: () => {} });
  await d.periksa();
  assert.equal(d.status, "offline");
});
