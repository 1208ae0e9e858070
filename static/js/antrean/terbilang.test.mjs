import assert from "node:assert/strict";
import { test } from "node:test";

import { ejaKode, kalimatPanggilan, terbilang } from "./terbilang.mjs";

test("numbers read the Indonesian way", () => {
  const kasus = {
    0: "nol", 1: "satu", 9: "sembilan", 10: "sepuluh", 11: "sebelas", 12: "dua belas",
    19: "sembilan belas", 20: "dua puluh", 21: "dua puluh satu", 99: "sembilan puluh sembilan",
    100: "seratus", 101: "seratus satu", 110: "seratus sepuluh", 111: "seratus sebelas",
    115: "seratus lima belas", 200: "dua ratus", 999: "sembilan ratus sembilan puluh sembilan",
    1000: "seribu", 1001: "seribu satu", 1100: "seribu seratus", 2000: "dua ribu",
    12345: "dua belas ribu tiga ratus empat puluh lima", 100000: "seratus ribu",
    1000000: "satu juta", 2000001: "dua juta satu",
  };
  for (const [n, kata] of Object.entries(kasus)) assert.equal(terbilang(Number(n)), kata, n);
});

test("out-of-range input is refused, not misread", () => {
  assert.throws(() => terbilang(-1), RangeError);
  assert.throws(() => terbilang(1.5), RangeError);
});

test("queue codes drop leading zeros and spell the prefix", () => {
  assert.equal(ejaKode("A-012"), "A dua belas");
  assert.equal(ejaKode("K-001"), "K satu");
  assert.equal(ejaKode("b-100"), "B seratus");
  assert.equal(ejaKode("AB-007"), "A B tujuh");
  assert.equal(ejaKode("015"), "lima belas");
});

test("the announcement sentence names the number and the room", () => {
  assert.equal(
    kalimatPanggilan("A-012", "Poli Umum"),
    "Nomor antrean A dua belas, silakan menuju Poli Umum",
  );
});
