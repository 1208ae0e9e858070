"""SATUSEHAT outage benchmark: registration latency does not depend on SATUSEHAT, and the
Encounters of visits registered during an outage are sent once it is back, none twice.

(a) p50/p95 latency of a registration through `pendaftaran.services.kunjungan_daftar`
    (visit + ticket + SATUSEHAT outbox row in one transaction, published off the request
    thread) with the SATUSEHAT simulator healthy, slow (every reply 5 s late) and down
    (connection reset), while a real Celery worker process works the outbox;
(b) the time from recovery until a backlog of N visits registered during the outage has its
    N Encounters at SATUSEHAT, with a real `celery beat` (sweep every 30 s, breaker pause 30 s);
    then checks exactly-once: one Encounter per visit at SATUSEHAT, by our identifier.

Usage:  DATABASE_URL=postgres://user@host:5432/anything python bench/satusehat_outage.py

Throwaway everything, as bench/bpjs_outage.py: a bench database (dropped at the end), our own
redis-server on a free port, an in-process SATUSEHAT simulator.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from bench.bpjs_outage import database_sementara, persen, redis_sementara  # noqa: E402


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--registrasi", type=int, default=100, help="registrations per scenario")
    p.add_argument("--backlog", type=int, default=200, help="visits made during the outage")
    p.add_argument("--concurrency", type=int, default=2, help="worker processes")
    p.add_argument("--keep", action="store_true", help="keep the bench database")
    return p.parse_args()


def main() -> None:
    args = _parse()
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL server.")
    from satusehat.simulator import SimConfig, start_in_thread

    sim = start_in_thread(config=SimConfig(count=1500))
    with database_sementara(url, args.keep) as db_url, redis_sementara() as redis_url:
        env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "SATUSEHAT_BASE_URL": sim.url,
            "SATUSEHAT_TIMEOUT": "10",
            "LOG_LEVEL": "WARNING",
        }
        os.environ.update(env)
        jalankan(args, env, sim)
    sim.stop()


def jalankan(args: argparse.Namespace, env: dict[str, str], sim) -> None:
    import django

    django.setup()
    import logging

    for nama in ("httpx", "satusehat", "integrasi"):
        logging.getLogger(nama).setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from pendaftaran.models import Pasien
    from puskesmas.demo import muat_demo
    from satusehat.demo import siapkan_demo
    from satusehat.simulator.app import nik_dikenal

    pkm = muat_demo(jumlah_pasien=1500).puskesmas
    siapkan_demo(pkm)
    pasien = [p for p in Pasien.objects.filter(puskesmas=pkm).order_by("pk") if nik_dikenal(p.nik)]
    n, b = args.registrasi, args.backlog
    if len(pasien) < 3 * n + b + 10:
        sys.exit(f"only {len(pasien)} patients known to SATUSEHAT; lower --registrasi/--backlog")
    print(f"Database {django.db.connection.settings_dict['NAME']}, {len(pasien)} patients")

    tmp = tempfile.mkdtemp(prefix="bench-satusehat-")
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
        time.sleep(4)
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
    from satusehat.simulator import FaultConfig

    sim.simulator.set_fault(FaultConfig.from_json(data))


def ukur(pkm, pasien, n: int, b: int, sim) -> None:
    from integrasi.outbox import StatusKirim as S
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan
    from satusehat.models import EncounterKunjungan, KirimanSatusehat
    from satusehat.services import PEMUTUS

    unit = {u.kode: u for u in pkm.unit_layanan.all()}

    def daftar(p, kode: str) -> float:
        t0 = time.perf_counter()
        kunjungan_daftar(
            puskesmas=pkm,
            pasien=p,
            unit=unit[kode],
            data=DataKunjungan(penjamin="umum", keluhan="demam"),
            client_uuid=uuid.uuid4(),
        )
        return (time.perf_counter() - t0) * 1000

    for p in pasien[-10:]:  # warm-up
        daftar(p, "P2M")

    print("\n(a) Registration latency through kunjungan_daftar (ms)")
    print(f"    {'SATUSEHAT':<28}{'n':>5}{'p50':>9}{'p95':>9}{'max':>9}")
    skenario = [
        ("sehat", {"mode": "ok"}),
        ("lambat (tiap jawaban +5 s)", {"mode": "slow", "delay_ms": 5000}),
        ("mati (koneksi ditolak)", {"mode": "down"}),
    ]
    for i, (nama, fault) in enumerate(skenario):
        _fault(sim, **fault)
        lat = [daftar(p, "UMUM") for p in pasien[i * n : (i + 1) * n]]
        print(
            f"    {nama:<28}{len(lat):>5}{statistics.median(lat):>9.1f}"
            f"{persen(lat, 95):>9.1f}{max(lat):>9.1f}"
        )

    # (b) The outage goes on; a morning's visits pile up behind it.
    awal = KirimanSatusehat.objects.order_by("-pk").values_list("pk", flat=True).first()
    for p in pasien[3 * n : 3 * n + b]:
        daftar(p, "GIGI")
    rows = KirimanSatusehat.objects.filter(pk__gt=awal)
    t_tunggu = time.monotonic()
    while PEMUTUS.keadaan(pkm.pk) == "tertutup" and time.monotonic() - t_tunggu < 60:
        time.sleep(0.5)
    while rows.filter(status=S.DIPROSES).exists() and time.monotonic() - t_tunggu < 90:
        time.sleep(0.5)
    semua = KirimanSatusehat.objects.all()
    print(
        f"\n(b) Backlog during the outage: {b} visits = {rows.count()} outbox rows; breaker "
        f"{PEMUTUS.keadaan(pkm.pk)}; sent already: {rows.filter(status=S.BERHASIL).count()}; "
        f"pending in total (earlier scenarios too): {semua.exclude(status=S.BERHASIL).count()}"
    )
    _fault(sim, mode="ok")
    t0 = time.monotonic()
    tanda: dict[str, float] = {}
    while time.monotonic() - t0 < 600:
        if "pulih" not in tanda and PEMUTUS.keadaan(pkm.pk) == "tertutup":
            tanda["pulih"] = time.monotonic() - t0
        if "backlog" not in tanda and not rows.exclude(status=S.BERHASIL).exists():
            tanda["backlog"] = time.monotonic() - t0
        if not semua.exclude(status=S.BERHASIL).exists():
            tanda["semua"] = time.monotonic() - t0
            break
        time.sleep(0.2)
    nan = float("nan")
    print("    seconds after SATUSEHAT came back:")
    print(f"      breaker closed (a row got an answer)  {tanda.get('pulih', nan):7.1f}")
    print(f"      all {b} backlog Encounters sent       {tanda.get('backlog', nan):7.1f}")
    print(f"      every pending row sent ({semua.count()} rows)   {tanda.get('semua', nan):7.1f}")
    if "pulih" in tanda and "semua" in tanda:
        laju = rows.count() / max(tanda["backlog"] - tanda["pulih"], 1e-6)
        print(f"      drain rate after the breaker closed   {laju:7.1f} Encounters/s")
    # Exactly once, from SATUSEHAT's own state: one Encounter per visit identifier.
    per_id = Counter(e["identifier"][0]["value"] for e in sim.simulator.encounter.values())
    ganda = sum(c - 1 for c in per_id.values() if c > 1)
    kunjungan = semua.values("kunjungan_id").distinct().count()
    print(
        f"    Encounters at SATUSEHAT: {len(sim.simulator.encounter)} for {kunjungan} visits; "
        f"visits with more than one: {ganda}; visits with an Encounter id here: "
        f"{EncounterKunjungan.objects.count()}; adopted after a lost reply: "
        f"{EncounterKunjungan.objects.filter(diadopsi=True).count()}"
    )


if __name__ == "__main__":
    main()
