"""The TV's voice in Chromium: the display loads the server's Indonesian clips into its cache,
and after the click-to-start overlay a called number plays "nomor antrean", the code, "silakan
menuju" and the unit's name, in that order, from those clips (no browser voice needed)."""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from antrean import services, suara
from tests.antrean.conftest import daftar  # noqa: F401 (fixture shared with tests/antrean)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed"),
]


def test_a_call_plays_the_server_clips_in_order_after_the_start_overlay(
    live_server,
    browser,
    puskesmas,
    unit,
    daftar,  # noqa: F811
    settings,
    tmp_path,
    artifacts_dir,
):
    settings.SUARA_DIR = str(tmp_path / "suara")
    call_command("suara_render")
    jumlah_klip = len(suara.daftar_klip(puskesmas))
    tiket = daftar()

    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    tv = ctx.new_page()
    tv.goto(live_server.url + reverse("antrean:tv", args=[puskesmas.kunci_display]))
    expect(tv.locator("body")).to_have_attribute("data-klip-siap", str(jumlah_klip), timeout=15000)
    # Every clip is in the Cache API the TV's service worker answers from during an outage.
    tersimpan = tv.evaluate(
        "async () => (await (await caches.open('tv-suara-v1')).keys())"
        ".filter((r) => r.url.endsWith('.wav')).length"
    )
    assert tersimpan == jumlah_klip
    overlay = tv.locator("[data-tv-mulai]")
    expect(overlay).to_be_visible()
    tv.screenshot(path=os.path.join(artifacts_dir, "tv-mulai-1366x768.png"))
    overlay.click()
    expect(overlay).to_be_hidden()

    services.panggil_berikutnya(unit=unit)
    assert tiket.kode == "A-001"
    expect(tv.locator("[data-sorot-nomor]")).to_have_text("A-001", timeout=5000)
    urutan = f"frasa:nomor_antrean huruf:A kata:satu frasa:silakan_menuju unit:{unit.pk}"
    expect(tv.locator("body")).to_have_attribute("data-klip-diputar", urutan, timeout=15000)
    expect(tv.locator("body")).to_have_attribute("data-suara", "klip")
    tv.screenshot(path=os.path.join(artifacts_dir, "tv-1366x768.png"))
    ctx.close()
