"""The hall TV in Chromium on its real stream and service worker: a call reaches the screen,
and the fragment's refreshes of an unchanged screen are answered 304 — Chromium's HTTP cache
revalidates htmx's GET with the ETag by itself (`Cache-Control: no-cache`), so the server sends
no body and reads no queue, and the screen keeps what it shows."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from antrean import services, stream, views
from tests.antrean.conftest import daftar  # noqa: F401 (fixture shared with tests/antrean)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_tv_updates_on_a_call_and_its_refreshes_of_an_unchanged_screen_get_304(
    live_server,
    browser,
    puskesmas,
    unit,
    daftar,  # noqa: F811
    monkeypatch,
):
    for _ in range(5):
        daftar()
    # What the server answered the fragment requests (the browser shows a 304 as its 200).
    jawaban: list[int] = []
    asli = views._jawab_isi_tv

    def catat(*a, **k):
        resp = asli(*a, **k)
        jawaban.append(resp.status_code)
        return resp

    monkeypatch.setattr(views, "_jawab_isi_tv", catat)
    akhir = time.monotonic() + 3 * stream.INTERVAL_DETAK
    while stream.slot_bebas() < 1 and time.monotonic() < akhir:
        time.sleep(0.1)

    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    tv = ctx.new_page()
    tv.goto(live_server.url + reverse("antrean:tv", args=[puskesmas.kunci_display]))
    expect(tv.locator("[data-live-status]")).to_have_attribute("data-keadaan", "sse")
    dipanggil = tv.locator('[data-unit="UMUM"] [data-nomor-dipanggil]')
    expect(dipanggil).to_have_text("–")

    services.panggil_berikutnya(unit=unit)
    expect(dipanggil).to_have_text("A-001", timeout=3000)
    expect(tv.locator('[data-unit="UMUM"] .tv-unit__berikut')).to_contain_text("A-004")
    assert jawaban and jawaban[-1] == 200

    # A registration behind the three numbers shown: no event reaches the TV.
    n = len(jawaban)
    daftar()
    time.sleep(1.0)
    assert len(jawaban) == n

    # The fragment's own "every 20s" refresh: revalidated, 304, the screen unchanged.
    mulai = time.monotonic()
    while len(jawaban) == n and time.monotonic() - mulai < 25:
        time.sleep(0.2)
    assert jawaban[n:] == [304], jawaban
    expect(dipanggil).to_have_text("A-001")
    expect(tv.locator('[data-unit="UMUM"] .tv-unit__berikut')).to_contain_text("A-004")

    # And the next call is on screen again at once.
    services.panggil_berikutnya(unit=unit)
    expect(dipanggil).to_have_text("A-002", timeout=3000)
    assert jawaban[-1] == 200
    ctx.close()
