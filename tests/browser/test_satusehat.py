"""SATUSEHAT end to end in Chromium: the admin enters the credentials, tests the connection
and maps a unit; a loket registers a patient; a real Celery worker sends the Encounter; the
head sees the visit as sent."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from puskesmas.demo import KATA_SANDI_DEMO
from satusehat.models import EncounterKunjungan
from satusehat.simulator.app import DEMO_CLIENT_ID, DEMO_ORG, DEMO_SECRET, PRAKTISI, lokasi_demo
from tests.bpjs_bridge.conftest import (  # noqa: F401 - the worker and the BPJS simulator
    bpjs_settings,
    pekerja,
    sim,
    simulator,
    tunggu,
)
from tests.satusehat.conftest import ss_settings, ss_sim, ss_simulator  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _masuk(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", KATA_SANDI_DEMO)
    page.click("button[type=submit]")
    expect(page.locator(".topbar__user")).to_be_visible()


def _keluar(page: Page) -> None:
    page.click("#form-keluar button")
    expect(page).to_have_url(re.compile(r"/masuk/"))  # wait: a goto now would abort it


def _pasien_dewasa(simulator_ss, puskesmas):
    """A patient SATUSEHAT knows by NIK, aged 20-59 (so the loket suggests Poli Umum)."""
    from tests.factories import PasienFactory

    for p in simulator_ss.simulator.pasien.values():
        lahir = date.fromisoformat(p["lahir"])
        if 20 <= date.today().year - lahir.year <= 59:
            return PasienFactory(
                puskesmas=puskesmas, nik=p["nik"], nama=p["nama"], tanggal_lahir=lahir,
                jenis_kelamin="P" if p["gender"] == "female" else "L", no_bpjs=None,
            )  # fmt: skip
    raise AssertionError("no adult in the simulator")


def test_admin_configures_satusehat_loket_registers_and_the_head_sees_it_sent(
    page: Page, live_server, pekerja, ss_sim, ss_settings, puskesmas, artifacts_dir,  # noqa: F811
):  # fmt: skip
    from puskesmas.models import Petugas

    for p in Petugas.objects.select_related("user"):
        p.user.set_password(KATA_SANDI_DEMO)
        p.user.save()
    pasien = _pasien_dewasa(ss_sim, puskesmas)
    base = live_server.url

    # The admin: credentials, "Uji koneksi", then the unit mapping.
    _masuk(page, base, "admin")
    page.goto(f"{base}/integrasi/")
    page.check("#id_ss_aktif")
    page.fill("#id_ss_client_id", DEMO_CLIENT_ID)
    page.fill("#id_ss_client_secret", DEMO_SECRET)
    page.fill("#id_ss_organization_id", DEMO_ORG)
    page.select_option("#id_ss_lingkungan", "dev")
    page.fill("#id_ss_base_url", ss_sim.url)
    page.click("#form-integrasi button[type=submit]")
    expect(page.locator(".msg--success")).to_contain_text("Pengaturan integrasi disimpan.")
    expect(page.locator("#id_ss_client_secret")).to_have_value("")  # never shown again
    page.click("#tombol-uji-satusehat")
    expect(page.locator("#uji-satusehat")).to_contain_text("SATUSEHAT: terhubung sebagai")
    baris = page.locator("#pemetaan-UMUM")
    baris.locator("input[name=location_id]").fill(lokasi_demo(DEMO_ORG, "UMUM"))
    baris.locator("input[name=praktisi_nik]").fill(PRAKTISI[0][0])
    baris.locator("button[type=submit]").click()
    expect(page.locator(".msg--success")).to_contain_text("Poli Umum dipetakan ke Ruang UMUM")
    page.screenshot(path=f"{artifacts_dir}/satusehat-integrasi.png", full_page=True)
    _keluar(page)

    # The loket registers the patient.
    _masuk(page, base, "loket1")
    page.goto(f"{base}/loket/pasien/{pasien.pk}/")
    page.fill("#id_keluhan", "batuk")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#nomor-antrean")).to_have_text(re.compile(r"^A-\d{3}$"))
    enc = tunggu(lambda: EncounterKunjungan.objects.filter(kunjungan__pasien=pasien).first())
    assert ss_sim.simulator.encounter[enc.encounter_id]["status"] == "arrived"
    _keluar(page)

    # The head sees it sent.
    _masuk(page, base, "kepala")
    page.goto(f"{base}/satusehat/kepatuhan/")
    expect(page.locator("#persen-satusehat")).to_have_text("100,0%")
    expect(page.locator("#semua-kunjungan")).to_contain_text(pasien.nama)
    expect(page.locator("#semua-kunjungan tbody tr").first).to_contain_text("Terkirim")
    page.screenshot(path=f"{artifacts_dir}/satusehat-kepatuhan.png", full_page=True)
