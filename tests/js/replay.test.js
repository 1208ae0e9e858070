import { test } from "node:test";
import assert from "node:assert/strict";
import { buatOutbox, storeMemori, urutkan } from "../../static/js/offline/outbox.js";
import { kirimSemua, ReplayBerhenti, pesanHasil } from "../../static/js/offline/replay.js";

// A fake /api/v1/replay with the server's contract: idempotent on client_uuid (a repeat is
// answered `ulang: true`, nothing new is created), outcomes chosen per entry by `nasib`.
function serverPalsu({ nasib = () => "dibuat", putusSetelah = Infinity, hilangkanJawaban = false } = {}) {
  const dibuat = new Map(); // client_uuid -> result
  const batch = [];
  let panggilan = 0;
  async function fetch(url, opsi) {
    panggilan += 1;
    const body = JSON.parse(opsi.body);
    batch.push(body);
    if (panggilan > putusSetelah) throw new TypeError("Failed to fetch");
    const hasil = body.entri.map((e) => {
      if (dibuat.has(e.client_uuid)) return { ...dibuat.get(e.client_uuid), ulang: true };
      const status = nasib(e);
      const h = { client_uuid: e.client_uuid, status, ulang: false, tiket: { kode: `A-${e.nomor_antrean}` } };
      if (status !== "gagal_sementara") dibuat.set(e.client_uuid, h);
      return h;
    });
    if (hilangkanJawaban && panggilan === 1) throw new TypeError("connection reset"); // stored, answer lost
    return { ok: true, status: 200, json: async () => ({ selesai: true, hasil }) };
  }
  return { fetch, dibuat, batch, get panggilan() { return panggilan; } };
}

async function isi(outbox, n, mulai = Date.parse("2026-03-03T08:00:00+07:00")) {
  for (let i = 0; i < n; i++) {
    const t = new Date(mulai + i * 60000).toISOString();
    await outbox.tambah({ client_uuid: `u${i}`, loket: "L1", petugas: "loket1", dibuat_klien: t,
      payload: { client_uuid: `u${i}`, dibuat_klien: t, nomor_antrean: 31 + i } });
  }
}

const jam = () => "2026-03-03T09:40:00+07:00";

test("outbox lists entries in the order patients came, not the order they were stored", async () => {
  let seq = 0;
  const ob = buatOutbox(storeMemori(), { sekarang: () => ++seq });
  await ob.tambah({ client_uuid: "b", dibuat_klien: "2026-03-03T08:05:00+07:00", payload: {} });
  await ob.tambah({ client_uuid: "a", dibuat_klien: "2026-03-03T08:01:00+07:00", payload: {} });
  await ob.tambah({ client_uuid: "c", dibuat_klien: "2026-03-03T08:05:00+07:00", payload: {} });
  await ob.tambah({ client_uuid: "a", dibuat_klien: "2026-03-03T09:00:00+07:00", payload: {} }); // double Enter
  assert.deepEqual((await ob.daftar()).map((e) => e.client_uuid), ["a", "b", "c"]);
  assert.equal(await ob.jumlah(), 3);
  // Offsets are compared as instants: 08:30+08:00 is before 08:00+07:00.
  assert.deepEqual(urutkan([{ dibuat_klien: "2026-03-03T08:00:00+07:00", seq: 1 }, { dibuat_klien: "2026-03-03T08:30:00+08:00", seq: 2 }]).map((e) => e.seq), [2, 1]);
});

test("every entry reaches the server once, in order, with the batch metadata, and the outbox empties", async () => {
  const ob = buatOutbox(storeMemori());
  await isi(ob, 7);
  const srv = serverPalsu();
  const kemajuan = [];
  const r = await kirimSemua({ outbox: ob, fetch: srv.fetch, sekarangIso: jam, ukuranBatch: 3,
    meta: { loket: "L1", jenis: "server", offline_sejak: "2026-03-03T07:59:00+07:00" }, onProgress: (n, N) => kemajuan.push(`${n}/${N}`) });
  assert.equal(r.terkirim, 7);
  assert.deepEqual(kemajuan, ["0/7", "3/7", "6/7", "7/7"]);
  assert.equal(await ob.jumlah(), 0);
  assert.equal(srv.dibuat.size, 7);
  assert.deepEqual(srv.batch.flatMap((b) => b.entri.map((e) => e.client_uuid)), ["u0", "u1", "u2", "u3", "u4", "u5", "u6"]);
  assert.deepEqual([srv.batch[0].offline_sejak, srv.batch[0].online_kembali, srv.batch[0].jenis, srv.batch[0].jumlah_offline, srv.batch[0].loket],
    ["2026-03-03T07:59:00+07:00", "2026-03-03T09:40:00+07:00", "server", 7, "L1"]);
});

