// The browser's name rules against the vectors the Python tests use (tests/data/nama_vektor.json):
// a change to pendaftaran/nama.py or dedupe.mirip without the port fails here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { urai, banding, mirip, alamatMirip, jarak, hubunganTanggal, kandidatDi } from "../../static/js/offline/nama.js";

const V = JSON.parse(readFileSync(new URL("../data/nama_vektor.json", import.meta.url), "utf8"));

test("names are reduced to the same canonical tokens as on the server", () => {
  for (const k of V.kanonik) assert.deepEqual(urai(k.nama).inti, k.inti, k.nama);
  for (const k of V.urutan) assert.equal(urai(k.nama).urutan, k.urutan, k.nama);
});

test("two names are the same name or not, by kind of variant, as on the server", () => {
  for (const k of V.nama) {
    const b = banding(k.a, k.b);
    assert.deepEqual([b.sama, b.penuh], [k.sama, k.penuh], `${k.jenis}: ${k.a} / ${k.b}`);
    assert.equal(banding(k.b, k.a).sama, k.sama, `${k.b} / ${k.a}`);
  }
});

test("addresses are similar as on the server", () => {
  for (const k of V.alamat) assert.equal(alamatMirip(k.a, k.b), k.mirip, `${k.a} ~ ${k.b}`);
});

test("the same-person rule gives the server's answer for every patient pair", () => {
  for (const k of V.pasien) {
    const c = mirip(k.baru, k.lama);
    assert.equal(c ? c.alasan : null, k.alasan, k.jenis);
  }
});

test("dates one slip apart and edit distance", () => {
  assert.equal(hubunganTanggal("1985-03-12", "1985-12-03"), "tertukar");
  assert.equal(hubunganTanggal("1990-03-12", "1990-03-13"), "selisih");
  assert.equal(hubunganTanggal("1990-03-12", "1991-04-13"), "");
  assert.equal(jarak("HANDAYANI", "HANADYANI"), 1);
});

test("local candidates come closest first and twins are not offered", () => {
  const lokal = [
    { nama: "Dewi Sari", tanggal_lahir: "1990-05-17", jenis_kelamin: "P" },
    { nama: "Dewi Kartika Sari", tanggal_lahir: "1990-05-17", jenis_kelamin: "P" },
    { nama: "Dewi Kartika", tanggal_lahir: "1990-05-17", jenis_kelamin: "P" },
    { nama: "Dewi Kartika Sari", tanggal_lahir: "1990-05-17", jenis_kelamin: "L" },
  ];
  const k = kandidatDi(lokal, { nama: "Dewi Kartika Sari", tanggal_lahir: "1990-05-17", jenis_kelamin: "P" });
  // Equal scores keep the local order (a stable sort).
  assert.deepEqual(k.map((x) => x.pasien.nama), ["Dewi Kartika Sari", "Dewi Sari", "Dewi Kartika"]);
  const kembar = kandidatDi([{ nama: "Hasan Basri", tanggal_lahir: "2020-06-01", jenis_kelamin: "L" }],
    { nama: "Husin Basri", tanggal_lahir: "2020-06-01", jenis_kelamin: "L" });
  assert.equal(kembar.length, 0);
});
