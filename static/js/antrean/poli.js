/* Keyboard shortcuts of the poli page. Each shortcut clicks the button (or focuses the field)
 * carrying data-kunci / data-fokus, so a shortcut does exactly what the visible button does
 * and is shown on it. Keys typed into a field are left alone. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    var t = e.target;
    if (t && t.closest && t.closest("input, select, textarea, [contenteditable]")) {
      if (e.key === "Escape") t.blur();
      return;
    }
    var k = (e.key || "").toLowerCase();
    if (k.length !== 1) return;
    var tombol = document.querySelector('[data-kunci="' + k + '"]:not([disabled])');
    if (tombol) { e.preventDefault(); tombol.click(); return; }
    var field = document.querySelector('[data-fokus="' + k + '"]');
    if (field) { e.preventDefault(); field.focus(); }
  });
})();
