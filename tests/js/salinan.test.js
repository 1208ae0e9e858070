// The offline copy of returning patients (static/js/offline/salinan.js) with an in-memory store
// and a fake server that pages and hashes as pendaftaran/salinan.py does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { sidik, buatSalinan, cariGabung } from "../../static/js/offline/salinan.js";
import { buatPasienLokal } from "../../static/js/offline/pasien_lokal.js";
import { storeMemori } from "../../static/js/offline/outbox.js";

const GARAM = "garamuji";
const h = (angka) => (angka ? createHash("sha256").update(`${GARAM}:${angka}`).digest("hex").slice(0, 20) : "");

function storeSalinanMemori() {
  const pasien = new Map();
  let m;
  return {
    async semuaPasien() { return [...pasien.values()].map((r) => structuredClone(r)); },
    async simpanBanyak(d) { for (const r of d) pasien.set(r.id, structuredClone(r)); },
    async meta() { return m && structuredClone(m); },
    async simpanMeta(x) { m = structuredClone(x); },
    async kosongkan() { pasien.clear(); m = undefined; },
    get n() { return pasien.size; },
  };
}

function server(pasien, halaman = 2) {
  const diminta = [];
  return {
    diminta,
    async ambil(url) {
      const q = new URL(url, "http://x").searchParams;
      diminta.push(Object.fromEntries(q));
      const setelah = Number(q.get("setelah") || 0);
      const sejak = q.get("sejak");
      const calon = pasien.filter((p) => p.id > setelah && (!sejak || p.diubah > sejak)).sort((a, b) => a.id - b.id);
      const isi = calon.slice(0, halaman).map((p) => ({
        id: p.id, no_rm: p.no_rm, nama: p.nama, tanggal_lahir: p.tanggal_lahir, jenis_kelamin: p.jenis_kelamin,
        h_nik: h(p.nik), h_nik_ibu: h(p.nik_ibu), h_bpjs: h(p.no_bpjs), nik4: (p.nik || "").slice(-4), bpjs4: (p.no_bpjs || "").slice(-4),
      }));
      return { garam: GARAM, pasien: isi, setelah: calon.length > halaman ? isi[isi.length - 1].id : null, waktu: "2026-12-01T10:00:00Z" };
    },
  };
}

const PASIEN = [
  { id: 1, no_rm: "000001", nama: "Siti Aminah", tanggal_lahir: "1980-03-12", jenis_kelamin: "P", nik: "3204105203800001", no_bpjs: "0001234567890", diubah: "1" },
  { id: 2, no_rm: "000002", nama: "Bayi Ny. Siti", tanggal_lahir: "2026-11-20", jenis_kelamin: "L", nik_ibu: "3204105203800001", diubah: "1" },
  { id: 3, no_rm: "000003", nama: "Joko Santoso", tanggal_lahir: "1992-11-02", jenis_kelamin: "L", diubah: "1" },
  { id: 4, no_rm: "000004", nama: "I Made Sudarsana", tanggal_lahir: "1975-08-17", jenis_kelamin: "L", diubah: "1" },
  { id: 5, no_rm: "000005", nama: "Dewi Kartika Sari", tanggal_lahir: "1990-05-17", jenis_kelamin: "P", diubah: "1" },
];

test("the hash is the server's (pendaftaran.salinan.sidik)", async () => {
  assert.equal(await sidik("garamuji", "3204105203800001"), "bd56cddb7fe12ab00871");
});

test("a full load pages through everything and keeps no identifier in clear", async () => {
  const st = storeSalinanMemori(), srv = server(PASIEN);
  const s = buatSalinan(st, { ambil: srv.ambil });
  const r = await s.segarkan();
  assert.equal(r.jumlah, 5);
  assert.equal(srv.diminta.length, 3); // pages of two
  const semua = JSON.stringify(await st.semuaPasien());
  assert.ok(!semua.includes("3204105203800001") && !semua.includes("0001234567890"));
  assert.ok(!semua.includes("alamat"));
});

test("every identifier finds the returning patient", async () => {
  const s = buatSalinan(storeSalinanMemori(), { ambil: server(PASIEN).ambil });
  await s.segarkan();
  const id = async (q) => (await s.cari(q)).map(({ r }) => r.id);
  assert.deepEqual(await id("3204 1052 0380 0001"), [1, 2]); // her NIK, and her baby's NIK ibu
  assert.deepEqual(await id("0001234567890"), [1]);
  assert.deepEqual(await id("4"), [4]);
  assert.deepEqual(await id("000004"), [4]);
  assert.deepEqual(await id("made sudar"), [4]);
  assert.deepEqual(await id("dewi 17-05-1990"), [5]);
  assert.deepEqual(await id("9999999999999999"), []);
});

test("a refresh after the first asks only for what changed since", async () => {
  let t = 0;
  const pasien = PASIEN.map((p) => ({ ...p }));
  const st = storeSalinanMemori(), srv = server(pasien, 10);
  const s = buatSalinan(st, { ambil: srv.ambil, sekarang: () => t });
  await s.segarkan();
  t = 5 * 60 * 1000;
  assert.deepEqual(await s.segarkan(), { dilewati: true }); // too soon
  t = 11 * 60 * 1000;
  pasien.push({ id: 6, no_rm: "000006", nama: "Nur Aini", tanggal_lahir: "2001-01-01", jenis_kelamin: "P", diubah: "2026-12-01T10:05:00Z" });
  const r = await s.segarkan();
  assert.equal(r.inkremental, true);
  assert.equal(srv.diminta.at(-1).sejak, "2026-12-01T10:00:00Z");
  assert.equal(r.jumlah, 1);
  assert.equal(st.n, 6);
});

test("the loket search merges both copies and a hit can be opened from the recent copy", async () => {
  const s = buatSalinan(storeSalinanMemori(), { ambil: server(PASIEN).ambil });
  await s.segarkan();
  const lokal = buatPasienLokal(storeMemori());
  const hasil = await cariGabung(lokal, s, "3204105203800001");
  assert.deepEqual(hasil.map((p) => p.id), [1, 2]);
  assert.equal(hasil[0].nik, "3204105203800001"); // typed just now, so known
  assert.equal(hasil[1].nik_ibu, "3204105203800001");
  assert.equal((await lokal.ambil("id:1")).nama, "Siti Aminah");
  const nama = await cariGabung(lokal, s, "joko");
  assert.equal(nama[0].nik, "");
  await s.kosongkan();
  assert.equal(await s.jumlah(), 0);
});
