"""Returning patients found offline (issue 13): the loket's two-year copy in Debian's Chromium.
A patient last registered a year ago is not among the recent visitors, yet offline the officer
finds them by NIK, No. RM, BPJS card and name + birth date; a look-alike typed as new is
flagged; logout leaves nothing of the copy behind."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pendaftaran.models import Pasien
from puskesmas.demo import KATA_SANDI_DEMO
from tests.factories import PasienFactory, buat_nik

from .test_logout_privacy import klik_keluar
from .test_offline import BANNER, buka, masuk, sw_siap, tunggu

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ISI_SALINAN = """async () => {
  const db = await new Promise((ok, gagal) => {
    const r = indexedDB.open("loket-salinan");
    r.onsuccess = () => ok(r.result); r.onerror = () => gagal(r.error);
  });
  const isi = {};
  for (const nama of Array.from(db.objectStoreNames)) {
    isi[nama] = await new Promise((ok, gagal) => {
      const r = db.transaction(nama).objectStore(nama).getAll();
      r.onsuccess = () => ok(r.result); r.onerror = () => gagal(r.error);
    });
  }
  db.close();
  return JSON.stringify(isi);
}"""


def test_a_returning_patient_is_found_offline_by_every_identifier(
    playwright, live_server, puskesmas, petugas_loket, tmp_path, artifacts_dir
):
    petugas_loket.user.set_password(KATA_SANDI_DEMO)
    petugas_loket.user.save()
    lahir = date(1971, 6, 8)
    hartono = PasienFactory(
        puskesmas=puskesmas,
        nama="Hartono Wijaya",
        tanggal_lahir=lahir,
        jenis_kelamin="L",
        nik=buat_nik(lahir, "L", serial=31),
        no_bpjs="0009876543210",
        alamat="Jl. Cempaka 9",
    )
    bayi = PasienFactory(
        puskesmas=puskesmas,
        nama="Dewi Kartika Sari",
        tanggal_lahir=date(2024, 2, 3),
        jenis_kelamin="P",
        nik=None,
        no_bpjs=None,
    )
    setahun = timezone.now() - timedelta(days=365)
    Pasien.objects.filter(pk__in=[hartono.pk, bayi.pk]).update(dibuat_pada=setahun)

    base = live_server.url
    galat_js: list[str] = []
    ctx, page = buka(playwright, tmp_path / "loket1", base)
    page.on("pageerror", lambda e: galat_js.append(str(e)))
    masuk(page, base, "loket1")
    sw_siap(page)
    tunggu(page, "(await window.loketLuring.salinan.jumlah()) >= 2", timeout=15)
    teks = page.evaluate(ISI_SALINAN)
    for jelas in (hartono.nik, hartono.no_bpjs, "Cempaka"):
        assert jelas not in teks, f"{jelas!r} tersimpan terbaca di salinan"

    ctx.set_offline(True)
    expect(page.locator(".banner--luring")).to_contain_text(BANNER, timeout=5000)
    for q in (hartono.nik, hartono.no_rm.lstrip("0"), hartono.no_bpjs, "hartono 08-06-1971"):
        page.locator("#q").fill("")
        page.locator("#q").focus()
        page.keyboard.type(q)
        page.keyboard.press("Enter")
        expect(page.locator(".ringkasan__nama")).to_have_text("Hartono Wijaya", timeout=5000)
        page.keyboard.press("Escape")
        expect(page.locator(".panel-kosong")).to_be_visible()
    page.screenshot(path=f"{artifacts_dir}/salinan_ditemukan.png", full_page=True)

    # The same person typed as new, without NIK and with the middle name dropped: flagged.
    page.keyboard.press("F4")
    expect(page.locator("#panel-pasien-baru")).to_be_visible()
    page.fill("#id_nama", "Dewi Sari")  # over what the last search pre-filled
    page.fill("#id_tanggal_lahir", "2024-02-03")
    page.check("input[name=jenis_kelamin][value=P]")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#luring-mirip")).to_contain_text("Dewi Kartika Sari")
    page.screenshot(path=f"{artifacts_dir}/salinan_mirip.png", full_page=True)
    page.keyboard.press("Escape")

    ctx.set_offline(False)
    expect(page.locator(".banner--luring")).to_have_count(0, timeout=15_000)
    klik_keluar(page)
    expect(page).to_have_url(f"{base}/masuk/")
    isi = json.loads(page.evaluate(ISI_SALINAN))
    assert isi["pasien"] == [] and isi["meta"] == [], isi
    assert galat_js == []
    ctx.close()