test("a network failure half-way keeps the unsent entries; the resumed replay creates no duplicates", async () => {
  const ob = buatOutbox(storeMemori());
  await isi(ob, 10);
  const srv = serverPalsu({ putusSetelah: 2 });
  await assert.rejects(kirimSemua({ outbox: ob, fetch: srv.fetch, sekarangIso: jam, ukuranBatch: 3 }),
    (e) => e instanceof ReplayBerhenti && e.alasan === "jaringan");
  assert.equal(await ob.jumlah(), 4); // two batches of 3 confirmed and cleared
  assert.deepEqual((await ob.daftar()).map((e) => e.client_uuid), ["u6", "u7", "u8", "u9"]);
  // Back again.
  const srv2 = { ...srv };
  const lanjut = serverPalsu();
  for (const [k, v] of srv.dibuat) lanjut.dibuat.set(k, v);
  const r = await kirimSemua({ outbox: ob, fetch: lanjut.fetch, sekarangIso: jam, ukuranBatch: 3 });
  assert.equal(r.total, 4);
  assert.equal(lanjut.dibuat.size, 10);
  assert.equal(await ob.jumlah(), 0);
  assert.ok(srv2);
});

test("an answer lost after the server stored the batch: resending is answered as a repeat, nothing twice", async () => {
  const ob = buatOutbox(storeMemori());
  await isi(ob, 4);
  const srv = serverPalsu({ hilangkanJawaban: true });
  await assert.rejects(kirimSemua({ outbox: ob, fetch: srv.fetch, sekarangIso: jam }));
  assert.equal(await ob.jumlah(), 4); // nothing cleared without a confirmation
  const hasil = [];
  await kirimSemua({ outbox: ob, fetch: srv.fetch, sekarangIso: jam, simpanHasil: async (e, h) => hasil.push(h) });
  assert.equal(srv.dibuat.size, 4);
  assert.ok(hasil.every((h) => h.ulang === true));
  assert.equal(await ob.jumlah(), 0);
});

test("only final statuses clear an entry: gagal_sementara and unanswered entries stay", async () => {
  const ob = buatOutbox(storeMemori());
  await isi(ob, 6);
  const nasib = { u0: "dibuat", u1: "dilampirkan", u2: "duplikat", u3: "ditinjau", u4: "ditolak", u5: "gagal_sementara" };
  const srv = serverPalsu({ nasib: (e) => nasib[e.client_uuid] });
  const r = await kirimSemua({ outbox: ob, fetch: srv.fetch, sekarangIso: jam });
  assert.equal(r.terkirim, 5);
  const sisa = await ob.daftar();
  assert.deepEqual(sisa.map((e) => [e.client_uuid, e.status, e.percobaan]), [["u5", "gagal_sementara", 1]]);
  // An answer that leaves an entry out keeps it too.
  const tanpaJawaban = async () => ({ ok: true, status: 200, json: async () => ({ hasil: [] }) });
  await kirimSemua({ outbox: ob, fetch: tanpaJawaban, sekarangIso: jam });
  assert.equal(await ob.jumlah(), 1);
});

test("session gone (401/403) and 5xx stop the replay with everything kept; a 4xx batch is held for a person", async () => {
  for (const [status, alasan] of [[401, "sesi"], [403, "sesi"], [503, "jaringan"]]) {
    const ob = buatOutbox(storeMemori());
    await isi(ob, 2);
    const f = async () => ({ ok: false, status, json: async () => ({}) });
    await assert.rejects(kirimSemua({ outbox: ob, fetch: f, sekarangIso: jam }), (e) => e.alasan === alasan);
    assert.equal(await ob.jumlah(), 2);
    assert.ok((await ob.daftar()).every((e) => e.status === "menunggu"));
  }
  const ob = buatOutbox(storeMemori());
  await isi(ob, 2);
  const f = async () => ({ ok: false, status: 422, json: async () => ({ pesan: "Data tidak valid." }) });
  await assert.rejects(kirimSemua({ outbox: ob, fetch: f, sekarangIso: jam }), (e) => e.alasan === "ditolak_batch");
  assert.deepEqual((await ob.daftar()).map((e) => e.status), ["ditahan", "ditahan"]);
  assert.deepEqual(await ob.siapKirim(), []); // not resent in a loop
});

test("outcomes that need the officer are spelled out", () => {
  assert.match(pesanHasil({ status: "duplikat", duplikat_dari: { tiket: { kode: "A-031" }, loket: { kode: "L1" } } }), /panggil dengan nomor A-031/);
  assert.match(pesanHasil({ status: "ditinjau", alasan: "konflik_nik", tiket: { kode: "A-040" } }), /ditinjau admin \(NIK/);
  assert.match(pesanHasil({ status: "ditolak", galat: { nik: ["NIK harus 16 digit"] } }), /nik: NIK harus 16 digit/);
  assert.equal(pesanHasil({ status: "dibuat", nomor_baru: true, tiket: { kode: "A-051" } }), "Nomor berubah menjadi A-051.");
  assert.equal(pesanHasil({ status: "dibuat", nomor_baru: false, tiket: { kode: "A-031" } }), "");
});
