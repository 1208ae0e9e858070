// The few IndexedDB calls the outbox needs, on the browser's own API: no library to load, so
// the offline mode cannot fail because a script arrived late or not at all on a slow link
// (issue 9). Same surface as the subset of `idb` that outbox.js uses: openDB(name, version,
// {upgrade}) → {getAll, get, put, delete, clear, count}, each returning a promise.

function janji(req) {
  return new Promise((ok, gagal) => {
    req.onsuccess = () => ok(req.result);
    req.onerror = () => gagal(req.error);
  });
}

function bungkus(db) {
  const op = (nama, mode, f) => {
    const tx = db.transaction(nama, mode);
    const hasil = janji(f(tx.objectStore(nama)));
    // A write counts only once its transaction committed (survives a crash right after).
    if (mode === "readonly") return hasil;
    return Promise.all([hasil, new Promise((ok, gagal) => {
      tx.oncomplete = () => ok();
      tx.onerror = () => gagal(tx.error);
      tx.onabort = () => gagal(tx.error || new Error("transaksi IndexedDB dibatalkan"));
    })]).then(([h]) => h);
  };
  return {
    objectStoreNames: db.objectStoreNames,
    getAll: (n) => op(n, "readonly", (s) => s.getAll()),
    get: (n, k) => op(n, "readonly", (s) => s.get(k)),
    put: (n, v) => op(n, "readwrite", (s) => s.put(v)),
    delete: (n, k) => op(n, "readwrite", (s) => s.delete(k)),
    clear: (n) => op(n, "readwrite", (s) => s.clear()),
    count: (n) => op(n, "readonly", (s) => s.count()),
    /** Many writes in one transaction (idb's shape: {store, done}). */
    transaction(n, mode = "readonly") {
      const tx = db.transaction(n, mode);
      const done = new Promise((ok, gagal) => {
        tx.oncomplete = () => ok();
        tx.onerror = () => gagal(tx.error);
        tx.onabort = () => gagal(tx.error || new Error("transaksi IndexedDB dibatalkan"));
      });
      return { store: tx.objectStore(n), done };
    },
    close: () => db.close(),
  };
}

export function openDB(nama, versi, { upgrade } = {}, { indexedDB = globalThis.indexedDB } = {}) {
  return new Promise((ok, gagal) => {
    if (!indexedDB) { gagal(new Error("IndexedDB tidak tersedia")); return; }
    const req = indexedDB.open(nama, versi);
    req.onupgradeneeded = (e) => { if (upgrade) upgrade(req.result, e.oldVersion, e.newVersion, req.transaction); };
    req.onsuccess = () => {
      const db = req.result;
      // Another tab upgraded the schema: let it, this tab reloads its connection next time.
      db.onversionchange = () => db.close();
      ok(bungkus(db));
    };
    req.onerror = () => gagal(req.error);
    req.onblocked = () => { /* an older tab holds it; onsuccess follows once it closes */ };
  });
}

/** openDB with a few retries: a transient failure at page load must not disable offline mode. */
export async function bukaDenganUlang(buka, { kali = 4, jeda = (i) => 250 * 2 ** i, tidur = (ms) => new Promise((r) => setTimeout(r, ms)) } = {}) {
  let galat;
  for (let i = 0; i < kali; i++) {
    try { return await buka(); } catch (e) { galat = e; await tidur(jeda(i)); }
  }
  throw galat;
}
