"""The admin's unit form in Chromium: a unit moved under another Puskesmas' cluster is refused
with an Indonesian message on the cluster field, and the unit keeps its cluster."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.test_antrean import masuk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_under_another_puskesmas_cluster_is_refused_on_the_form(
    live_server, browser, puskesmas, puskesmas_lain, unit, artifacts_dir
):
    from tests.factories import KlasterFactory

    asing = KlasterFactory(puskesmas=puskesmas_lain, nomor=3, nama="Klaster Tetangga")
    semula = unit.klaster_id
    context = browser.new_context(viewport={"width": 1024, "height": 600})
    page = masuk(context, live_server, "admin")
    page.goto(live_server.url + reverse("admin:antrean_unitlayanan_change", args=[unit.pk]))
    page.locator("#id_klaster").select_option(str(asing.pk))
    page.get_by_role("button", name="Simpan", exact=True).click()
    galat = page.locator(".field-klaster .errorlist")
    expect(galat).to_contain_text("Klaster harus milik Puskesmas yang sama")
    page.screenshot(path=os.path.join(artifacts_dir, "admin_unit_klaster_asing_1024.png"))
    unit.refresh_from_db()
    assert unit.klaster_id == semula
    context.close()
