import { test } from "node:test";
import assert from "node:assert/strict";
import { sarankan, umurTahun, unitUntukSaran, saranUntuk } from "../../static/js/offline/routing.js";

// The demo Puskesmas' units in display order (puskesmas/demo.py).
const UNITS = [
  { kode: "KIA", layanan: "kia" }, { kode: "ANAK", layanan: "anak" }, { kode: "UMUM", layanan: "dewasa" },
  { kode: "LANSIA", layanan: "lansia" }, { kode: "P2M", layanan: "menular" }, { kode: "GIGI", layanan: "gigi" },
  { kode: "UGD", layanan: "ugd" }, { kode: "LAB", layanan: "lab" }, { kode: "FARMASI", layanan: "farmasi" },
];

test("age decides when nothing else does (same texts as routing.py)", () => {
  assert.deepEqual(sarankan({ umur: 17, jenisKelamin: "L" }), { layanan: "anak", alasan: "Usia 17 th (< 18) → klaster 2 (ibu dan anak)" });
  assert.deepEqual(sarankan({ umur: 18, jenisKelamin: "L" }), { layanan: "dewasa", alasan: "Usia 18 th (18–59) → klaster 3 (dewasa)" });
  assert.deepEqual(sarankan({ umur: 60, jenisKelamin: "P" }), { layanan: "lansia", alasan: "Usia 60 th (≥ 60) → klaster 3 (lansia)" });
});

test("rule order: emergency, communicable, requested service, pregnancy, maternal, age", () => {
  assert.equal(sarankan({ umur: 30, jenisKelamin: "P", hamil: true, suspekMenular: true, layananDiminta: "ugd" }).layanan, "ugd");
  assert.equal(sarankan({ umur: 30, jenisKelamin: "P", hamil: true, suspekMenular: true }).layanan, "menular");
  assert.deepEqual(sarankan({ umur: 30, jenisKelamin: "P", hamil: true, layananDiminta: "gigi" }), { layanan: "gigi", alasan: "Layanan diminta: Gigi dan mulut" });
  assert.equal(sarankan({ umur: 30, jenisKelamin: "P", hamil: true }).alasan, "Ibu hamil → klaster 2 (ibu dan anak)");
  assert.equal(sarankan({ umur: 30, jenisKelamin: "L", hamil: true }).layanan, "dewasa");
  assert.equal(sarankan({ umur: 30, jenisKelamin: "P", layananDiminta: "kia" }).alasan, "Layanan ibu (nifas/KB) → klaster 2");
  assert.equal(sarankan({ umur: 30, jenisKelamin: "L", layananDiminta: "kia" }).layanan, "dewasa");
});

test("age counts birthdays, and a ticked emergency means UGD", () => {
  assert.equal(umurTahun({ tahun: 2008, bulan: 3, hari: 4 }, { tahun: 2026, bulan: 3, hari: 3 }), 17);
  assert.equal(umurTahun({ tahun: 2008, bulan: 3, hari: 3 }, { tahun: 2026, bulan: 3, hari: 3 }), 18);
  const s = saranUntuk({ lahir: { tahun: 1990, bulan: 1, hari: 1 }, jenis_kelamin: "L" }, { darurat: true }, { tahun: 2026, bulan: 3, hari: 3 });
  assert.equal(s.layanan, "ugd");
});

test("a unit offering the service, else its fall-back, else none", () => {
  assert.equal(unitUntukSaran(UNITS, { layanan: "menular" }).kode, "P2M");
  const tanpaP2m = UNITS.filter((u) => u.kode !== "P2M" && u.kode !== "LANSIA" && u.kode !== "ANAK");
  assert.equal(unitUntukSaran(tanpaP2m, { layanan: "menular" }).kode, "UMUM");
  assert.equal(unitUntukSaran(tanpaP2m, { layanan: "lansia" }).kode, "UMUM");
  assert.equal(unitUntukSaran(tanpaP2m, { layanan: "anak" }).kode, "KIA");
  assert.equal(unitUntukSaran([{ kode: "GIGI", layanan: "gigi" }], { layanan: "persalinan" }), null);
});
