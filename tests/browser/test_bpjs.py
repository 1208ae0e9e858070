"""BPJS is off the critical path, in a real browser: with the BPJS simulator down a BPJS
patient still gets a ticket at once with the "menunggu verifikasi" badge; when BPJS is back,
the badge turns to verified without a reload (a Celery worker runs in a thread)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from bpjs_bridge import breaker, services
from puskesmas.demo import KATA_SANDI_DEMO
from tests.bpjs_bridge.conftest import (  # noqa: F401 - fixtures shared with tests/bpjs_bridge
    bpjs_settings,
    control,
    pekerja,
    peserta_pasien,
    sim,
    simulator,
    tunggu,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bpjs_down_ticket_at_once_with_pending_badge_then_verified_without_reload(
    page: Page, live_server, pekerja, control, petugas_loket, peserta_pasien, puskesmas,  # noqa: F811
    artifacts_dir,
):  # fmt: skip
    pasien = peserta_pasien("aktif")
    user = petugas_loket.user
    user.set_password(KATA_SANDI_DEMO)
    user.save()
    control.post("/faults", json={"mode": "down"})
    base = live_server.url
    page.goto(f"{base}/masuk/")
    page.fill("#id_username", "loket1")
    page.fill("#id_password", KATA_SANDI_DEMO)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base}/loket/")

    page.goto(f"{base}/loket/pasien/{pasien.pk}/")
    expect(page.locator("input[name=penjamin][value=bpjs]")).to_be_checked()
    page.fill("#id_keluhan", "demam tiga hari")
    mulai = time.monotonic()
    page.keyboard.press("Control+Enter")
    # The number itself may follow a block reserved for offline work; any Poli Umum number.
    expect(page.locator("#nomor-antrean")).to_have_text(re.compile(r"^A-\d{3}$"))
    assert time.monotonic() - mulai < 5  # BPJS being down cost the counter nothing
    badge = page.locator(".bpjs-badge")
    expect(badge).to_contain_text("Menunggu verifikasi BPJS")
    tunggu(lambda: breaker.keadaan(puskesmas.pk).gangguan)
    expect(badge).to_contain_text("BPJS sedang gangguan")
    page.screenshot(path=f"{artifacts_dir}/bpjs-menunggu.png")

    control.post("/faults", json={"mode": "ok"})
    time.sleep(1.1)  # the breaker's pause in tests (BPJS_BREAKER_JEDA = 1 s)
    services.sapu()  # beat's job: asks the worker for a probe, which releases the backlog
    expect(badge).to_contain_text("Terverifikasi", timeout=15_000)
    expect(badge).to_contain_text("No. urut PCare A1", timeout=15_000)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload
    page.screenshot(path=f"{artifacts_dir}/bpjs-terverifikasi.png")
