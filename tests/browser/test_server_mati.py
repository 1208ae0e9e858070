"""The server process itself dies, not the network: the loket runs against its own gunicorn
process (the production server), which the test kills with SIGKILL mid-shift and starts again
later. The browser sees real refused connections — for htmx, the heartbeat, and the service
worker's own fetches on a reload — which `context.set_offline` (test_offline.py) does not.

PostgreSQL only: the server process must see the test database, which an in-memory SQLite
database cannot offer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from playwright.sync_api import expect

from downtime.models import EntriReplay, EpisodeDowntime
from pendaftaran.models import Kunjungan
from puskesmas.demo import KATA_SANDI_DEMO
from tests.browser.test_offline import (
    BANNER,
    buka,
    daftar_baru,
    jumlah_outbox,
    masuk,
    siap,
    sw_siap,
    tunggu,
)
from tests.factories import buat_nik
from tests.proses import port_bebas, port_hidup

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class ServerSendiri:
    """`gunicorn config.wsgi` on the test database, started and killed at will."""

    def __init__(self, log: Path) -> None:
        self.port = port_bebas()
        self.url = f"http://localhost:{self.port}"
        self.log = log
        self.proc: subprocess.Popen | None = None
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DATABASE_URL": (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            ),
            "PYTHONUNBUFFERED": "1",
        }
        if os.environ.get("REDIS_URL"):
            # Its own Redis databases, apart from the test process's broker and cache.
            self.env["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/12"

    def mulai(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--threads", "8", "--timeout", "30"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        batas = time.monotonic() + 30
        while not self._hidup():
            assert self.proc.poll() is None, self.log.read_text()[-2000:]
            assert time.monotonic() < batas, "gunicorn did not start"
            time.sleep(0.1)

    def _hidup(self) -> bool:
        return port_hidup(self.port)

    def bunuh(self) -> None:
        """SIGKILL: no graceful shutdown, open connections are cut — a crash or power cut."""
        if self.proc and self.proc.poll() is None:
            # Master and worker together (their own process group), as a power cut would.
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        batas = time.monotonic() + 10
        while self._hidup():
            assert time.monotonic() < batas, "the server still answers after SIGKILL"
            time.sleep(0.05)


@pytest.fixture
def server(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a server process needs the PostgreSQL test database")
    s = ServerSendiri(tmp_path / "gunicorn.log")
    s.mulai()
    yield s
    s.bunuh()


def test_the_server_process_dies_and_the_loket_registers_on_then_replays_once(
    playwright, server, puskesmas, petugas_loket, tmp_path, artifacts_dir
):
    # The server process does not share the tests' fast password hasher.
    petugas_loket.user.password = PBKDF2PasswordHasher().encode(KATA_SANDI_DEMO, "garamuji")
    petugas_loket.user.save()
    base = server.url
    galat_js: list[str] = []
    ctx, page = buka(playwright, tmp_path / "loket1", base)
    page.on("pageerror", lambda e: galat_js.append(str(e)))
    masuk(page, base, "loket1")
    sw_siap(page)
    tunggu(page, "await window.loketLuring.blokStore.ambil('UMUM')")

    # --- the server dies; the first thing the officer does is search a patient -----------------
    server.bunuh()
    t0 = time.monotonic()
    page.locator("#q").focus()
    page.keyboard.type("siti")  # htmx search → connection refused → offline at once
    expect(page.locator(".banner--luring")).to_contain_text(BANNER, timeout=2000)
    beralih = time.monotonic() - t0
    page.keyboard.press("Escape")

    lahir = [date(1985, 1, 9), date(1991, 7, 21), date(1979, 4, 2)]
    tiket = [
        daftar_baru(
            page,
            nama="Pasien Server Mati Satu",
            nik=buat_nik(lahir[0], "L", serial=301),
            lahir=lahir[0],
            jk="L",
        )
    ]
    assert tiket[0][1] == "A-501", tiket  # the loket's offline block, not "nomor menyusul"

    # A reload while the server is dead: the service worker serves the loket page.
    page.reload()
    siap(page)
    expect(page.locator(".banner--luring")).to_contain_text("1 pendaftaran menunggu dikirim")
    tiket.append(
        daftar_baru(
            page,
            nama="Pasien Server Mati Dua",
            nik=buat_nik(lahir[1], "P", serial=302),
            lahir=lahir[1],
            jk="P",
        )
    )
    assert jumlah_outbox(page) == 2
    assert not Kunjungan.objects.exists()
    page.screenshot(path=os.path.join(artifacts_dir, "server_mati.png"), full_page=True)

    # --- the server comes back (same address); the heartbeat notices, the outbox replays -------
    server.mulai()
    tunggu(page, "(await window.loketLuring.outbox.jumlah()) === 0", 20)
    expect(page.locator(".banner--luring")).to_be_hidden(timeout=5000)
    # And online registration goes on: numbering starts at 001, the offline series apart.
    tiket.append(daftar_baru_daring(page, nama="Pasien Setelah Pulih", lahir=lahir[2], serial=303))

    assert [t[1] for t in tiket] == ["A-501", "A-502", "A-001"]
    kunjungan = list(Kunjungan.objects.order_by("dibuat_klien").prefetch_related("tiket"))
    assert [(k.pasien.nama, k.tiket.get().kode) for k in kunjungan] == tiket
    assert [k.sumber for k in kunjungan] == ["offline", "offline", "loket"]
    assert EntriReplay.objects.count() == 2
    assert EntriReplay.objects.values("client_uuid").distinct().count() == 2
    ep = EpisodeDowntime.objects.get(loket=petugas_loket.loket)
    assert ep.jenis == "server" and ep.selesai is not None and ep.entri_tercatat == 2
    assert not galat_js, galat_js
    ctx.close()
    print(f"\nserver killed → offline banner: {beralih * 1000:.0f} ms")  # bench/switchover.py


def daftar_baru_daring(page, *, nama: str, lahir: date, serial: int) -> tuple[str, str]:
    """F4, type, Ctrl+Enter twice, online: the server's own panels answer."""
    page.keyboard.press("F4")
    expect(page.locator("#panel-pasien-baru")).to_be_visible()
    expect(page.locator("#id_nama")).to_be_focused()
    page.keyboard.type(nama)
    page.fill("#id_nik", buat_nik(lahir, "L", serial=serial))
    page.fill("#id_tanggal_lahir", lahir.isoformat())
    page.check("input[name=jenis_kelamin][value=L]")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#panel-kunjungan")).to_contain_text("Pasien baru tersimpan")
    page.keyboard.press("Control+Enter")
    nomor = page.locator("#nomor-antrean")
    expect(nomor).to_be_visible()
    return nama, nomor.inner_text()
