"""Registration through the whole stack vs PostgreSQL alone, on the same server in the same run.

Starts its own PostgreSQL cluster (initdb into a temp dir), redis-server and gunicorn, migrates a
fresh database and loads the demo Puskesmas with synthetic patients, then measures

(a) `POST /api/v1/kunjungan` with a bearer token through gunicorn: closed loop with
    `--clients` concurrent clients for `--detik` seconds, each request a fresh client UUID for
    a patient without a visit today, spread over four units (every kind of work a real
    registration does: validation, numbering, the ticket, its log row, the audit row);
(b) pgbench running the equivalent transaction against the same database: a patient, a visit,
    the counter upsert and the ticket in one transaction (the INSERTs generated from the
    Django models, so they carry the real columns, indexes and constraints); it runs first,
    on the fresh database, and a VACUUM ANALYZE follows it before (a);
(c) the registration again, open loop at the goal rate (0.10 × pgbench's), for its p95.

It prints both rates, the ratio (goal ≥ 0.10) and the p95 at that rate (goal < 100 ms), then
checks that every 201 is one stored visit and that ticket numbers have no gaps.

Usage:  .venv/bin/python bench/registration_pgbench.py [--detik 20] [--clients 8]
Needs root (to run initdb as user postgres) or to be run as postgres. About 2 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _http, _infra


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--detik", type=float, default=20.0, help="seconds per measured phase")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (HTTP and pgbench)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    p.add_argument("--pasien", type=int, default=20_000, help="patients loaded before the run")
    p.add_argument("--target", type=float, default=0.10, help="goal ratio, for phase (c)")
    p.add_argument("--klien", choices=sorted(KLIEN), default="ringan",
                   help="load generator: plain asyncio sockets or httpx")  # fmt: skip
    return p.parse_args()


def siapkan(jumlah_pasien: int) -> dict:
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request drowns the table
    from django.core.management import call_command
    from django.db import connection

    from puskesmas.demo import muat_demo
    from puskesmas.models import Petugas
    from puskesmas.services import api_token_buat

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    hasil = muat_demo(jumlah_pasien=jumlah_pasien)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    loket = Petugas.objects.select_related("user").get(user__username="loket1")
    _, token = api_token_buat(user=loket.user, nama="bench")
    print(f"set-up: {jumlah_pasien:,} patients, {time.perf_counter() - t:.1f} s")
    return {"puskesmas": hasil.puskesmas, "token": token, "user_id": loket.user_id}


# --- (b) the equivalent transaction for pgbench ------------------------------------------------


def _literal(nilai) -> str:
    if nilai is None:
        return "NULL"
    if isinstance(nilai, bool):
        return "true" if nilai else "false"
    if isinstance(nilai, int | float):
        return str(nilai)
    return "'" + str(nilai).replace("'", "''") + "'"


def _insert(model, nilai: dict[str, str], returning: str | None = None) -> str:
    """INSERT of one row of `model` with every concrete column: `nilai` gives SQL expressions by
    column; the others get their Django default (random for unique callables, now() for auto
    times), so the statement stays right when someone adds a field."""
    kolom, isi = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        kolom.append(f'"{f.column}"')
        if f.column in nilai:
            isi.append(nilai[f.column])
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            isi.append("now()")
        elif f.unique and callable(f.default):
            isi.append(f"substr(md5(random()::text), 1, {f.max_length or 16})")
        elif f.has_default():
            isi.append(_literal(f.get_default()))
        elif f.null:
            isi.append("NULL")
        else:
            isi.append(_literal(f.get_default()))  # '' for a blank text column
    sql = f'INSERT INTO "{model._meta.db_table}" ({", ".join(kolom)}) VALUES ({", ".join(isi)})'
    return sql + (f" RETURNING id AS {returning} \\gset" if returning else ";")


def skrip_pgbench(puskesmas, user_id: int, units: list) -> str:
    from antrean.models import PenomoranHarian, Tiket
    from pendaftaran.models import Kunjungan, Pasien

    pk = puskesmas.pk
    ids = ",".join(str(u.pk) for u in units)
    klaster = ",".join(str(u.klaster_id) for u in units)
    penomoran = PenomoranHarian._meta.db_table
    baris = [
        f"\\set i random(1, {len(units)})",
        "BEGIN;",
        _insert(
            Pasien,
            {
                "puskesmas_id": str(pk),
                "no_rm": "substr(md5(random()::text), 1, 12)",
                "nama": "'Pasien Pgbench'",
                "nama_cari": "'pasien pgbench'",
                "tanggal_lahir": "date '1980-01-01'",
                "jenis_kelamin": "'P'",
                "dibuat_oleh_id": str(user_id),
            },
            returning="pasien_id",
        ),
        _insert(
            Kunjungan,
            {
                "client_uuid": "gen_random_uuid()",
                "puskesmas_id": str(pk),
                "pasien_id": ":pasien_id",
                "tanggal": "current_date",
                "unit_id": f"(ARRAY[{ids}])[:i]",
                "klaster_id": f"(ARRAY[{klaster}])[:i]",
                "penjamin": "'umum'",
                "keluhan": "'Batuk pilek'",
                "sumber": "'loket'",  # the HTTP run's visits are the 'api' ones
                "petugas_id": str(user_id),
                "dibuat_klien": "now()",
            },
            returning="kunjungan_id",
        ),
        f'INSERT INTO "{penomoran}" (unit_id, tanggal, terakhir, terakhir_luring) VALUES '
        f"((ARRAY[{ids}])[:i], current_date, 1, 0) ON CONFLICT (unit_id, tanggal) DO UPDATE "
        f'SET terakhir = "{penomoran}".terakhir + 1 RETURNING terakhir AS nomor \\gset',
        _insert(
            Tiket,
            {
                "kunjungan_id": ":kunjungan_id",
                "unit_id": f"(ARRAY[{ids}])[:i]",
                "tanggal": "current_date",
                # pgbench's own tickets: far above the HTTP run's numbers, in another series
                "nomor": ":nomor + 100000",
                "kode": "'P-' || :nomor",
                "waktu_masuk": "now()",
                "urut": ":nomor + 100000",
                "dibuat_oleh_id": str(user_id),
            },
        ),
        "END;",
    ]
    return "\n".join(baris) + "\n"


def vakum(db_url: str) -> None:
    from urllib.parse import urlsplit

    u = urlsplit(db_url)
    cmd = [str(_infra.pg_bin() / "psql"), "-q", "-h", u.hostname, "-p", str(u.port),
           "-U", "postgres", "-c", "VACUUM ANALYZE", u.path.lstrip("/")]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)


def jalankan_pgbench(db_url: str, skrip: str, klien: int, detik: float) -> dict:
    from urllib.parse import urlsplit

    u = urlsplit(db_url)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(skrip)
    os.chmod(f.name, 0o644)
    cmd = [str(_infra.pg_bin() / "pgbench"), "-n", "-h", u.hostname, "-p", str(u.port),
           "-U", "postgres", "-c", str(klien), "-j", str(min(klien, 2)),
           "-T", str(int(detik)), "-f", f.name, u.path.lstrip("/")]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    os.unlink(f.name)
    if out.returncode != 0:
        print(out.stdout, out.stderr)
        raise SystemExit("pgbench failed")
    tps = float(re.search(r"tps = ([\d.]+)", out.stdout).group(1))
    lat = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    gagal = re.search(r"number of failed transactions: (\d+)", out.stdout)
    return {
        "tps": tps,
        "lat_avg": float(lat.group(1)) if lat else float("nan"),
        "gagal": int(gagal.group(1)) if gagal else 0,
    }


# --- (a) and (c) through HTTP -------------------------------------------------------------------


class Badan:
    """Request bodies: each a fresh UUID for a patient not yet registered today."""

    def __init__(self, puskesmas, units: list):
        from pendaftaran.models import Pasien

        self.pasien = list(
            Pasien.objects.filter(puskesmas=puskesmas).order_by("pk").values_list("pk", flat=True)
        )
        self.units = [u.pk for u in units]
        self.i = 0
        self.dikirim_201 = 0

    def __call__(self) -> dict:
        if self.i >= len(self.pasien):
            raise IndexError("out of patients: raise --pasien")
        pid, self.i = self.pasien[self.i], self.i + 1
        return {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": pid,
            "unit_id": self.units[self.i % len(self.units)],
            "penjamin": "umum",
            "keluhan": "Batuk pilek",
        }


class KlienRingan:
    """POST /api/v1/kunjungan through bench/_http.py's lean client (gunicorn's sync workers
    close every connection, so each request opens one). The load generator shares the 2 cores
    with gunicorn and PostgreSQL: httpx spent about as much CPU per request as a quarter of the
    server's, which the server then lacked. Its CPU is printed either way (`--klien httpx`)."""

    def __init__(self, base: str, token: str):
        self.c = _http.Klien(base, timeout=60)
        self.kepala = {"Authorization": f"Bearer {token}"}

    async def __call__(self, b: dict) -> int:
        """The status, or 0 when no answer came (refused, reset, 60 s timeout)."""
        try:
            jawaban = await self.c.request("POST", "/api/v1/kunjungan", headers=self.kepala, json=b)
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
            return 0
        return jawaban.status_code

    async def tutup(self) -> None:
        await self.c.aclose()


