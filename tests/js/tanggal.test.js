import { test } from "node:test";
import assert from "node:assert/strict";
import { rapikan, rapikanWaktu, urai, umur, keterangan } from "../../static/js/tanggal.js";

test("KTP digits get their dashes while typing", () => {
  assert.equal(rapikan("1"), "1");
  assert.equal(rapikan("17"), "17");
  assert.equal(rapikan("170"), "17-0");
  assert.equal(rapikan("1708"), "17-08");
  assert.equal(rapikan("17081"), "17-08-1");
  assert.equal(rapikan("17081985"), "17-08-1985");
  assert.equal(rapikan("17-08-1985"), "17-08-1985");
  assert.equal(rapikan("170819851"), "17-08-1985"); // a ninth digit is dropped
});

test("dates are read day first, ISO still accepted", () => {
  assert.deepEqual(urai("17-08-1985"), { hari: 17, bulan: 8, tahun: 1985 });
  assert.deepEqual(urai("17081985"), { hari: 17, bulan: 8, tahun: 1985 });
  assert.deepEqual(urai("7/8/1985"), { hari: 7, bulan: 8, tahun: 1985 });
  assert.deepEqual(urai("1985-08-17"), { hari: 17, bulan: 8, tahun: 1985 });
  assert.equal(urai("31-02-2020"), null);
  assert.equal(urai("08-17-1985"), null); // month 17: the US order is refused, not guessed
  assert.equal(urai("1708"), null);
});

test("the age is said in years, months or days", () => {
  const hari = new Date(2026, 11, 1); // 1 December 2026
  assert.equal(umur({ hari: 17, bulan: 8, tahun: 1985 }, hari), "41 tahun");
  assert.equal(umur({ hari: 2, bulan: 12, tahun: 1985 }, hari), "40 tahun");
  assert.equal(umur({ hari: 15, bulan: 4, tahun: 2026 }, hari), "7 bulan");
  assert.equal(umur({ hari: 20, bulan: 11, tahun: 2026 }, hari), "11 hari");
  assert.equal(umur({ hari: 2, bulan: 12, tahun: 2026 }, hari), null);
});

test("the hint under the field follows the typing", () => {
  const hari = new Date(2026, 11, 1);
  assert.equal(keterangan("", hari), "");
  assert.equal(keterangan("17-08", hari), "ketik HHBBTTTT, mis. 17081985");
  assert.equal(keterangan("17-08-1985", hari), "umur 41 tahun");
  assert.equal(keterangan("31-02-1985", hari), "tanggal tidak ada");
  assert.equal(keterangan("01-01-2030", hari), "tanggal di masa depan");
  assert.equal(keterangan("01-12-2026", hari, false), ""); // a report date: no age
  assert.equal(keterangan("31-11-2026", hari, false), "tanggal tidak ada");
});

test("a moment is typed as digits too: 170819851430 → 17-08-1985 14.30", () => {
  assert.equal(rapikanWaktu("17081985"), "17-08-1985");
  assert.equal(rapikanWaktu("1708198514"), "17-08-1985 14");
  assert.equal(rapikanWaktu("170819851430"), "17-08-1985 14.30");
  assert.equal(rapikanWaktu("17-08-1985 14.30"), "17-08-1985 14.30");
});
