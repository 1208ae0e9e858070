// Forms that keep what was typed (the new-patient form, [data-draf]): a draft in
// sessionStorage survives a reload of the tab and is offered back; Esc or "Batal" on a
// half-filled form asks before throwing it away. Drafts hold patient data, so they live only in
// this tab (sessionStorage), are removed once the server saved the form, and all of them go on
// logout and on the login page (also after an idle logout).
// Pure helpers are exported for `node --test` (tests/js/draf.test.js).

export const AWALAN = "draf:";
export const PESAN_BUANG = "Buang isian pasien baru yang belum disimpan?";

/** The form's typed values: {name: value | [values]}, without the CSRF token and hidden ids. */
export function ambil(entri) {
  const data = {};
  for (const [nama, nilai] of entri) {
    if (nama === "csrfmiddlewaretoken" || nama === "client_uuid") continue;
    if (typeof nilai !== "string") continue;
    if (nama in data) data[nama] = [].concat(data[nama], nilai);
    else data[nama] = nilai;
  }
  return data;
}

/** Did the officer type anything beyond what the page started with? */
export function berubah(awal, kini) {
  const kunci = new Set([...Object.keys(awal), ...Object.keys(kini)]);
  for (const k of kunci) {
    if (JSON.stringify(awal[k] ?? "") !== JSON.stringify(kini[k] ?? "")) return true;
  }
  return false;
}

export function hapusSemua(storage) {
  const buang = [];
  for (let i = 0; i < storage.length; i++) {
    const k = storage.key(i);
    if (k && k.startsWith(AWALAN)) buang.push(k);
  }
  buang.forEach((k) => storage.removeItem(k));
  return buang.length;
}

// --- wiring ---------------------------------------------------------------------------------
const awal = new WeakMap(); // form → values when it was rendered (the server's prefill)

function kunciDraf(form) { return AWALAN + form.dataset.draf; }
function nilaiForm(form) { return ambil(new FormData(form).entries()); }

function isikan(form, data) {
  for (const [nama, nilai] of Object.entries(data)) {
    const daftar = [].concat(nilai);
    form.querySelectorAll(`[name="${CSS.escape(nama)}"]`).forEach((el) => {
      if (el.type === "radio" || el.type === "checkbox") el.checked = daftar.includes(el.value);
      else if (el.type !== "hidden" && el.type !== "file") el.value = daftar[0];
    });
  }
}

function catatanPulih(form) {
  const p = document.createElement("p");
  p.className = "alert alert--info draf-pulih";
  p.setAttribute("role", "status");
  p.dataset.drafPulih = "";
  p.textContent = "Isian yang belum disimpan dipulihkan. ";
  const b = document.createElement("button");
  b.type = "button";
  b.className = "btn btn--kecil";
  b.textContent = "Kosongkan";
  b.addEventListener("click", () => {
    sessionStorage.removeItem(kunciDraf(form));
    isikan(form, Object.fromEntries(Object.keys(nilaiForm(form)).map((k) => [k, awal.get(form)?.[k] ?? ""])));
    p.remove();
  });
  p.append(b);
  form.prepend(p);
}

function siapkan(root) {
  root.querySelectorAll("form[data-draf]").forEach((form) => {
    if (awal.has(form)) return;
    // A form the server sent back with errors carries what was typed: it wins over the draft,
    // and all of it counts as typed (Esc still asks).
    const galat = !!form.querySelector("[aria-invalid=true], .field-error, .alert--error");
    awal.set(form, galat ? {} : nilaiForm(form));
    const simpanan = sessionStorage.getItem(kunciDraf(form));
    if (simpanan && !galat) {
      try {
        const data = JSON.parse(simpanan);
        if (berubah(awal.get(form), data)) {
          isikan(form, data);
          catatanPulih(form);
          document.dispatchEvent(new CustomEvent("draf:dipulihkan", { detail: { form } }));
        }
      } catch (e) {
        sessionStorage.removeItem(kunciDraf(form));
      }
    }
  });
}

function simpanDraf(e) {
  const form = e.target.closest && e.target.closest("form[data-draf]");
  if (!form || !form.isConnected || !awal.has(form)) return; // a saved form's late "change"
  const kini = nilaiForm(form);
  if (berubah(awal.get(form), kini)) sessionStorage.setItem(kunciDraf(form), JSON.stringify(kini));
  else sessionStorage.removeItem(kunciDraf(form));
}

function formKotor() {
  const form = document.querySelector("form[data-draf]");
  return form && awal.has(form) && berubah(awal.get(form), nilaiForm(form)) ? form : null;
}

function relakan(form) {
  if (!window.confirm(PESAN_BUANG)) return false;
  sessionStorage.removeItem(kunciDraf(form));
  awal.set(form, nilaiForm(form)); // no second question for the same form
  return true;
}

export function pasang() {
  if (document.body.classList.contains("halaman-masuk")) hapusSemua(sessionStorage);
  document.addEventListener("input", simpanDraf);
  document.addEventListener("change", simpanDraf);
  // Capture phase: asked before app.js's Esc ("back") runs.
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const form = formKotor();
    if (form && !relakan(form)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  document.addEventListener("click", (e) => {
    const kembali = e.target.closest && e.target.closest("[data-kembali]");
    if (!kembali || !kembali.closest("#panel")) return;
    const form = formKotor();
    if (form && !relakan(form)) { e.preventDefault(); e.stopImmediatePropagation(); }
  }, true);
  // beforeSwap: the form is still in the page (events of a swapped-out form never bubble here).
  document.addEventListener("htmx:beforeSwap", (e) => {
    const form = e.detail.requestConfig && e.detail.requestConfig.elt;
    const ok = e.detail.xhr && e.detail.xhr.status >= 200 && e.detail.xhr.status < 300;
    // The same form back (field errors) is not saved yet: the draft stays for a reload.
    const lagi = ok && e.detail.xhr.responseText.includes(`data-draf="${form && form.dataset ? form.dataset.draf : ""}"`);
    if (form && form.matches && form.matches("form[data-draf]") && ok && !lagi) {
      sessionStorage.removeItem(kunciDraf(form)); // saved by the server: the draft is done
      awal.delete(form);
    }
  });
  document.addEventListener("submit", (e) => {
    if (e.target.id === "form-keluar") hapusSemua(sessionStorage);
  }, true);
  document.addEventListener("htmx:afterSettle", (e) => siapkan(e.detail.target || document));
  siapkan(document);
}

if (typeof document !== "undefined" && typeof sessionStorage !== "undefined") pasang();