class KlienHttpx:
    """The same through httpx (the benchmark's client before; for comparison)."""

    def __init__(self, base: str, token: str):
        import httpx

        self._httpx = httpx
        # Enough connections for phase (c)'s 32 in flight.
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
        self.c = httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60, limits=limits
        )

    async def __call__(self, b: dict) -> int:
        try:
            return (await self.c.post("/api/v1/kunjungan", json=b)).status_code
        except self._httpx.HTTPError:
            return 0

    async def tutup(self) -> None:
        await self.c.aclose()


KLIEN = {"ringan": KlienRingan, "httpx": KlienHttpx}


async def _tutup(klien_cls, base: str, token: str, badan: Badan, klien: int, detik: float) -> dict:
    lat: list[float] = []
    status: dict[int, int] = {}
    akhir = time.perf_counter() + detik
    kirim = klien_cls(base, token)

    async def pekerja() -> None:
        while time.perf_counter() < akhir:
            b = badan()
            t = time.perf_counter()
            kode = await kirim(b)
            lat.append(time.perf_counter() - t)
            status[kode] = status.get(kode, 0) + 1
            badan.dikirim_201 += kode == 201

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(pekerja() for _ in range(klien)))
    durasi, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await kirim.tutup()
    return {"lat": lat, "status": status, "rps": len(lat) / durasi, "cpu": cpu / max(1, len(lat))}


