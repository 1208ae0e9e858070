"""The loket in a real browser (Debian's Chromium): an officer logs in, registers a new patient
and a returning one found by NIK, mostly from the keyboard, and prints the ticket.

Screenshots go to tests/artifacts/ (git-ignored): loket.png, tiket.png, tiket-cetak-80.png,
tiket-cetak-58.png."""

from __future__ import annotations

import os
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from pendaftaran.models import Kunjungan
from puskesmas.demo import KATA_SANDI_DEMO
from tests.factories import PasienFactory, buat_nik

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every window (also the print popup) counts print() calls on the loket page instead of
# opening a dialog.
HITUNG_CETAK = (
    "window.print = () => { const w = window.opener || window;"
    " w.__dicetak = (w.__dicetak || 0) + 1; };"
)


def masuk(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", KATA_SANDI_DEMO)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/loket/")
    # The shortcuts live in deferred scripts: a key pressed while the page is still parsing
    # goes nowhere (the officer presses it again; a test must not).
    page.wait_for_load_state("load")


def test_officer_registers_a_new_and_a_returning_patient_and_prints_the_ticket(
    page: Page, live_server, petugas_loket, pasien_bpjs, puskesmas, artifacts_dir
):
    user = petugas_loket.user
    user.set_password(KATA_SANDI_DEMO)
    user.save()
    # A few namesakes, so the search list looks like a real morning.
    for i, nama in enumerate(["Siti Rahmawati", "Siti Nurhaliza", "Sitti Aminah"]):
        lahir = date(1970 + 7 * i, 1 + i, 10 + i)
        PasienFactory(
            puskesmas=puskesmas,
            nama=nama,
            tanggal_lahir=lahir,
            jenis_kelamin="P",
            nik=buat_nik(lahir, "P", serial=300 + i),
        )
    galat_js: list[str] = []
    page.on("pageerror", lambda e: galat_js.append(str(e)))
    # htmx logs its own errors (a bad selector, a failed swap) to the console, and Chromium
    # logs CSP violations there. Only the loket's own pages are judged here.
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "/loket/" in page.url
            and "Failed to load resource" not in m.text
            and galat_js.append(f"{page.url}: {m.text[:160]}")
        ),
    )
    # No favicon is ours to ship; every other request must succeed.
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and not r.url.endswith("/favicon.ico")
            and galat_js.append(f"{r.status} {r.url}")
        ),
    )
    page.context.add_init_script(HITUNG_CETAK)  # the context: popups are pages of their own
    # The page reserves its offline number blocks on load (A-501…, downtime/README.md); the
    # online numbers below still start at 001.
    page.set_viewport_size({"width": 1366, "height": 900})
    base = live_server.url

    masuk(page, base, "loket1")
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator("#pilih-loket")).to_have_value(str(petugas_loket.loket_id))

    # --- a new patient: F4, type, Ctrl+Enter ------------------------------------------------
    page.keyboard.press("F4")
    expect(page.locator("#panel-pasien-baru")).to_be_visible()
    expect(page.locator("#id_nama")).to_be_focused()
    lahir = date(1990, 5, 17)
    page.keyboard.type("Dewi Lestari")
    page.fill("#id_nik", buat_nik(lahir, "P", serial=77))
    page.fill("#id_no_bpjs", "0009876543210")
    page.fill("#id_tanggal_lahir", lahir.isoformat())
    page.check("input[name=jenis_kelamin][value=P]")
    page.fill("#id_no_hp", "081234567890")
    page.fill("#id_alamat", "Jl. Kenanga 5, Sukamaju")
    page.keyboard.press("Control+Enter")

    expect(page.locator("#panel-kunjungan")).to_contain_text("Pasien baru tersimpan")
    expect(page.locator("#id_keluhan")).to_be_focused()
    expect(page.locator("input[name=penjamin][value=bpjs]")).to_be_checked()
    expect(page.locator("[data-tombol-simpan]")).to_contain_text("Simpan → Poli Umum (A)")
    page.keyboard.type("kontrol kehamilan")
    # Tick "hamil" and save at once: the save waits for the new suggestion (KIA), it does not
    # go out with the unit chosen for the old answers.
    page.check("#id_hamil")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#nomor-antrean")).to_have_text("B-001")
    expect(page.locator("#tiket-panel")).to_contain_text("Prioritas: ibu hamil")
    expect(page.locator("#hari-ini")).to_contain_text("Dewi Lestari")

    # --- a returning patient: Esc, NIK + Enter opens her directly --------------------------
    page.keyboard.press("Escape")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("siti")
    opsi = page.locator("#hasil-list [role=option]")
    expect(opsi).to_have_count(3)
    expect(opsi.nth(0)).to_have_attribute("aria-selected", "true")  # Enter would open it
    page.keyboard.press("ArrowDown")
    expect(opsi.nth(1)).to_have_attribute("aria-selected", "true")
    expect(page.locator("#q")).to_be_focused()  # typing can go on
    page.fill("#q", "")
    page.keyboard.type(pasien_bpjs.nik)
    page.keyboard.press("Enter")
    expect(page.locator(".ringkasan__nama")).to_have_text("Siti Aminah")
    expect(page).to_have_url(f"{base}/loket/pasien/{pasien_bpjs.pk}/")
    expect(page.locator(".ringkasan")).to_contain_text("3204 1052 0380 0001")

    # Ticking a condition recomputes the suggestion; picking another unit says so.
    page.check("#id_suspek_menular")
    expect(page.locator("#saran")).to_contain_text("Dugaan penyakit menular")
    expect(page.locator("[data-tombol-simpan]")).to_contain_text("Poli TB & Penyakit Menular (P)")
    page.locator(".unit__pilihan", has_text="Poli Umum").click()
    expect(page.locator("[data-catatan-ubah]")).to_be_visible()
    expect(page.locator("[data-tombol-simpan]")).to_contain_text("Simpan → Poli Umum (A)")
    page.locator(".unit__pilihan", has_text="Poli TB").click()
    expect(page.locator("[data-catatan-ubah]")).to_be_hidden()
    page.fill("#id_keluhan", "batuk lebih dari 2 minggu")
    page.screenshot(path=os.path.join(artifacts_dir, "loket.png"), full_page=True)

    page.keyboard.press("Alt+s")
    expect(page.locator("#nomor-antrean")).to_have_text("P-001")
    expect(page.locator("#q")).to_have_value("")  # ready for the next patient
    expect(page.locator("#hari-ini tbody tr")).to_have_count(2)
    k = Kunjungan.objects.get(pasien=pasien_bpjs)
    assert k.unit.kode == "P2M" and not k.saran_diubah
    page.screenshot(path=os.path.join(artifacts_dir, "tiket.png"), full_page=True)

    # --- print: F9 opens the ticket in a small window that prints itself and closes --------
    with page.expect_popup() as popup_info:
        page.keyboard.press("F9")
    popup = popup_info.value
    assert f"/loket/kunjungan/{k.pk}/cetak/" in popup.url
    popup.wait_for_event("close")
    assert page.evaluate("() => window.__dicetak") == 1
    expect(page).to_have_url(f"{base}/loket/kunjungan/{k.pk}/")  # the loket stays put

    # --- cancel the first registration, with a reason --------------------------------------
    baris = page.locator("#hari-ini tr", has_text="Dewi Lestari")
    baris.get_by_role("link", name="Batal…").click()
    expect(baris.locator("input[name=alasan]")).to_be_focused()
    page.keyboard.type("pasien salah loket")
    page.keyboard.press("Enter")
    expect(baris).to_contain_text("Alasan: pasien salah loket")
    expect(baris).to_have_class("baris--batal")

    # --- the print view itself, both paper widths ------------------------------------------
    for lebar in (80, 58):
        page.goto(f"{base}/loket/kunjungan/{k.pk}/cetak/?lebar={lebar}")
        tiket = page.locator("#tiket")
        expect(tiket.locator(".tiket__nomor")).to_have_text("P-001")
        expect(tiket.locator("svg.qr")).to_be_visible()
        lebar_px = tiket.bounding_box()["width"]
        assert abs(lebar_px - lebar * 96 / 25.4) < 2, lebar_px  # the ticket is paper-wide
        # ...and short enough for its @page in print.css, so it prints as one ticket.
        tinggi_mm = tiket.bounding_box()["height"] * 25.4 / 96
        assert tinggi_mm < {58: 140, 80: 150}[lebar], tinggi_mm
        page.screenshot(
            path=os.path.join(artifacts_dir, f"tiket-cetak-{lebar}.png"), full_page=True
        )

    # The printed QR leads to the public status page.
    status_url = page.locator(".tiket__url").inner_text()
    page.goto(status_url)
    expect(page.locator(".queue-number")).to_have_text("P-001")
    assert not galat_js, galat_js
