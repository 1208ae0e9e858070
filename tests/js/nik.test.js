import { test } from "node:test";
import assert from "node:assert/strict";
import { urai, tanggalTeks, validasiPasien, validasiKunjungan, validBpjs, NikTidakValid, bersihkan } from "../../static/js/offline/nik.js";

// Expected messages are copied from pendaftaran/nik.py + validasi.py output for the same input.
const galatNik = (n) => { try { urai(n); return null; } catch (e) { assert.ok(e instanceof NikTidakValid); return e.message; } };

test("a woman's NIK carries her birth day + 40", () => {
  const i = urai("3204 1052 0380 0001");
  assert.deepEqual([i.hari, i.bulan, i.tahun_2digit, i.jenis_kelamin, i.kode_wilayah], [12, 3, 80, "P", "3204"]);
  assert.equal(tanggalTeks(i), "12 Mar ..80");
});

test("malformed NIKs get the server's messages", () => {
  assert.equal(galatNik("32041052038000"), "NIK harus 16 digit angka (terisi 14 karakter).");
  assert.equal(galatNik("320410290201000A"), "NIK harus 16 digit angka (terisi 16 karakter).");
  assert.equal(galatNik("²".repeat(16)), "NIK harus 16 digit angka (terisi 16 karakter).");
  assert.equal(galatNik("3204105203800000"), "Nomor urut NIK (4 digit terakhir) tidak boleh 0000.");
  assert.equal(galatNik("9904105203800001"), "Kode provinsi/kabupaten NIK (99.04) tidak dikenal. Periksa 4 digit pertama.");
  assert.equal(galatNik("3200105203800001"), "Kode provinsi/kabupaten NIK (32.00) tidak dikenal. Periksa 4 digit pertama.");
  assert.equal(galatNik("3204103202800001"), "Bagian tanggal lahir pada NIK (digit 7–12) bukan tanggal yang ada.");
  assert.equal(galatNik("3204108002800001"), "Bagian tanggal lahir pada NIK (digit 7–12) bukan tanggal yang ada.");
});

test("province list includes the new provinces (65 Kaltara, 92-97 Papua) and Kepri 21", () => {
  for (const p of ["65", "92", "97", "21", "11", "36"]) assert.equal(galatNik(`${p}01105203800001`), null, p);
  for (const p of ["10", "20", "22", "37", "50", "66", "77", "83", "98"]) assert.notEqual(galatNik(`${p}01105203800001`), null, p);
});

test("stdnum's date quirks are mirrored: 29 Feb 00 is valid (2000), day code 81 passes", () => {
  assert.equal(urai("3204102902000001").hari, 29);
  assert.equal(urai("3204108102800001").hari, 41);
});

test("a NIK that disagrees with the typed birth date and sex gets both messages, and the rest", () => {
  const g = validasiPasien({ nama: "Siti", tanggal_lahir: "1980-03-13", jenis_kelamin: "L", nik: "3204105203800001",
    nik_ibu: "3204101203800001", no_bpjs: "123", no_hp: "0812" }, { hariIni: { tahun: 2026, bulan: 3, hari: 3 } });
  assert.deepEqual(g, {
    nik: ["NIK menunjukkan lahir 12 Mar ..80, tetapi tanggal lahir diisi 13-03-1980. Periksa NIK atau tanggal lahir.",
      "NIK menunjukkan jenis kelamin perempuan (perempuan: tanggal + 40), tetapi jenis kelamin diisi laki-laki."],
    nik_ibu: ["NIK ibu harus NIK perempuan (tanggal lahir + 40)."],
    no_bpjs: ["Nomor kartu BPJS harus 13 digit angka (terisi 3)."],
    no_hp: ["No. HP harus 8–15 digit angka, mis. 081234567890."],
  });
});

test("a valid new patient passes; the phone's +62 becomes 0", () => {
  assert.deepEqual(validasiPasien({ nama: " Siti  Aminah ", tanggal_lahir: "12-03-1980", jenis_kelamin: "p",
    nik: "3204105203800001", no_bpjs: "0001234567890", no_hp: "+6281234567890" }, { hariIni: { tahun: 2026, bulan: 3, hari: 3 } }), {});
  assert.equal(bersihkan("3204-1052.0380 0001"), "3204105203800001");
});

test("required fields, future and too-old birth dates, name without letters", () => {
  const hariIni = { tahun: 2026, bulan: 3, hari: 3 };
  assert.deepEqual(validasiPasien({}, { hariIni }), {
    nama: ["Nama wajib diisi."], jenis_kelamin: ["Jenis kelamin wajib dipilih: L atau P."],
    tanggal_lahir: ["Tanggal lahir wajib diisi."] });
  assert.deepEqual(validasiPasien({ nama: "123", jenis_kelamin: "L", tanggal_lahir: "2026-03-04" }, { hariIni }),
    { nama: ["Nama harus berisi huruf."], tanggal_lahir: ["Tanggal lahir tidak boleh di masa depan."] });
  assert.deepEqual(validasiPasien({ nama: "Mbah", jenis_kelamin: "L", tanggal_lahir: "1890-01-01" }, { hariIni }),
    { tanggal_lahir: ["Tanggal lahir lebih dari 130 tahun lalu."] });
  assert.deepEqual(validasiPasien({ nama: "X", jenis_kelamin: "L", tanggal_lahir: "31-02-1990" }, { hariIni }),
    { tanggal_lahir: ["Tanggal lahir tidak valid; tulis mis. 17-08-1985."] });
  // The mother's NIK equal to the patient's, and a male "mother".
  const g = validasiPasien({ nama: "Bayi", jenis_kelamin: "P", tanggal_lahir: "1980-03-12", nik: "3204105203800001",
    nik_ibu: "3204105203800001" }, { hariIni });
  assert.deepEqual(g.nik_ibu, ["NIK ibu sama dengan NIK pasien; kosongkan salah satu."]);
});

test("BPJS card: 13 digits, leading zeros kept", () => {
  assert.equal(validBpjs("0001 2345 67890"), "0001234567890");
  assert.throws(() => validBpjs("12345678901234"), /13 digit angka \(terisi 14\)/);
});

test("visit checks: BPJS without a card or NIK, a man marked pregnant", () => {
  assert.deepEqual(validasiKunjungan({ penjamin: "bpjs", hamil: true }, { jenisKelamin: "L", noBpjs: "" }), {
    penjamin: ["Pasien belum punya No. kartu BPJS maupun NIK. Isi salah satunya di data pasien atau pilih umum."],
    hamil: ["Pasien laki-laki tidak dapat ditandai hamil."] });
  // Card lost, NIK known: allowed, BPJS is asked by NIK.
  assert.deepEqual(validasiKunjungan({ penjamin: "bpjs" }, { jenisKelamin: "L", noBpjs: "", nik: "3171234567890003" }), {});
  assert.deepEqual(validasiKunjungan({ penjamin: "" }, { jenisKelamin: "P" }), { penjamin: ["Penjamin wajib dipilih: BPJS atau umum."] });
});
