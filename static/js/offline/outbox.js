// The outbox: registrations made while the server was unreachable, kept in IndexedDB until the
// server confirmed each one. Logic works over a small store interface so node tests can use an
// in-memory map; `bukaDb` / `storeIdb` adapt the vendored idb library in the browser.
//
// Entry: {client_uuid, seq, loket, petugas, dibuat_klien, payload, status, percobaan, pesan,
//         ringkas: {nama, kode_tiket, unit_nama, ...} for the list on screen}
// status: "menunggu" (never sent or sent without an answer), "gagal_sementara" (the server said
// so), "ditahan" (a 4xx for the whole batch: a person must look; never deleted silently).

export const NAMA_DB = "loket-luring";
export const VERSI_DB = 2;
// "terbit": every offline number this loket showed to a patient ({kunci: "YYYY-MM-DD|UNIT|n"}).
// Never deleted when its entry leaves the outbox, so a number is never printed twice (issue 9).
export const STORES = ["outbox", "pasien", "blok", "meta", "hasil", "terbit"];
const KUNCI = { outbox: "client_uuid", pasien: "kunci", blok: "unit", meta: "kunci", hasil: "client_uuid", terbit: "kunci" };

/** In-memory store with the same interface as storeIdb (node tests, and a fallback). */
export function storeMemori() {
  const m = new Map();
  return {
    async semua() { return Array.from(m.values()).map((v) => structuredClone(v)); },
    async ambil(k) { return m.has(k) ? structuredClone(m.get(k)) : undefined; },
    async simpan(k, v) { m.set(k, structuredClone(v)); },
    async hapus(k) { m.delete(k); },
    async kosongkan() { m.clear(); },
    async jumlah() { return m.size; },
  };
}

/** Open the database with an idb-like module (idb_asli.js in the page, fakes in tests). */
export function bukaDb(idb) {
  return idb.openDB(NAMA_DB, VERSI_DB, {
    upgrade(db) {
      for (const s of STORES) if (!db.objectStoreNames.contains(s)) db.createObjectStore(s, { keyPath: KUNCI[s] });
    },
  });
}

export function storeIdb(db, nama) {
  return {
    semua: () => db.getAll(nama),
    ambil: (k) => db.get(nama, k),
    simpan: (k, v) => db.put(nama, v),
    hapus: (k) => db.delete(nama, k),
    kosongkan: () => db.clear(nama),
    jumlah: () => db.count(nama),
  };
}

/** Oldest first: the order patients came, which is the order the server must see them. */
export function urutkan(entri) {
  return entri.slice().sort((a, b) =>
    (Date.parse(a.dibuat_klien) - Date.parse(b.dibuat_klien)) || (a.seq - b.seq));
}

export function buatOutbox(store, { sekarang = () => Date.now() } = {}) {
  return {
    /** Store a registration. Same client_uuid twice = the same entry (a double Enter). */
    async tambah(entri) {
      if (!entri.client_uuid) throw new Error("client_uuid wajib");
      const ada = await store.ambil(entri.client_uuid);
      if (ada) return ada;
      const e = { status: "menunggu", percobaan: 0, pesan: "", ...entri, seq: sekarang() };
      await store.simpan(e.client_uuid, e);
      return e;
    },
    async daftar() { return urutkan(await store.semua()); },
    /** Entries that may be sent now (not held for a person). */
    async siapKirim() { return (await this.daftar()).filter((e) => e.status !== "ditahan"); },
    async jumlah() { return store.jumlah(); },
    async ambil(uuid) { return store.ambil(uuid); },
    async tandai(uuid, perubahan) {
      const e = await store.ambil(uuid);
      if (!e) return null;
      const baru = { ...e, ...perubahan };
      await store.simpan(uuid, baru);
      return baru;
    },
    /** Only after the server confirmed the entry (any final status). */
    async hapus(uuid) { await store.hapus(uuid); },
  };
}

/** Local time with its offset, e.g. 2026-03-03T08:14:55+07:00: "the time the officer saw". */
export function waktuLokalIso(d = new Date()) {
  const dua = (n) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  const off = -d.getTimezoneOffset();
  const tanda = off >= 0 ? "+" : "-";
  return `${d.getFullYear()}-${dua(d.getMonth() + 1)}-${dua(d.getDate())}T${dua(d.getHours())}:` +
    `${dua(d.getMinutes())}:${dua(d.getSeconds())}${tanda}${dua(off / 60)}:${dua(off % 60)}`;
}
