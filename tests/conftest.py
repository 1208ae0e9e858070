"""Shared fixtures. Personas follow the field: `petugas_loket` registers, `perawat_poli` calls
patients, `admin_puskesmas` runs the place, `pasien_bpjs` is a returning JKN patient.

Tests use the real services named by the environment: PostgreSQL when DATABASE_URL is set,
Redis when REDIS_URL is set; otherwise SQLite and in-memory equivalents.
"""

from __future__ import annotations

import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API + ORM

from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app

REDIS_URL = os.environ.get("REDIS_URL", "")


def _redis_db(url: str, offset: int) -> str:
    """Tests use the database number in REDIS_URL for the broker and the next one for the cache,
    so parallel runs given different REDIS_URL databases never flush each other's data."""
    base, _, db = url.rpartition("/") if url.count("/") > 2 else (url, "", "0")
    return f"{base}/{int(db or 0) + offset}"


# Fast hashing: a persona fixture must not cost 300 ms of PBKDF2.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if REDIS_URL:
    celery_app.conf.update(
        broker_url=_redis_db(REDIS_URL, 0), result_backend=_redis_db(REDIS_URL, 0)
    )
else:
    celery_app.conf.update(broker_url="memory://", result_backend="cache+memory://")


@pytest.fixture(autouse=True)
def _cache_per_test(settings):
    """A clean cache for each test, on Redis when there is one (REDIS_URL's db + 1)."""
    if REDIS_URL:
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.CacheRedisTangguh",
                "LOCATION": _redis_db(REDIS_URL, 1),
            }
        }
    else:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    from config import cache as cache_tangguh

    for bersama in cache_tangguh._BERSAMA.values():
        bersama.mati_sampai = 0.0  # a pause another test's dead Redis began ends here
    cache.clear()
    yield
    # Backends for one location share their pools for the process's life; close their sockets
    # after each test so a test that restarts or kills a Redis leaves no dead connection for
    # the next (and none stay open to the end of the run).
    for pool in getattr(getattr(cache, "_cache", None), "_pools", {}).values():
        pool.disconnect()


@pytest.fixture(autouse=True)
def _penerbit_bersih():
    """The outbox's publishers are per process: a pause another test's dead broker began ends
    here, and their threads' database connections (kept between publishes) are closed after
    each test, or the test database is still "being accessed by other users" when dropped."""
    from integrasi.outbox import Penerbit

    for p in Penerbit._semua:
        p._mati_sampai = 0.0
    yield
    Penerbit.lepas_koneksi()


def geser_dari_tengah_malam(sekarang: datetime, *, jam_aman: int = 6) -> timedelta:
    """How far to move the clock so that "n hours ago" (up to `jam_aman` hours) is still
    today: from just after local midnight (17:00 UTC for WIB) to 12:00 the same day, else 0."""
    lokal = timezone.localtime(sekarang)
    if lokal.hour >= jam_aman:
        return timedelta(0)
    return lokal.replace(hour=12, minute=0, second=0, microsecond=0) - lokal


@pytest.fixture
def jauh_dari_tengah_malam(monkeypatch):
    """A ticking clock kept clear of local midnight, for tests that date things minutes ago.
    Every clock read in the apps goes through django.utils.timezone.now (a test in
    tests/test_jam_tes.py checks), so moving it moves the whole server consistently."""
    asli = timezone.now
    geser = geser_dari_tengah_malam(asli())
    if geser:
        monkeypatch.setattr(timezone, "now", lambda: asli() + geser)
    return geser


# --- Browser (Debian's Chromium; never a downloaded browser) ------------------------------------
from tests.proses import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 - Django-free, shared with bench/


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "id-ID", "timezone_id": settings.TIME_ZONE}


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def artifacts_dir():
    path = os.path.join(os.path.dirname(__file__), "artifacts")
    os.makedirs(path, exist_ok=True)
    return path


# --- Personas -----------------------------------------------------------------------------------
@pytest.fixture
def puskesmas(db):
    """The demo Puskesmas: clusters, units, lokets and demo staff, without bulk patients."""
    from puskesmas.demo import muat_demo

    return muat_demo(jumlah_pasien=0).puskesmas


@pytest.fixture
def petugas_loket(puskesmas):
    from puskesmas.models import Petugas

    return Petugas.objects.select_related("user", "loket").get(user__username="loket1")


@pytest.fixture
def petugas_loket_2(puskesmas):
    from puskesmas.models import Petugas

    return Petugas.objects.select_related("user", "loket").get(user__username="loket2")


@pytest.fixture
def perawat_poli(puskesmas):
    from puskesmas.models import Petugas

    return Petugas.objects.select_related("user").get(user__username="poli_umum")


@pytest.fixture
def admin_puskesmas(puskesmas):
    from puskesmas.models import Petugas

    return Petugas.objects.select_related("user").get(user__username="admin")


@pytest.fixture
def unit(puskesmas):
    """Poli Umum of the demo Puskesmas."""
    return puskesmas.unit_layanan.get(kode="UMUM")


@pytest.fixture
def pasien_bpjs(puskesmas):
    from tests.factories import PasienFactory, buat_nik

    lahir = date(1980, 3, 12)
    return PasienFactory(
        puskesmas=puskesmas,
        nama="Siti Aminah",
        tanggal_lahir=lahir,
        jenis_kelamin="P",
        nik=buat_nik(lahir, "P", serial=1),
        no_bpjs="0001234567890",
    )


@pytest.fixture
def pasien_umum(puskesmas):
    from tests.factories import PasienFactory, buat_nik

    lahir = date(1992, 11, 2)
    return PasienFactory(
        puskesmas=puskesmas,
        nama="Joko Santoso",
        tanggal_lahir=lahir,
        jenis_kelamin="L",
        nik=buat_nik(lahir, "L", serial=2),
        no_bpjs=None,
    )


@pytest.fixture
def client_loket(client, petugas_loket):
    client.force_login(petugas_loket.user)
    return client


@pytest.fixture
def puskesmas_lain(db):
    """A second Puskesmas in the same district deployment, for scoping tests."""
    from tests.factories import PuskesmasFactory

    return PuskesmasFactory(nama="Puskesmas Tetangga", kode_faskes="0114U999")


def _tutup_koneksi(bersama: threading.Barrier) -> None:
    from django.db import connections

    bersama.wait(10)  # every pool thread takes one, so each closes its own connection
    connections.close_all()


@pytest.fixture
def klien_gerbang(monkeypatch):
    """A test client whose handler runs requests behind a gate of two pool threads."""
    from django.test import Client, override_settings

    from config import gerbang

    kolam: list[ThreadPoolExecutor] = []

    class Kolam(ThreadPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            kolam.append(self)

    monkeypatch.setattr(gerbang, "ThreadPoolExecutor", Kolam)
    with override_settings(WEB_SERENTAK_MAKS=2):
        yield Client()  # a new handler: its middleware chain is built with the pool
    # The pool threads keep their database connections (their point): close them, or the
    # test database is still "being accessed by other users" when it is dropped.
    for k in kolam:
        bersama = threading.Barrier(k._max_workers)
        for t in [k.submit(_tutup_koneksi, bersama) for _ in range(k._max_workers)]:
            t.result()
        k.shutdown()
