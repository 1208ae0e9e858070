// The officer's choice on the live BPJS eligibility answer (bpjs_bridge/_kepesertaan.html):
// "Ubah ke umum" / "Tetap BPJS" set the visit form's payer; nothing is sent until Simpan.
// Loaded by each render of the patient panel, so it binds once, on the document.
(function () {
  if (window.bpjsKepesertaan) return;
  window.bpjsKepesertaan = true;
  const TEKS = {
    umum: "Penjamin diubah ke umum untuk kunjungan ini.",
    bpjs: "Tetap BPJS: kunjungan didaftarkan, masalah kepesertaan muncul di worklist BPJS.",
  };
  // The loket server itself unreachable (offline): stop saying "memeriksa"; the last known
  // status with its date stays on screen.
  function luring(e) {
    const el = e.detail && e.detail.elt;
    if (!el || el.id !== "bpjs-kepesertaan") return;
    el.dataset.keadaan = "luring";
    const judul = el.querySelector("[data-judul]");
    if (judul) judul.textContent = "Server tidak terjangkau";
  }
  document.addEventListener("htmx:sendError", luring);
  document.addEventListener("htmx:responseError", luring);
  document.addEventListener("click", function (e) {
    const tombol = e.target.closest("[data-penjamin-pilih]");
    if (!tombol) return;
    const nilai = tombol.dataset.penjaminPilih;
    const radio = document.querySelector('input[name="penjamin"][value="' + nilai + '"]');
    if (!radio) return;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    const wadah = tombol.closest(".bpjs-kepesertaan");
    wadah.dataset.dipilih = nilai;
    const teks = wadah.querySelector("[data-pilihan-teks]");
    if (teks) teks.textContent = TEKS[nilai];
  });
})();
