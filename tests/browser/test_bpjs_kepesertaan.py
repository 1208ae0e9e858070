"""Eligibility at the counter in a real browser: opening a BPJS patient shows BPJS's answer
within seconds (aktif, tidak aktif, terdaftar di FKTP lain, BPJS tidak menjawab) with the
officer's choices, while the registration form stays usable. A Celery worker runs in a thread
and the BPJS simulator answers over real HTTP.

Screenshots: tests/artifacts/kepesertaan-<keadaan>.png."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bpjs_bridge.models import StatusPeserta
from puskesmas.demo import KATA_SANDI_DEMO
from tests.bpjs_bridge.conftest import (  # noqa: F401 - fixtures shared with tests/bpjs_bridge
    bpjs_settings,
    control,
    pekerja,
    peserta_pasien,
    sim,
    simulator,
)
from tests.browser.test_loket import masuk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_patient_panel_shows_bpjs_eligibility_live_with_the_officers_choices(
    page: Page, live_server, pekerja, control, petugas_loket, peserta_pasien, puskesmas,  # noqa: F811
    artifacts_dir,
):  # fmt: skip
    user = petugas_loket.user
    user.set_password(KATA_SANDI_DEMO)
    user.save()
    base = live_server.url
    masuk(page, base, "loket1")
    panel = page.locator("#bpjs-kepesertaan")
    judul = panel.locator("[data-judul]")

    # Aktif: the answer arrives within seconds, no choice needed.
    aktif = peserta_pasien("aktif")
    mulai = time.monotonic()
    page.goto(f"{base}/loket/pasien/{aktif.pk}/")
    expect(panel).to_have_attribute("data-keadaan", "aktif", timeout=10_000)
    assert time.monotonic() - mulai < 10
    expect(judul).to_have_text("Aktif")
    expect(panel.locator("[data-penjamin-pilih]")).to_have_count(0)
    page.screenshot(path=f"{artifacts_dir}/kepesertaan-aktif.png")

    # FKTP lain: the other FKTP is named, with how to move.
    lain = peserta_pasien("fktp_lain")
    page.goto(f"{base}/loket/pasien/{lain.pk}/")
    expect(panel).to_have_attribute("data-keadaan", "fktp_lain", timeout=10_000)
    expect(judul).to_have_text("Terdaftar di FKTP lain")
    expect(panel).to_contain_text("pindah FKTP ke Puskesmas ini")
    page.screenshot(path=f"{artifacts_dir}/kepesertaan-fktp-lain.png")

    # Tidak aktif: "Ubah ke umum" sets the payer of the form below; the officer may go back.
    mati = peserta_pasien("tidak_aktif")
    page.goto(f"{base}/loket/pasien/{mati.pk}/")
    expect(panel).to_have_attribute("data-keadaan", "tidak_aktif", timeout=10_000)
    expect(judul).to_have_text("Tidak aktif")
    expect(page.locator("input[name=penjamin][value=bpjs]")).to_be_checked()
    panel.get_by_role("button", name="Ubah ke umum").click()
    expect(page.locator("input[name=penjamin][value=umum]")).to_be_checked()
    expect(panel).to_contain_text("Penjamin diubah ke umum")
    page.screenshot(path=f"{artifacts_dir}/kepesertaan-tidak-aktif.png")
    # The patient insists and will settle it with BPJS: keep BPJS, register at once; the
    # ticket shows the same answer (the visit's own check, run by the worker) without reload.
    panel.get_by_role("button", name="Tetap BPJS").click()
    expect(page.locator("input[name=penjamin][value=bpjs]")).to_be_checked()
    page.fill("#id_keluhan", "batuk")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#nomor-antrean")).to_have_text(re.compile(r"^[A-Z]-\d{3}$"))
    badge = page.locator(".bpjs-badge")
    expect(badge).to_contain_text("tidak aktif", timeout=15_000)
    # The patient changes their mind at the counter: umum, right from the ticket.
    badge.get_by_role("button", name="Ubah ke umum").click()
    expect(page.locator(".bpjs-badge")).to_contain_text("Penjamin diubah ke umum")

    # BPJS down: "BPJS tidak menjawab" with the last known status and its date.
    turun = peserta_pasien("aktif", 1)
    dulu = timezone.now() - timedelta(days=2)
    StatusPeserta.objects.create(
        puskesmas=puskesmas, no_kartu=turun.no_bpjs, aktif=True, ket_aktif="AKTIF",
        diperiksa_pada=dulu,
    )  # fmt: skip
    control.post("/faults", json={"mode": "down"})
    page.goto(f"{base}/loket/pasien/{turun.pk}/")
    expect(panel).to_have_attribute("data-keadaan", "tidak_menjawab", timeout=10_000)
    expect(judul).to_have_text("BPJS tidak menjawab")
    lokal = timezone.localtime(dulu)
    expect(panel.locator("[data-terakhir]")).to_contain_text(
        f"Aktif per {lokal:%d-%m-%Y}, belum terverifikasi hari ini"
    )
    page.screenshot(path=f"{artifacts_dir}/kepesertaan-bpjs-mati.png")
    # Registration never waits for BPJS.
    page.fill("#id_keluhan", "demam")
    mulai = time.monotonic()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#nomor-antrean")).to_have_text(re.compile(r"^[A-Z]-\d{3}$"))
    assert time.monotonic() - mulai < 5
