"""The loket on the small screens lokets have (1024×600, 1366×768), in an English-language
Chromium: the KTP date order typed as digits, the patient's name, the cluster suggestion and
the save button on one screen while the complaint is typed, and a top bar that does not wrap.

Screenshots: tests/artifacts/loket-*-1024x600.png and -1366x768.png."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Page, expect

from puskesmas.demo import KATA_SANDI_DEMO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UKURAN = [(1024, 600), (1366, 768)]


def masuk(page: Page, base: str, username: str, tujuan: str) -> None:
    page.goto(f"{base}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", KATA_SANDI_DEMO)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}{tujuan}")
    page.wait_for_load_state("load")


def di_layar(page: Page, selector: str) -> bool:
    """Entirely inside the viewport, as it is now (no scrolling done by the test)."""
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; }""",
        selector,
    )


@pytest.mark.parametrize("lebar,tinggi", UKURAN)
def test_an_english_browser_enters_the_ktp_date_and_the_save_button_stays_on_screen(
    browser, live_server, petugas_loket, puskesmas, artifacts_dir, lebar, tinggi
):
    ctx = browser.new_context(
        viewport={"width": lebar, "height": tinggi}, locale="en-US", timezone_id="UTC"
    )
    page = ctx.new_page()
    ukuran = f"{lebar}x{tinggi}"
    base = live_server.url
    masuk(page, base, "loket1", "/loket/")
    page.screenshot(path=os.path.join(artifacts_dir, f"loket-kosong-{ukuran}.png"))
    # The top bar is one line: it does not eat the small screen.
    assert page.locator("header.topbar").bounding_box()["height"] <= 56

    page.keyboard.press("F4")
    expect(page.locator("#id_nama")).to_be_focused()
    page.keyboard.type("Dewi Lestari")
    page.locator("#id_tanggal_lahir").click()
    page.keyboard.type("17081985")  # as read off the KTP, whatever the browser's language
    expect(page.locator("#id_tanggal_lahir")).to_have_value("17-08-1985")
    expect(page.locator("[data-umur]")).to_have_text("umur 41 tahun")
    page.check("input[name=jenis_kelamin][value=P]")
    page.locator("#id_alamat").click()
    page.keyboard.type("Jl. Kenanga 5")
    page.screenshot(path=os.path.join(artifacts_dir, f"loket-pasien-baru-{ukuran}.png"))
    for sel in ("#panel-pasien-baru button[type=submit]", "#id_alamat"):
        assert di_layar(page, sel), f"{sel} is off-screen at {ukuran}"
    page.keyboard.press("Control+Enter")

    expect(page.locator("#panel-kunjungan")).to_contain_text("17-08-1985")
    expect(page.locator("#id_keluhan")).to_be_focused()
    page.keyboard.type("demam tiga hari, batuk")
    page.screenshot(path=os.path.join(artifacts_dir, f"loket-kunjungan-{ukuran}.png"))
    for sel in (".ringkasan__nama", "#saran", "[data-tombol-simpan]", "#id_keluhan"):
        assert di_layar(page, sel), f"{sel} is off-screen at {ukuran}"
    page.keyboard.press("Control+Enter")
    kode = page.locator("#nomor-antrean")
    expect(kode).to_have_text("A-001")
    # A ticket code never wraps ("A-/001"): one line high.
    tinggi_baris = page.evaluate(
        "() => { const e = document.querySelector('#nomor-antrean');"
        " return [e.getBoundingClientRect().height, parseFloat(getComputedStyle(e).lineHeight)]; }"
    )
    assert tinggi_baris[0] < tinggi_baris[1] * 1.5
    page.screenshot(path=os.path.join(artifacts_dir, f"loket-tiket-{ukuran}.png"))
    ctx.close()
