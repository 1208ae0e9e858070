"""The two outages a thread cannot fake, with a real `celery -A config worker` process and our
own redis-server (never the shared one): a worker killed between the PCare call and the save,
and Redis stopped during a burst of registrations. PostgreSQL only: the worker process must
see the test database, which an in-memory SQLite database cannot offer."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from bpjs_bridge import services
from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs, StatusPermintaan
from tests.bpjs_bridge.conftest import SIM_CONFIG, panggilan, tunggu
from tests.proses import RedisSendiri

J = JenisPermintaan
S = StatusPermintaan
ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed"),
]


@pytest.fixture
def redis_sendiri() -> Iterator[RedisSendiri]:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs the PostgreSQL test database")
    r = RedisSendiri()
    r.mulai()
    from config.celery import app

    lama = app.conf.broker_url
    _ganti_broker(app, r.url)
    try:
        yield r
    finally:
        _ganti_broker(app, lama)
        r.berhenti()


def _ganti_broker(app, url: str) -> None:
    app.conf.broker_url = url
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


class Pekerja:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
             "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def bunuh(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.bunuh()


@pytest.fixture
def pekerja_proses(redis_sendiri, bpjs_settings, sim) -> Iterator:
    """pekerja_proses(**settings) starts a worker process on our Redis and the test DB."""
    db = connection.settings_dict
    semua: list[Pekerja] = []

    def mulai(**tambahan: str) -> Pekerja:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": redis_sendiri.url,
            "CELERY_BROKER_URL": redis_sendiri.url,
            "BPJS_BASE_URL": sim.pcare_url,
            "BPJS_ANTREAN_BASE_URL": sim.antrean_url,
            "BPJS_CONS_ID": SIM_CONFIG.cons_id,
            "BPJS_SECRET_KEY": SIM_CONFIG.secret,
            "BPJS_TIMEOUT": "10",
            "BPJS_RETRY_DASAR": "0.2",
            "BPJS_RETRY_BATAS": "1",
            "BPJS_BREAKER_AMBANG": "50",
            "DB_CONN_MAX_AGE": "0",
            **tambahan,
        }
        if db.get("PASSWORD"):
            env["PGPASSWORD"] = db["PASSWORD"]
        p = Pekerja(env)
        semua.append(p)
        return p

    yield mulai
    for p in semua:
        p.stop()


def test_worker_killed_between_the_pcare_call_and_the_save_never_registers_twice(
    pekerja_proses, sim, control, peserta_pasien, daftar_bpjs, settings
):
    pertama = pekerja_proses()
    # PCare registers at once but answers only after 5 s: time to kill the worker mid-call.
    control.post("/faults", json={"mode": "slow", "delay_ms": 5000, "path_contains": "pendaftaran"})
    k = daftar_bpjs(peserta_pasien("aktif"))
    tunggu(lambda: panggilan(sim, "POST", "pendaftaran"), batas=30)
    pertama.bunuh()
    add = PermintaanBpjs.objects.get(kunjungan=k, jenis=J.PENDAFTARAN_ADD)
    assert add.status == S.DIPROSES  # claimed, called, never saved
    control.post("/faults", json={"mode": "ok"})

    # A new worker; the sweep (beat) finds the stale claim and republishes it.
    settings.BPJS_KLAIM_KEDALUWARSA = 1.0
    pekerja_proses(BPJS_KLAIM_KEDALUWARSA="1")
    time.sleep(1.1)
    assert services.sapu().basi == 1
    tunggu(lambda: PermintaanBpjs.objects.get(pk=add.pk).status == S.BERHASIL, batas=30)
    add.refresh_from_db()
    (terdaftar,) = sim.simulator.state.pendaftaran.values()
    assert add.hasil == {"noUrut": terdaftar["noUrut"], "rekonsiliasi": True}
    assert len(panggilan(sim, "POST", "pendaftaran")) == 1


def test_redis_stopped_during_a_burst_loses_no_bpjs_call_and_repeats_none(
    pekerja_proses, redis_sendiri, sim, peserta_pasien, daftar_bpjs, settings
):
    settings.BPJS_ANTRE_ULANG = 1.0
    settings.BPJS_KLAIM_KEDALUWARSA = 3.0
    settings.BPJS_TERBIT_LATAR = True  # as in production: publishing off the request thread
    pekerja_proses(BPJS_KLAIM_KEDALUWARSA="3")
    pasien = [peserta_pasien("aktif", i) for i in range(12)]
    visits = []
    for i, p in enumerate(pasien):
        if i == 4:
            redis_sendiri.berhenti()  # the broker dies mid-burst
        mulai = time.monotonic()
        visits.append(daftar_bpjs(p))
        # Registration never waits for the broker, up or down.
        assert time.monotonic() - mulai < 1.0
    assert all(v.tiket_pertama is not None for v in visits)
    redis_sendiri.mulai()  # back, and empty: every queued message is gone

    def selesai() -> bool:
        services.sapu()
        return PermintaanBpjs.objects.filter(
            jenis=J.PENDAFTARAN_ADD, status=S.BERHASIL
        ).count() == len(visits)

    tunggu(selesai, batas=45, jeda=1.0)
    tunggu(
        lambda: (
            PermintaanBpjs.objects.filter(jenis=J.ANTREAN_ADD, status=S.BERHASIL).count()
            == len(visits)
        ),
        batas=15,
    )
    daftar = Counter(c["body"]["noKartu"] for c in panggilan(sim, "POST", "pendaftaran"))
    assert daftar == Counter(p.no_bpjs for p in pasien)  # every one, exactly once
    antrean = Counter(c["body"]["nomorkartu"] for c in panggilan(sim, "POST", "antrean/add"))
    assert antrean == Counter(p.no_bpjs for p in pasien)
    assert len(sim.simulator.state.pendaftaran) == len(visits)


def _sesi_pekerja() -> set[int]:
    with connection.cursor() as c:
        c.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'uji-pekerja' "
            "AND datname = current_database()"
        )
        return {pid for (pid,) in c.fetchall()}


def test_a_worker_keeps_its_database_sessions_replaces_killed_ones_and_yields_the_cpu(
    pekerja_proses, sim, peserta_pasien, daftar_bpjs
):
    """Deliveries reuse the worker's PostgreSQL sessions (DB_CONN_MAX_AGE, as the web does):
    Celery's Django fix-up closed them around every task, a new session per delivery. The
    worker holds its task thread's and its outbox publishers' (a settled row publishes its
    successor; only BPJS is on here, so two). When they die (PostgreSQL restarted, backends
    killed) the next tasks get new ones and every visit is still sent once. The worker runs at
    niceness WORKER_NICE."""
    p = pekerja_proses(DB_CONN_MAX_AGE="600", PGAPPNAME="uji-pekerja", WORKER_NICE="7")
    pasien = [peserta_pasien("aktif", i) for i in range(9)]

    def kirim(kelompok) -> set[int]:
        """Register, wait until delivered; every worker session seen meanwhile (sampled every
        few ms: a session opened for one task and closed after it is seen too)."""
        n = PermintaanBpjs.objects.filter(jenis=J.ANTREAN_ADD, status=S.BERHASIL).count()
        dilihat: set[int] = set()
        for x in kelompok:
            daftar_bpjs(x)

        def selesai() -> bool:
            dilihat.update(_sesi_pekerja())
            return PermintaanBpjs.objects.filter(
                jenis=J.ANTREAN_ADD, status=S.BERHASIL
            ).count() == n + len(kelompok)

        tunggu(selesai, batas=45, jeda=0.002)
        return dilihat | _sesi_pekerja()

    kirim(pasien[:3])
    sesi = _sesi_pekerja()
    assert 1 <= len(sesi) <= 2
    assert os.getpriority(os.PRIO_PROCESS, p.proc.pid) == 7
    assert kirim(pasien[3:6]) == sesi  # nine more deliveries, not one new session

    with connection.cursor() as c:
        for pid in sesi:
            c.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])  # waits for its exit
    kirim(pasien[6:])
    baru = _sesi_pekerja()
    assert 1 <= len(baru) <= 2 and not baru & sesi
    daftar = Counter(c["body"]["noKartu"] for c in panggilan(sim, "POST", "pendaftaran"))
    assert daftar == Counter(x.no_bpjs for x in pasien)  # every one, exactly once