async def _terbuka(klien_cls, base: str, token: str, badan: Badan, laju: float,
                   detik: float) -> dict:  # fmt: skip
    """Open loop: requests start at `laju` per second whatever the answers' speed."""
    lat: list[float] = []
    status: dict[int, int] = {}
    kirim = klien_cls(base, token)

    # At most 32 requests in flight: beyond that httpx's pool scans its queue for every request
    # (quadratic), the load generator starves, and gunicorn's sync workers sit on connections
    # whose request never comes (WORKER TIMEOUT "no URI read"). A request that waits here still
    # counts its wait: latency runs from its scheduled start.
    sem = asyncio.Semaphore(32)

    async def satu(b: dict, t: float) -> None:
        async with sem:
            kode = await kirim(b)
        badan.dikirim_201 += kode == 201
        lat.append(time.perf_counter() - t)
        status[kode] = status.get(kode, 0) + 1

    tugas = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    n = int(laju * detik)
    for i in range(n):
        tunggu = t0 + i / laju - time.perf_counter()
        if tunggu > 0:
            await asyncio.sleep(tunggu)
        tugas.append(asyncio.create_task(satu(badan(), t0 + i / laju)))
    await asyncio.gather(*tugas)
    cpu = time.process_time() - cpu0
    await kirim.tutup()
    return {"lat": lat, "status": status, "rps": laju, "cpu": cpu / max(1, len(lat))}


def periksa(puskesmas, units: list) -> tuple[int, int]:
    """Visits the API stored today, and holes in today's online numbers of the four units."""
    from django.conf import settings
    from django.utils import timezone

    from antrean.models import Tiket
    from pendaftaran.models import Kunjungan

    hari = timezone.localdate()
    jumlah = Kunjungan.objects.filter(puskesmas=puskesmas, sumber="api", tanggal=hari).count()
    celah = 0
    for u in units:
        nomor = set(
            Tiket.objects.filter(
                unit=u, tanggal=hari, nomor__lt=settings.ANTREAN_NOMOR_LURING_AWAL
            ).values_list("nomor", flat=True)
        )
        celah += len(set(range(1, max(nomor, default=0) + 1)) - nomor)
    return jumlah, celah


