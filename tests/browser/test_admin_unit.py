"""The admin's unit form in Chromium on a district server: a saved unit is offered only its own
Puskesmas' clusters; a new unit's clusters name their Puskesmas, and one under another
Puskesmas' cluster is refused with an Indonesian message on the cluster field, nothing saved."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_antrean import masuk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_unit_form_offers_and_accepts_only_the_units_own_puskesmas_clusters(
    live_server, browser, puskesmas, puskesmas_lain, unit, artifacts_dir
):
    from antrean.models import Klaster, UnitLayanan
    from tests.factories import KlasterFactory

    asing = KlasterFactory(puskesmas=puskesmas_lain, nomor=3, nama="Klaster Tetangga")
    context = browser.new_context(viewport={"width": 1024, "height": 600})
    page = masuk(context, live_server, "admin")

    page.goto(live_server.url + reverse("admin:antrean_unitlayanan_change", args=[unit.pk]))
    nilai = page.locator("#id_klaster option").evaluate_all("os => os.map(o => o.value)")
    sendiri = Klaster.objects.filter(puskesmas=puskesmas).values_list("pk", flat=True)
    assert {int(v) for v in nilai if v} == set(sendiri)
    expect(page.locator(".field-puskesmas .readonly")).to_contain_text(puskesmas.nama)
    page.screenshot(path=os.path.join(artifacts_dir, "admin_unit_ubah_1024.png"))

    page.goto(live_server.url + reverse("admin:antrean_unitlayanan_add"))
    page.locator("#id_puskesmas").select_option(str(puskesmas.pk))
    page.locator("#id_klaster").select_option(
        label="Puskesmas Tetangga · Klaster 3 — Klaster Tetangga"
    )
    page.locator("#id_kode").fill("BARU")
    page.locator("#id_nama").fill("Poli Baru")
    page.locator("#id_layanan").select_option("dewasa")
    page.locator("#id_prefix").fill("Z")
    page.get_by_role("button", name="Simpan", exact=True).click()
    galat = page.locator(".field-klaster .errorlist")
    expect(galat).to_contain_text("Klaster harus milik Puskesmas yang sama")
    page.screenshot(path=os.path.join(artifacts_dir, "admin_unit_klaster_asing_1024.png"))
    assert not UnitLayanan.objects.filter(kode="BARU").exists()
    assert asing.unit.count() == 0
    context.close()
