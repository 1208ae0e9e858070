import assert from "node:assert/strict";
import { test } from "node:test";

import { lengkap, urutanKlip } from "./suara.mjs";

test("a call is the phrase, the code letter by letter and in words, then the unit", () => {
  assert.deepEqual(urutanKlip("A-012", 7), [
    "frasa:nomor_antrean", "huruf:A", "kata:dua", "kata:belas", "frasa:silakan_menuju", "unit:7",
  ]);
  assert.deepEqual(urutanKlip("KB-501", 3), [
    "frasa:nomor_antrean", "huruf:K", "huruf:B", "kata:lima", "kata:ratus", "kata:satu",
    "frasa:silakan_menuju", "unit:3",
  ]);
  assert.deepEqual(urutanKlip("A-100", 1).slice(1, 3), ["huruf:A", "kata:seratus"]);
});

test("a call with any clip missing is not played half", () => {
  const daftar = { "frasa:nomor_antrean": "/a", "huruf:A": "/b", "kata:satu": "/c", "frasa:silakan_menuju": "/d" };
  assert.equal(lengkap(urutanKlip("A-001", 9), daftar), false);
  assert.equal(lengkap(urutanKlip("A-001", 9), { ...daftar, "unit:9": "/e" }), true);
});
