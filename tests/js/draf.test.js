import { test } from "node:test";
import assert from "node:assert/strict";
import { ambil, berubah, hapusSemua } from "../../static/js/draf.js";

test("a draft keeps what was typed, never the CSRF token or the visit's id", () => {
  const data = ambil([
    ["csrfmiddlewaretoken", "rahasia"], ["client_uuid", "u-1"], ["nama", "Dewi"],
    ["jenis_kelamin", "P"], ["bendera", "hamil"], ["bendera", "darurat"],
  ]);
  assert.deepEqual(data, { nama: "Dewi", jenis_kelamin: "P", bendera: ["hamil", "darurat"] });
});

test("only a change from what the page started with counts as typed", () => {
  assert.equal(berubah({ nama: "Dewi", nik: "" }, { nama: "Dewi", nik: "" }), false);
  assert.equal(berubah({ nama: "Dewi" }, { nama: "Dewi", nik: "" }), false);
  assert.equal(berubah({ nama: "Dewi" }, { nama: "Dewi L" }), true);
  assert.equal(berubah({}, { jenis_kelamin: "P" }), true);
});

test("logout removes every draft and nothing else", () => {
  const isi = new Map([["draf:pasien-baru", "{}"], ["draf:lain", "{}"], ["lain", "x"]]);
  const storage = {
    get length() { return isi.size; },
    key: (i) => [...isi.keys()][i],
    removeItem: (k) => isi.delete(k),
  };
  assert.equal(hapusSemua(storage), 2);
  assert.deepEqual([...isi.keys()], ["lain"]);
});
