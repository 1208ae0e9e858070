"""A half-filled new-patient form is not lost: Esc asks first, a reload of the tab brings the
draft back, and saving or logging out removes it (patient data stays in this tab only)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_layar_kecil import masuk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DRAF = "() => Object.keys(sessionStorage).filter((k) => k.startsWith('draf:')).length"


def test_esc_asks_before_discarding_and_a_reload_restores_the_draft(
    page: Page, live_server, petugas_loket, puskesmas
):
    base = live_server.url
    dialog: list[str] = []
    jawaban = {"terima": False}

    def tanya(d):
        dialog.append(d.message)
        d.accept() if jawaban["terima"] else d.dismiss()

    page.on("dialog", tanya)
    masuk(page, base, "loket1", "/loket/")
    page.keyboard.press("F4")
    expect(page.locator("#id_nama")).to_be_focused()
    page.keyboard.type("Dewi Lestari")
    page.locator("#id_tanggal_lahir").click()
    page.keyboard.type("17081985")

    page.keyboard.press("Escape")  # "no, keep it"
    assert dialog == ["Buang isian pasien baru yang belum disimpan?"]
    expect(page.locator("#panel-pasien-baru")).to_be_visible()
    expect(page.locator("#id_nama")).to_have_value("Dewi Lestari")

    page.reload()
    expect(page.locator("#panel-pasien-baru")).to_be_visible()
    expect(page.locator("#id_nama")).to_have_value("Dewi Lestari")
    expect(page.locator("#id_tanggal_lahir")).to_have_value("17-08-1985")
    expect(page.locator("[data-draf-pulih]")).to_contain_text("dipulihkan")

    jawaban["terima"] = True
    page.locator("#id_nama").focus()
    page.keyboard.press("Escape")  # "yes, discard"
    expect(page.locator("#panel-pasien-baru")).to_have_count(0)
    assert page.evaluate(DRAF) == 0 and len(dialog) == 2

    # An untouched form closes without a question.
    page.keyboard.press("F4")
    expect(page.locator("#id_nama")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#panel-pasien-baru")).to_have_count(0)
    assert len(dialog) == 2

    # Typed, then logged out: the next officer at this PC finds no draft.
    page.keyboard.press("F4")
    expect(page.locator("#id_nama")).to_be_focused()
    page.keyboard.type("Budi")
    assert page.evaluate(DRAF) == 1
    page.locator("#form-keluar button").click()
    expect(page).to_have_url(f"{base}/masuk/")
    assert page.evaluate(DRAF) == 0


def test_a_saved_patient_leaves_no_draft(page: Page, live_server, petugas_loket, puskesmas):
    base = live_server.url
    masuk(page, base, "loket1", "/loket/")
    page.keyboard.press("F4")
    expect(page.locator("#id_nama")).to_be_focused()
    page.keyboard.type("Dewi Lestari")
    page.fill("#id_tanggal_lahir", "17-08-1985")
    page.locator("#id_tanggal_lahir").dispatch_event("input")
    page.check("input[name=jenis_kelamin][value=P]")
    page.fill("#id_alamat", "Jl. Kenanga 5")
    assert page.evaluate(DRAF) == 1
    page.keyboard.press("Control+Enter")
    expect(page.locator("#panel-kunjungan")).to_contain_text("Dewi Lestari")
    assert page.evaluate(DRAF) == 0