def main() -> None:
    args = _parse()
    import psycopg

    t0 = time.perf_counter()
    with _infra.postgres_sendiri() as (server_url, _), _infra.redis_sendiri() as redis_url:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
            versi = conn.execute("SHOW server_version").fetchone()[0]
        db_url = server_url.rsplit("/", 1)[0] + "/bench"
        env = _infra.env_app(db_url, redis_url)
        os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
        os.environ["REDIS_URL"] = redis_url
        siap = siapkan(args.pasien)
        pkm = siap["puskesmas"]
        units = list(pkm.unit_layanan.filter(kode__in=["UMUM", "GIGI", "LAB", "FARMASI"]))
        badan = Badan(pkm, units)
        from django.db import connection

        connection.close()
        print(
            f"PostgreSQL {versi} (own cluster, default settings), {os.cpu_count()} CPUs, "
            f"{args.workers} gunicorn workers × {args.threads} threads, {args.clients} clients, "
            f"{args.detik:g} s/phase"
        )
        with _infra.gunicorn(env, args.workers, args.threads) as (base, pid):
            kc = KLIEN[args.klien]
            asyncio.run(_tutup(kc, base, siap["token"], badan, args.clients, 3))  # warm up
            pids = _infra.anak(pid)
            # pgbench first, on the fresh database, then VACUUM: its thousands of updates a
            # second to the four counter rows leave dead versions that autovacuum cannot keep
            # up with, and an HTTP phase run after them measured the bloat (p95 2–4 s at a rate
            # the closed loop had just sustained), not the registration.
            b = jalankan_pgbench(
                db_url, skrip_pgbench(pkm, siap["user_id"], units), args.clients, args.detik
            )
            vakum(db_url)
            cpu0 = _infra.cpu_detik(pids)
            a = asyncio.run(_tutup(kc, base, siap["token"], badan, args.clients, args.detik))
            cpu = (_infra.cpu_detik(pids) - cpu0) / max(1, len(a["lat"]))
            laju = args.target * b["tps"]
            c = asyncio.run(_terbuka(kc, base, siap["token"], badan, laju, args.detik))
        jumlah, celah = periksa(pkm, units)
        connection.close()

    rasio = a["rps"] / b["tps"]
    print("\n                                  rate/s    p50 ms   p95 ms   max ms  status")
    print(
        f"(a) POST /api/v1/kunjungan      {a['rps']:>8.1f}  {_infra.ms(a['lat'], 0.5):>8.1f} "
        f"{_infra.ms(a['lat'], 0.95):>8.1f} {max(a['lat']) * 1000:>8.1f}  {a['status']}"
    )
    print(
        f"(b) pgbench, same transaction   {b['tps']:>8.1f}  (avg {b['lat_avg']:.1f} ms)"
        f"                   failed {b['gagal']}"
    )
    print(
        f"(c) POST at {args.target:.2f} × pgbench       {laju:>8.1f}  "
        f"{_infra.ms(c['lat'], 0.5):>8.1f} {_infra.ms(c['lat'], 0.95):>8.1f} "
        f"{max(c['lat']) * 1000:>8.1f}  {c['status']}"
    )
    print(
        f"\nratio (a)/(b): {rasio:.3f}× (goal ≥ {args.target:.2f}×) · p95 at "
        f"{args.target:.2f}×: {_infra.ms(c['lat'], 0.95):.1f} ms (goal < 100 ms)"
    )
    print(
        f"gunicorn CPU per registration {cpu * 1000:.1f} ms · load generator ({args.klien}) "
        f"{a['cpu'] * 1000:.1f} ms (a) / {c['cpu'] * 1000:.1f} ms (c) CPU per request · "
        f"visits stored {jumlah} "
        f"(= 201s: {badan.dikirim_201}) · gaps in today's numbers {celah} · "
        f"total {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
