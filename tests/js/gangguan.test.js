// Issue 9 in the browser's own logic: the clock, durable numbers, retries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buatJam, tanggalDi, AMBANG_PERINGATAN_MS } from "../../static/js/offline/jam.js";
import { nomorBerikut, kunciTerbit, terbitUntuk, perluBlokBaru } from "../../static/js/offline/blok.js";
import { bukaDenganUlang } from "../../static/js/offline/idb_asli.js";

function jamPc(awal) {
  let pc = awal, mono = 0;
  return { pc: () => pc, mono: () => mono, maju(ms) { pc += ms; mono += ms; }, setel(ms) { pc = ms; } };
}

test("jam: the offset learnt online corrects entries made offline, even if the PC clock is changed", () => {
  const server = Date.parse("2026-12-01T08:00:00.000Z");
  const j = jamPc(server - 3 * 3600 * 1000); // PC three hours behind
  const jam = buatJam({ sekarang: j.pc, monotonic: j.mono });
  jam.sinkron(new Date(server).toISOString(), 100);
  assert.ok(Math.abs(jam.selisih - (3 * 3600 * 1000 + 50)) < 5);
  j.maju(60_000); // offline a minute later
  j.setel(j.pc() + 24 * 3600 * 1000); // someone "fixes" the clock a day ahead meanwhile
  const cap = jam.cap();
  assert.equal(cap.dibuat_klien, new Date(server + 50 + 60_000).toISOString());
  assert.notEqual(cap.jam_pc, cap.dibuat_klien);
  assert.match(jam.peringatan(), /Jam komputer ini/);
});

test("jam: a reloaded page offline uses the stored offset; a right clock gives no warning", () => {
  let simpanan = null;
  const j = jamPc(Date.parse("2026-12-01T01:00:00Z"));
  const a = buatJam({ sekarang: j.pc, monotonic: j.mono, simpan: (o) => { simpanan = o; } });
  a.sinkron(new Date(j.pc() + 90_000).toISOString(), 0); // 1.5 min: within tolerance
  assert.equal(a.peringatan(), "");
  assert.ok(Math.abs(a.selisih) < AMBANG_PERINGATAN_MS);
  const b = buatJam({ sekarang: j.pc, monotonic: () => 0, muat: () => simpanan });
  assert.equal(b.tersinkron, false);
  assert.equal(b.sekarang(), j.pc() + 90_000);
});

test("jam: dates are taken in the Puskesmas' zone, not the PC's", () => {
  const ms = Date.parse("2026-12-01T18:30:00Z"); // 01:30 next day in WIB (+07:00)
  assert.equal(tanggalDi(ms, 420), "2026-12-02");
  assert.equal(tanggalDi(ms, 0), "2026-12-01");
});

test("blok: a number once shown is never given again, even after its entry left the outbox", () => {
  const blok = { unit: "UMUM", tanggal: "2026-12-01", pertama: 501, terakhir: 505, prefix: "A", terpakai: [] };
  const catatan = [501, 502].map((n) => ({ kunci: kunciTerbit("2026-12-01", "UMUM", n), nomor: n }));
  catatan.push({ kunci: kunciTerbit("2026-11-30", "UMUM", 503), nomor: 503 }); // yesterday's: irrelevant
  const dipakai = terbitUntuk(catatan, "2026-12-01", "UMUM");
  assert.deepEqual(dipakai, [501, 502]);
  assert.equal(nomorBerikut(blok, dipakai, "2026-12-01").kode, "A-503");
  assert.equal(nomorBerikut(blok, dipakai, "2026-12-02"), null); // another day: cannot prove it
  assert.equal(perluBlokBaru(blok, dipakai, "2026-12-01"), false);
  assert.equal(perluBlokBaru(blok, [501, 502, 503, 504], "2026-12-01"), true);
  assert.equal(perluBlokBaru(undefined, [], "2026-12-01"), true);
});

test("idb: opening the database is retried before offline mode is declared unavailable", async () => {
  let n = 0;
  const db = await bukaDenganUlang(async () => { n += 1; if (n < 3) throw new Error("sibuk"); return "db"; },
    { tidur: async () => {} });
  assert.equal(db, "db");
  assert.equal(n, 3);
  await assert.rejects(bukaDenganUlang(async () => { throw new Error("tidak ada"); }, { kali: 2, tidur: async () => {} }), /tidak ada/);
});
