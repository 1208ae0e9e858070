"""The main pages in Chromium as their users see them: axe-core (vendored from npm, loaded only
here) finds no serious or critical accessibility violation, no page logs a CSP violation (htmx
indicator styles, inline styles), and a screenshot of each page at 1024×600 and 1366×768 lands in
tests/artifacts/ for a person to look at (loket, ticket 58/80 mm, TV, downtime, reports)."""

from __future__ import annotations

import os
import uuid

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from antrean import services as antrean
from downtime import services as downtime
from pendaftaran import services as pendaftaran
from pendaftaran.validasi import DataKunjungan
from puskesmas.demo import KATA_SANDI_DEMO

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "/static/vendor/axe-core-4.14.1/axe.min.js"
UKURAN = [(1024, 600), (1366, 768)]


def periksa_axe(page: Page) -> list[str]:
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(url=AXE)  # same origin: allowed by the CSP's script-src 'self'
    hasil = page.evaluate(
        """async () => { const r = await axe.run(document);
          return {lulus: r.passes.length, galat: r.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => `${v.id} (${v.impact}): `
            + v.nodes.slice(0, 3).map((n) => n.target).join(" | "))}; }"""
    )
    assert hasil["lulus"] > 10, page.url  # axe really ran its rules on this page
    return [f"{page.url}: {h}" for h in hasil["galat"]]


@pytest.fixture
def hari_berisi(puskesmas, pasien_umum, pasien_bpjs, unit, petugas_loket):
    """A morning: two registrations, one called, one loket in downtime."""
    kunjungan = []
    for p in (pasien_umum, pasien_bpjs):
        kunjungan.append(
            pendaftaran.kunjungan_daftar(
                puskesmas=puskesmas,
                pasien=p,
                unit=unit,
                data=DataKunjungan(penjamin="umum", keluhan="demam"),
                client_uuid=uuid.uuid4(),
                loket=petugas_loket.loket,
            ).kunjungan
        )
    antrean.panggil_berikutnya(unit=unit)
    downtime.downtime_mulai(puskesmas=puskesmas, alasan="listrik", loket=petugas_loket.loket)
    return kunjungan


@pytest.mark.parametrize("lebar,tinggi", UKURAN)
def test_main_pages_have_no_serious_accessibility_violations_and_are_photographed(
    browser, live_server, puskesmas, hari_berisi, artifacts_dir, lebar, tinggi
):
    k = hari_berisi[1]
    ukuran = f"{lebar}x{tinggi}"
    masalah: list[str] = []
    halaman = {
        "loket1": [
            ("loket", reverse("pendaftaran:loket")),
            ("loket-pasien-baru", reverse("pendaftaran:pasien_baru")),
            ("loket-kunjungan", reverse("pendaftaran:pasien", args=[k.pasien_id])),
            ("loket-tiket", reverse("pendaftaran:tiket", args=[k.pk])),
            ("tiket-cetak-80", reverse("pendaftaran:cetak", args=[k.pk]) + "?lebar=80"),
            ("tiket-cetak-58", reverse("pendaftaran:cetak", args=[k.pk]) + "?lebar=58"),
            ("entri-susulan", reverse("downtime:susulan")),
        ],
        "poli_umum": [
            ("poli", reverse("antrean:poli")),
            ("layar-tv-info", reverse("antrean:tv_info")),
        ],
        "admin": [
            ("gangguan", reverse("downtime:beranda")),
            ("gangguan-buku", reverse("downtime:episode_daftar")),
            ("gangguan-tinjauan", reverse("downtime:tinjau")),
            ("tindak-lanjut-bpjs", reverse("bpjs_bridge:worklist")),
        ],
        "kepala": [
            ("ringkasan", reverse("antrean:ringkasan")),
            ("laporan-antrean", reverse("antrean:laporan")),
            ("laporan-gangguan", reverse("downtime:laporan")),
        ],
        None: [
            ("masuk", reverse("masuk")),
            ("status-tiket", reverse("antrean:status_tiket", args=[k.tiket.get().token_publik])),
            ("tv", reverse("antrean:tv", args=[puskesmas.kunci_display])),
        ],
    }
    for username, daftar in halaman.items():
        ctx = browser.new_context(viewport={"width": lebar, "height": tinggi})
        page = ctx.new_page()
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "Content Security Policy" in m.text
                and masalah.append(f"CSP: {m.text[:200]}")
            ),
        )
        if username:
            page.goto(live_server.url + reverse("masuk"))
            page.fill("#id_username", username)
            page.fill("#id_password", KATA_SANDI_DEMO)
            page.click("button[type=submit]")
            page.wait_for_load_state("load")
        for nama, url in daftar:
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            expect(page.locator("body")).to_be_visible()
            masalah.extend(periksa_axe(page))
            page.screenshot(path=os.path.join(artifacts_dir, f"{nama}-{ukuran}.png"))
        ctx.close()
    assert not masalah, "\n".join(masalah)


def test_a_puskesmas_wide_declaration_is_confirmed_and_the_page_stays_one_page(
    browser, live_server, puskesmas, artifacts_dir
):
    ctx = browser.new_context(viewport={"width": 1024, "height": 600})
    page = ctx.new_page()
    page.goto(live_server.url + reverse("masuk"))
    page.fill("#id_username", "admin")
    page.fill("#id_password", KATA_SANDI_DEMO)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("downtime:beranda"))
    page.get_by_label("Alasan").select_option("listrik")
    page.get_by_role("button", name="Mulai mode gangguan…").click()
    konfirmasi = page.locator("[data-konfirmasi-cakupan]")
    expect(konfirmasi).to_contain_text("Semua loket (L1, L2, L3)")
    expect(konfirmasi).to_contain_text("listrik padam")
    page.screenshot(path=os.path.join(artifacts_dir, "gangguan-konfirmasi-1024x600.png"))
    assert not periksa_axe(page)
    page.get_by_role("button", name="Ya, mulai mode gangguan seluruh Puskesmas").click()
    expect(page.locator(".msg--success")).to_contain_text("Mode gangguan dimulai untuk seluruh")
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.locator("main")).to_have_count(1)
    expect(page.locator("#banner-downtime")).to_contain_text("MODE GANGGUAN seluruh Puskesmas")
    expect(page.get_by_text("Tidak ada gangguan.")).to_have_count(0)
    page.screenshot(path=os.path.join(artifacts_dir, "gangguan-aktif-1024x600.png"))
    ctx.close()
