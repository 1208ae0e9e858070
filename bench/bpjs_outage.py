"""BPJS outage benchmark: registration latency does not depend on BPJS, and a backlog built up
during an outage drains by itself once BPJS is back.

(a) p50/p95 latency of a BPJS registration through `pendaftaran.services.kunjungan_daftar`
    (visit + ticket + BPJS outbox rows in one transaction, publish off the request thread),
    with the BPJS simulator healthy, slow (every reply 5 s late) and down (connection reset),
    while a real Celery worker process works the outbox against that simulator;
(b) the time from BPJS recovery until a backlog of N BPJS visits registered during the
    outage (N eligibility checks + N PCare registrations + N Antrean FKTP adds) is cleared
    by that worker, with a real `celery beat` driving the breaker probe and the sweep at the
    production cadence (probe check every 10 s, breaker pause 30 s, sweep every 30 s);
    then checks that every PCare registration was made exactly once.

Usage:  DATABASE_URL=postgres://user@host:5432/anything python bench/bpjs_outage.py [options]

Throwaway everything: a `bench_bpjs_<pid>` database on the server of DATABASE_URL (dropped at
the end), our own redis-server on a free port (broker + cache), and an in-process simulator.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--registrasi", type=int, default=120, help="registrations per scenario")
    p.add_argument("--backlog", type=int, default=200, help="BPJS visits made during the outage")
    p.add_argument("--concurrency", type=int, default=2, help="worker processes")
    p.add_argument("--keep", action="store_true", help="keep the bench database")
    p.add_argument(
        "--port",
        type=int,
        default=0,
        help="first of two loopback ports to use (redis, simulator); default: any free ones",
    )
    return p.parse_args()


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def database_sementara(url: str, keep: bool):
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("bench/bpjs_outage.py needs DATABASE_URL pointing at PostgreSQL.")
    nama = f"bench_bpjs_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{nama}"')
    try:
        yield urlunsplit(parts._replace(path="/" + nama))
    finally:
        if keep:
            print(f"(kept database {nama})")
        else:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [nama],
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{nama}"')


@contextmanager
def redis_sementara(port: int = 0):
    if not shutil.which("redis-server"):
        sys.exit("bench/bpjs_outage.py needs redis-server on PATH.")
    port = port or _port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait(5)


def persen(data: list[float], p: float) -> float:
    urut = sorted(data)
    return urut[min(len(urut) - 1, round(p / 100 * (len(urut) - 1)))]


def main() -> None:
    args = _parse()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    from bpjs_bridge.simulator import SimConfig, start_in_thread

    sim = start_in_thread(port=args.port + 1 if args.port else 0, config=SimConfig(count=1500))
    with (
        database_sementara(url, args.keep) as db_url,
        redis_sementara(args.port) as redis_url,
    ):
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "BPJS_BASE_URL": sim.pcare_url,
            "BPJS_ANTREAN_BASE_URL": sim.antrean_url,
            "BPJS_TIMEOUT": "10",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        jalankan(args, env, sim)
    sim.stop()


def jalankan(args: argparse.Namespace, env: dict[str, str], sim) -> None:
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("bpjs_bridge").setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from puskesmas.demo import muat_demo

    pkm = muat_demo(jumlah_pasien=1500).puskesmas
    from pendaftaran.models import Pasien

    aktif = {p["no_kartu"] for p in sim.simulator.participants if p["kategori"] == "aktif"}
    pasien = list(Pasien.objects.filter(puskesmas=pkm, no_bpjs__in=aktif).order_by("pk"))
    n, b = args.registrasi, args.backlog
    if len(pasien) < n + b + 10:
        sys.exit(f"only {len(pasien)} active participants; lower --registrasi/--backlog")
    print(f"Database {django.db.connection.settings_dict['NAME']}, {len(pasien)} BPJS patients")

    tmp = tempfile.mkdtemp(prefix="bench-bpjs-")
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    worker = subprocess.Popen(
        [*celery, "worker", "-l", "warning", f"--concurrency={args.concurrency}",
         "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    beat = subprocess.Popen(
        [*celery, "beat", "-l", "warning", "-s", f"{tmp}/beat-schedule"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(4)  # worker and beat up
        ukur(pkm, pasien, n, b, sim)
    finally:
        for p in (worker, beat):
            p.terminate()
        for p in (worker, beat):
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def _fault(sim, **data) -> None:
    from bpjs_bridge.simulator import FaultConfig

    sim.simulator.set_fault(FaultConfig.from_json(data))


def ukur(pkm, pasien, n: int, b: int, sim) -> None:
    from bpjs_bridge import breaker
    from bpjs_bridge.models import JenisPermintaan, PermintaanBpjs, StatusPermintaan
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan

    unit = {u.kode: u for u in pkm.unit_layanan.all()}

    def daftar(p, kode: str) -> float:
        t0 = time.perf_counter()
        kunjungan_daftar(
            puskesmas=pkm,
            pasien=p,
            unit=unit[kode],
            data=DataKunjungan(penjamin="bpjs", keluhan="demam"),
            client_uuid=uuid.uuid4(),
        )
        return (time.perf_counter() - t0) * 1000

    for p in pasien[-10:]:  # warm-up: connections, the publishing thread (other patients)
        daftar(p, "P2M")

    print("\n(a) Registration latency, BPJS visit through kunjungan_daftar (ms)")
    print(f"    {'BPJS':<28}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    skenario = [
        ("sehat", "UMUM", {"mode": "ok"}),
        ("lambat (tiap jawaban +5 s)", "GIGI", {"mode": "slow", "delay_ms": 5000}),
        ("mati (koneksi ditolak)", "KIA", {"mode": "down"}),
    ]
    for nama, kode, fault in skenario:
        _fault(sim, **fault)
        lat = [daftar(p, kode) for p in pasien[:n]]
        print(
            f"    {nama:<28}{len(lat):>5}{statistics.median(lat):>9.1f}"
            f"{persen(lat, 95):>9.1f}{max(lat):>9.1f}"
        )

    # (b) The outage goes on; a morning's worth of BPJS visits piles up behind it.
    backlog = pasien[n : n + b]
    awal_backlog = PermintaanBpjs.objects.order_by("-pk").values_list("pk", flat=True).first()
    for p in backlog:
        daftar(p, "UMUM")
    rows = PermintaanBpjs.objects.filter(pk__gt=awal_backlog)
    J, S = JenisPermintaan, StatusPermintaan
    t_tunggu = time.monotonic()
    while not breaker.keadaan(pkm.pk).gangguan and time.monotonic() - t_tunggu < 60:
        time.sleep(0.5)
    # Let the worker drain what it already holds (deferred without spending attempts).
    while rows.filter(status=S.DIPROSES).exists() and time.monotonic() - t_tunggu < 90:
        time.sleep(0.5)
    print(
        f"\n(b) Backlog during the outage: {b} visits = {rows.count()} outbox rows; "
        f"breaker {breaker.keadaan(pkm.pk).status}; of these done already: "
        f"{rows.filter(status=S.BERHASIL).count()}"
    )
    semua_tertunda = PermintaanBpjs.objects.exclude(status=S.BERHASIL).count()
    print(f"    rows pending in total (earlier scenarios included): {semua_tertunda}")
    sim.simulator.calls.clear()
    _fault(sim, mode="ok")
    t0 = time.monotonic()
    tanda: dict[str, float] = {}
    while time.monotonic() - t0 < 600:
        if "pulih" not in tanda and not breaker.keadaan(pkm.pk).gangguan:
            tanda["pulih"] = time.monotonic() - t0
        for nama, jenis in (("cek", J.CEK_PESERTA), ("pcare", J.PENDAFTARAN_ADD)):
            if (
                nama not in tanda
                and not rows.filter(jenis=jenis).exclude(status=S.BERHASIL).exists()
            ):
                tanda[nama] = time.monotonic() - t0
        if "semua" not in tanda and not rows.exclude(status=S.BERHASIL).exists():
            tanda["semua"] = time.monotonic() - t0
            break
        time.sleep(0.2)
    print("    seconds after BPJS came back:")
    print(f"      breaker closed (probe answered)      {tanda.get('pulih', float('nan')):7.1f}")
    print(f"      all {b} eligibility checks done      {tanda.get('cek', float('nan')):7.1f}")
    print(f"      all {b} PCare registrations done     {tanda.get('pcare', float('nan')):7.1f}")
    semua = tanda.get("semua", float("nan"))
    print(f"      all {rows.count()} rows done (+ Antrean FKTP)  {semua:7.1f}")
    if "pulih" in tanda and "semua" in tanda:
        laju = rows.count() / max(tanda["semua"] - tanda["pulih"], 1e-6)
        print(f"      drain rate after the breaker closed  {laju:7.1f} rows/s")
    # Exactly once: one PCare registration per (card, poli, day), counted from BPJS's own state
    # (every scenario's visits, not only the backlog) and from the calls after recovery.
    posts = [
        (c["body"]["noKartu"], c["body"]["kdPoli"], c["body"]["tglDaftar"])
        for c in sim.simulator.calls
        if c["path"] == "pendaftaran" and c["method"] == "POST"
    ]
    ganda = len(posts) - len(set(posts))
    harus = PermintaanBpjs.objects.filter(jenis=J.PENDAFTARAN_ADD, status=S.BERHASIL).count()
    print(
        f"    PCare POST pendaftaran after recovery: {len(posts)}, repeated (card, poli, day): "
        f"{ganda}; PCare holds {len(sim.simulator.state.pendaftaran)} registrations for "
        f"{harus} registered visits; backlog rows not done: "
        f"{rows.exclude(status=S.BERHASIL).count()}"
    )


if __name__ == "__main__":
    main()
