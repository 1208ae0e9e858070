"""One BPJS simulator per test session, served over real HTTP on a free loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bpjs_bridge.client import BpjsClient, BpjsConfig
from bpjs_bridge.simulator import RunningSimulator, SimConfig, start_in_thread

# Small population keeps start-up instant; same generator and seed as the full demo set.
SIM_CONFIG = SimConfig(count=400)


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    running = start_in_thread(config=SIM_CONFIG)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def sim(simulator: RunningSimulator) -> Iterator[RunningSimulator]:
    """The shared simulator, reset before and after each test (state, faults, call log)."""
    simulator.simulator.reset()
    yield simulator
    simulator.simulator.reset()


@pytest.fixture
def bpjs_config(sim: RunningSimulator) -> BpjsConfig:
    return BpjsConfig(
        cons_id=SIM_CONFIG.cons_id,
        secret_key=SIM_CONFIG.secret,
        user_key=SIM_CONFIG.user_key,
        antrean_user_key=SIM_CONFIG.antrean_user_key,
        username=SIM_CONFIG.username,
        password=SIM_CONFIG.password,
        pcare_base_url=sim.pcare_url,
        antrean_base_url=sim.antrean_url,
        timeout=3.0,
        connect_timeout=1.0,
    )


@pytest.fixture
def bpjs(bpjs_config: BpjsConfig) -> Iterator[BpjsClient]:
    with BpjsClient(bpjs_config) as c:
        yield c


@pytest.fixture
def control(sim: RunningSimulator) -> Iterator[httpx.Client]:
    """Plain HTTP client for the simulator's /_sim/ control endpoints."""
    with httpx.Client(base_url=f"{sim.url}/_sim", timeout=5.0) as c:
        yield c


@pytest.fixture
def pick(sim: RunningSimulator) -> Callable[..., dict[str, Any]]:
    """pick("tidak_aktif") -> the first seeded participant of that category (index= for more)."""

    def _pick(kategori: str, index: int = 0) -> dict[str, Any]:
        return [p for p in sim.simulator.participants if p["kategori"] == kategori][index]

    return _pick


# --- Outbox, tasks and Mobile JKN (bpjs_bridge services over the same simulator) --------------


@pytest.fixture
def bpjs_settings(settings, sim: RunningSimulator):
    """The app's BPJS settings pointed at the test simulator, with times shrunk for tests:
    retries after ~0.1-0.4 s, a breaker that opens after 3 failures and probes after 1 s."""
    settings.BPJS_BASE_URL = sim.pcare_url
    settings.BPJS_ANTREAN_BASE_URL = sim.antrean_url
    settings.BPJS_CONS_ID = SIM_CONFIG.cons_id
    settings.BPJS_SECRET_KEY = SIM_CONFIG.secret
    settings.BPJS_USER_KEY = SIM_CONFIG.user_key
    settings.BPJS_ANTREAN_USER_KEY = SIM_CONFIG.antrean_user_key
    settings.BPJS_USERNAME = SIM_CONFIG.username
    settings.BPJS_PASSWORD = SIM_CONFIG.password
    settings.BPJS_TIMEOUT = 1.0
    settings.BPJS_RETRY_DASAR = 0.1
    settings.BPJS_RETRY_BATAS = 0.4
    settings.BPJS_PERCOBAAN_MAKS = 4
    settings.BPJS_BREAKER_AMBANG = 3
    settings.BPJS_BREAKER_JEDA = 1.0
    settings.BPJS_KLAIM_KEDALUWARSA = 30.0
    settings.BPJS_ANTRE_ULANG = 30.0
    settings.BPJS_TERBIT_LATAR = False  # publish inline: tests see every message at once
    return settings


@pytest.fixture
def peserta_pasien(puskesmas, sim: RunningSimulator):
    """peserta_pasien("aktif", 0) -> a Pasien of the demo Puskesmas who is that simulator
    participant (same card, NIK, name and birth date), created on first use."""
    from pendaftaran.dedupe import normalisasi_nama
    from pendaftaran.models import Pasien

    def _buat(kategori: str = "aktif", index: int = 0):
        p = [x for x in sim.simulator.participants if x["kategori"] == kategori][index]
        pasien, _ = Pasien.objects.get_or_create(
            puskesmas=puskesmas,
            nik=p["nik"],
            defaults={
                "no_rm": f"{800000 + sim.simulator.participants.index(p):06d}",
                "no_bpjs": p["no_kartu"],
                "nama": p["nama"].title(),
                "nama_cari": normalisasi_nama(p["nama"]),
                "tanggal_lahir": p["tgl_lahir"],
                "jenis_kelamin": p["sex"],
                "alamat": "Jl. Uji",
                "no_hp": "081234567890",
            },
        )
        return pasien

    return _buat


@pytest.fixture
def daftar_bpjs(puskesmas, petugas_loket):
    """daftar_bpjs(pasien, unit="UMUM") -> a BPJS visit registered at loket 1."""
    import uuid

    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    def _daftar(pasien, unit: str = "UMUM", penjamin: str = "bpjs", keluhan: str = "demam"):
        return kunjungan_daftar(
            puskesmas=puskesmas,
            pasien=pasien,
            unit=puskesmas.unit_layanan.get(kode=unit),
            data=DataKunjungan(penjamin=penjamin, keluhan=keluhan),
            client_uuid=uuid.uuid4(),
            oleh=petugas_loket.user,
            loket=petugas_loket.loket,
        ).kunjungan

    return _daftar


def tunggu(cek: Callable[[], Any], *, batas: float = 15.0, jeda: float = 0.05) -> Any:
    """Poll until cek() is truthy (returns it) or fail after `batas` seconds."""
    import time

    akhir = time.monotonic() + batas
    while True:
        hasil = cek()
        if hasil:
            return hasil
        if time.monotonic() > akhir:
            raise AssertionError(f"tidak tercapai dalam {batas} s: {cek}")
        time.sleep(jeda)


def panggilan(sim: RunningSimulator, method: str, path_contains: str) -> list[dict[str, Any]]:
    """Calls the simulator received (fault or not), e.g. panggilan(sim, "POST", "pendaftaran")."""
    with sim.simulator._lock:
        return [
            c for c in sim.simulator.calls if c["method"] == method and path_contains in c["path"]
        ]


@pytest.fixture
def pekerja(transactional_db, bpjs_settings):
    """A real Celery worker in a thread (solo pool) consuming the test broker.

    PostgreSQL only: SQLite's in-memory test database is shared between threads through
    shared-cache mode, whose table locks make a second writer fail at random. The same
    processing is covered on SQLite by calling the service directly (test_outbox.py)."""
    from celery.contrib.testing.worker import start_worker
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("worker thread needs PostgreSQL (SQLite in-memory test DB locks tables)")

    from django.db import connections

    from config.celery import app

    # A worker in the test runner's own process must not lower the runner's CPU priority.
    bpjs_settings.WORKER_NICE = 0
    # Its thread's connection is kept between tasks (config/celery.py, as in production) and
    # would outlive the thread, still open when the test database is dropped: closed after
    # each task here instead.
    opsi = connections.settings["default"]
    umur = opsi.get("CONN_MAX_AGE")
    opsi["CONN_MAX_AGE"] = 0
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as w:
            yield w
    finally:
        opsi["CONN_MAX_AGE"] = umur
