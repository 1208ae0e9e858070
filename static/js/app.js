/* Page wiring for the loket and the ticket print page.
 *
 * No inline scripts or on* attributes anywhere (a CSP without 'unsafe-inline' must work), so
 * behaviour hangs off ids and data-* attributes rendered by the templates:
 *   #q                      the search box (htmx fires `cari-sekarang` on it for Enter)
 *   #hasil-list             search results, a listbox walked with ↑/↓ and opened with Enter
 *   #tombol-pasien-baru     F4
 *   [data-form-utama]       the panel's main form: Ctrl+Enter / Alt+S submit it
 *   [data-kembali]          Esc follows the innermost one (cancel form first, then the panel)
 *   [data-cetak]            open the print page in a small window that prints itself (F9)
 *   [data-tombol-cetak]     window.print() on the print page; [data-cetak-otomatis] prints on
 *                           load and closes the window when the loket opened it
 *   #pilihan-unit           unit radios: keeps the save button's label and the override note true
 *   [data-kirim-saat-ganti] a form submitted as soon as its <select> changes (loket switcher)
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  var pilihSetelahHasil = false; // Enter pressed before the results for the typed text arrived

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function sedangMengetik(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  // --- search ------------------------------------------------------------------------------
  function fokusCari() {
    var q = $("#q");
    if (q) { q.focus(); q.select(); }
  }

  function itemHasil() { return $$("#hasil-list [role=option]"); }

  function sorot(index) {
    var items = itemHasil();
    var q = $("#q");
    if (!items.length || !q) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (el, i) { el.setAttribute("aria-selected", i === index ? "true" : "false"); });
    q.setAttribute("aria-activedescendant", items[index].id);
    items[index].scrollIntoView({ block: "nearest" });
  }

  function indexSorot() {
    return itemHasil().findIndex(function (el) { return el.getAttribute("aria-selected") === "true"; });
  }

  function hasilSesuai(q) {
    var list = $("#hasil-list");
    return list && list.dataset.q === q.value.trim();
  }

  function tombolCariDitekan(e) {
    var q = e.target;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!itemHasil().length) return;
      e.preventDefault();
      var i = indexSorot();
      sorot(e.key === "ArrowDown" ? i + 1 : (i < 0 ? 0 : i - 1));
    } else if (e.key === "Enter" && !e.ctrlKey && !e.altKey) {
      e.preventDefault(); // no full-page GET: htmx does the search
      var i2 = indexSorot();
      var items = itemHasil();
      if (hasilSesuai(q) && i2 >= 0) { items[i2].click(); return; }
      if (hasilSesuai(q) && items.length === 1) { items[0].click(); return; }
      // A scanner or a fast typist: search now, open the patient if there is exactly one.
      pilihSetelahHasil = true;
      if (window.htmx) window.htmx.trigger(q, "cari-sekarang");
    }
  }

  function setelahHasil() {
    var q = $("#q");
    if (q) q.removeAttribute("aria-activedescendant");
    var items = itemHasil();
    if (pilihSetelahHasil) {
      pilihSetelahHasil = false;
      if (items.length === 1) { items[0].click(); return; }
    }
    if (items.length) sorot(0);
  }

  // --- forms -------------------------------------------------------------------------------
  function formAktif(target) {
    var f = target && target.closest ? target.closest("form") : null;
    if (f && f.id !== "form-cari" && !f.hasAttribute("data-kirim-saat-ganti")) return f;
    return $("#panel [data-form-utama]");
  }

  function kembali() {
    var aktif = document.activeElement;
    var batal = aktif && aktif.closest ? aktif.closest("[data-form-batal]") : null;
    if (batal) { var k = $("[data-kembali]", batal); if (k) { k.click(); return; } }
    var q = $("#q");
    if (aktif === q && q && q.value) { q.value = ""; $("#hasil").innerHTML = ""; return; }
    var panelKembali = $("#panel [data-kembali]") || $(".cetak__kontrol [data-kembali]");
    if (panelKembali) { panelKembali.click(); return; }
    fokusCari();
  }

  // The save button names the unit and the note tells when the officer left the suggestion:
  // the "confirmation before saving" the field study asks for, without a modal in the way.
  function unitBerubah(radio) {
    var wadah = radio.closest("#pilihan-unit");
    if (!wadah) return;
    var label = $("[data-unit-terpilih]", wadah);
    if (label) label.textContent = radio.dataset.label || "";
    var catatan = $("[data-catatan-ubah]", wadah);
    if (catatan) catatan.hidden = !wadah.dataset.saran || wadah.dataset.saran === radio.value;
  }

  function fokusPanel(panel) {
    var el = $("[aria-invalid=true]", panel) || $("[autofocus]", panel);
    if (el) {
      el.focus();
    } else if (panel.id === "panel" && $(".panel-kosong", panel)) {
      fokusCari();
    }
  }

  function tampilkanGalatKirim(elt, pesan) {
    // Only a form's own request can be "saved again"; background polls (the BPJS and downtime
    // banners) failing is what the offline banner already says.
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (!form || !form.isConnected) return;
    var p = $(".galat-kirim", form);
    if (!p) {
      p = document.createElement("p");
      p.className = "alert alert--error galat-kirim";
      p.setAttribute("role", "alert");
      form.appendChild(p);
    }
    p.textContent = pesan;
  }

  // --- printing ----------------------------------------------------------------------------
  // The ticket prints from a small window that prints itself and closes: the loket page keeps
  // its state, and no framing is needed (the site's CSP has frame-ancestors 'none').
  function cetak(url) {
    var w = window.open(url, "cetak-tiket", "popup,width=420,height=720");
    if (!w) window.location.href = url; // popups blocked: print from this tab instead
  }

  // --- events ------------------------------------------------------------------------------
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.id === "q") tombolCariDitekan(e);
    if (e.defaultPrevented) return;

    if (e.key === "F2" || (e.key === "/" && !sedangMengetik(e.target))) {
      if ($("#q")) { e.preventDefault(); fokusCari(); }
    } else if (e.key === "F4") {
      var baru = $("#tombol-pasien-baru");
      if (baru) { e.preventDefault(); baru.click(); }
    } else if (e.key === "F9") {
      var c = $("#panel [data-cetak]") || $("[data-tombol-cetak]");
      if (c) { e.preventDefault(); c.click(); }
    } else if ((e.key === "Enter" && (e.ctrlKey || e.metaKey)) ||
               (e.altKey && (e.key === "s" || e.key === "S"))) {
      var f = formAktif(e.target);
      if (f) { e.preventDefault(); f.requestSubmit(); }
    } else if (e.key === "Escape") {
      e.preventDefault();
      kembali();
    }
  });

  document.addEventListener("click", function (e) {
    var c = e.target.closest && e.target.closest("[data-cetak]");
    if (c && !e.ctrlKey && !e.metaKey && !e.shiftKey) { e.preventDefault(); cetak(c.href); return; }
    if (e.target.closest && e.target.closest("[data-tombol-cetak]")) window.print();
  });

  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.name === "unit" && t.type === "radio") unitBerubah(t);
    var f = t.closest && t.closest("[data-kirim-saat-ganti]");
    if (f && t.tagName === "SELECT" && t.value) f.requestSubmit();
  });

  function setelahSwap(e) {
    var target = e.detail.target;
    if (!target) return;
    if (target.id === "hasil") { setelahHasil(); return; }
    if (target.id === "panel") {
      // A ticket was issued: this patient is done, the search box is for the next one.
      if ($("#tiket-panel", target) && e.detail.requestConfig && e.detail.requestConfig.verb === "post") {
        var q = $("#q");
        if (q) q.value = "";
        var hasil = $("#hasil");
        if (hasil) hasil.innerHTML = "";
      }
      fokusPanel(target);
    }
    else if (target.closest && target.closest("#hari-ini") && $("[data-form-batal] input", target)) {
      $("[data-form-batal] input", target).focus();
    }
  }
  document.addEventListener("htmx:afterSettle", setelahSwap);
  // Offline mode (static/js/offline/loket_offline.js) renders panels itself: same focus rules.
  document.addEventListener("loket:luring-dirender", setelahSwap);

  // Ctrl+Enter right after ticking a box: the suggestion is still being recomputed, and saving
  // now would send the unit chosen for the old answers. Hold the save until the units settled.
  document.addEventListener("htmx:confirm", function (e) {
    var elt = e.detail.elt;
    if (!elt.classList || !elt.classList.contains("form-kunjungan")) return;
    if (!$("#kondisi.htmx-request, #layanan.htmx-request")) return;
    e.preventDefault();
    var dikirim = false;
    function kirim() {
      if (dikirim) return;
      dikirim = true;
      document.removeEventListener("htmx:afterSettle", setelahUnit);
      document.removeEventListener("htmx:afterRequest", gagal);
      e.detail.issueRequest(true);
    }
    function setelahUnit(ev) { if (ev.detail.target && ev.detail.target.id === "pilihan-unit") kirim(); }
    function gagal(ev) { if (!ev.detail.successful && /^(kondisi|layanan)$/.test(ev.detail.elt.id)) kirim(); }
    document.addEventListener("htmx:afterSettle", setelahUnit);
    document.addEventListener("htmx:afterRequest", gagal); // recompute failed: save what is shown
  });

  // A registration that did not reach the server: say so, and that retrying is safe (the form
  // keeps its client_uuid, the server stores it once).
  document.addEventListener("htmx:sendError", function (e) {
    if (e.detail.luring) return; // offline mode took the request over
    tampilkanGalatKirim(e.detail.elt,
      "Tidak terhubung ke server. Periksa jaringan lalu tekan Simpan lagi — data tidak akan tercatat dua kali.");
  });
  document.addEventListener("htmx:responseError", function (e) {
    var kode = e.detail.xhr ? e.detail.xhr.status : "";
    tampilkanGalatKirim(e.detail.elt,
      "Server menolak atau bermasalah (kode " + kode + "). Coba Simpan lagi; bila berulang, hubungi admin.");
  });

  // Print page.
  if (document.body && document.body.hasAttribute("data-cetak-otomatis")) {
    window.addEventListener("load", function () {
      window.print(); // blocks until the print dialog is done
      if (window.opener) window.close();
    });
  }
})();
