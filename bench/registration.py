"""Registration benchmark: how fast the counter's two hot paths are on PostgreSQL.

(a) visit registrations per second and p50/p95 latency through the real HTTP API: gunicorn on a
    free loopback port, concurrent httpx clients posting `POST /api/v1/kunjungan` with a bearer
    token, each visit a fresh client UUID (then a round of replays to check idempotency);
(b) patient-search latency (`GET /api/v1/pasien?q=`) with 100,000 patients in the database:
    by NIK, No. RM, BPJS card, name prefix, and name + birth date.

Usage:  DATABASE_URL=postgres://user@host:5432/anything python bench/registration.py [options]

Only the server and credentials of DATABASE_URL are used: the benchmark creates its own
database `bench_registration_<pid>` and drops it at the end, so no app database is touched.
Set REDIS_URL to keep the app's cache writes (queue "live" markers) off the local file cache.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pasien", type=int, default=100_000, help="patients in the database")
    p.add_argument("--requests", type=int, default=2000, help="visit registrations to post")
    p.add_argument("--clients", type=int, default=12, help="concurrent HTTP clients")
    p.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    p.add_argument("--searches", type=int, default=200, help="searches per kind")
    p.add_argument("--time-limit", type=float, default=45.0, help="cap for part (a), seconds")
    p.add_argument("--keep", action="store_true", help="keep the bench database (debugging)")
    return p.parse_args()


# --- The throwaway database ---------------------------------------------------------------------


def _dengan_db(url: str, nama: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + nama))


@contextmanager
def database_sementara(url: str, keep: bool):
    """CREATE a `bench_` database on the server of `url`, yield its URL, DROP it afterwards."""
    import psycopg

    if urlsplit(url).scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("bench/registration.py needs DATABASE_URL pointing at PostgreSQL.")
    nama = f"bench_registration_{os.getpid()}"
    admin_url = _dengan_db(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{nama}"')
    try:
        yield _dengan_db(url, nama)
    finally:
        if keep:
            print(f"\n(kept database {nama})")
        else:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [nama],
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{nama}"')


# --- Set-up inside the bench database -----------------------------------------------------------


def siapkan(jumlah_pasien: int) -> dict:
    """Migrate, load the demo Puskesmas with N synthetic patients, make a bearer token."""
    import django

    django.setup()
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request drowns the table
    from django.core.management import call_command
    from django.db import connection

    from puskesmas.demo import muat_demo
    from puskesmas.models import Petugas
    from puskesmas.services import api_token_buat

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    t_migrate = time.perf_counter() - t
    t = time.perf_counter()
    hasil = muat_demo(jumlah_pasien=jumlah_pasien)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    t_muat = time.perf_counter() - t
    loket = Petugas.objects.select_related("user").get(user__username="loket1")
    _, token = api_token_buat(user=loket.user, nama="bench")
    print(
        f"set-up: migrate {t_migrate:.1f} s, {hasil.pasien_baru:,} patients loaded "
        f"in {t_muat:.1f} s"
    )
    return {"puskesmas": hasil.puskesmas, "token": token}


def _port_bebas() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(db_url: str, workers: int):
    port = _port_bebas()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": f"bench{os.getpid()}",
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    cmd = [
        gunicorn,
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(100):
            try:
                if httpx.get(base + "/api/v1/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not come up")
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=15)


# --- Measuring ----------------------------------------------------------------------------------


def _ms(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000


def _baris(label: str, lat: list[float], extra: str = "") -> str:
    return (
        f"  {label:<22} {len(lat):>6} {_ms(lat, 0.5):>8.1f} {_ms(lat, 0.95):>8.1f} "
        f"{_ms(lat, 0.99):>8.1f} {max(lat) * 1000 if lat else 0:>8.1f}  {extra}"
    )


KEPALA = f"  {'':<22} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"


def _contoh_pasien(puskesmas, n: int) -> list:
    from pendaftaran.models import Pasien

    rng = random.Random(7)
    ids = list(Pasien.objects.filter(puskesmas=puskesmas).values_list("pk", flat=True))
    return list(Pasien.objects.filter(pk__in=rng.sample(ids, min(n, len(ids)))).order_by("?"))


def _awalan_nama(p) -> str:
    # What an officer types before the list is short enough: a first name and the start of the
    # second, e.g. "Siti Am".
    kata = p.nama.split()
    return f"{kata[0]} {kata[1][:3]}" if len(kata) > 1 else kata[0][:4]


JENIS_CARI = {
    "NIK": lambda p: p.nik,
    "No. RM": lambda p: p.no_rm.lstrip("0"),
    "BPJS": lambda p: p.no_bpjs,
    "nama (awalan)": _awalan_nama,
    "nama + tgl lahir": lambda p: f"{p.nama.split()[0]} {p.tanggal_lahir:%d-%m-%Y}",
}


def bench_cari(base: str, token: str, puskesmas, per_jenis: int) -> dict[str, list[float]]:
    """Sequential searches, as one officer typing at one counter sees them: over HTTP (what the
    browser waits for) and the selector alone in this process (the database part)."""
    import httpx

    from pendaftaran.selectors import pasien_cari

    contoh = _contoh_pasien(puskesmas, per_jenis)
    hasil: dict[str, list[float]] = {}
    print("\n(b) patient search, one client, sequential")
    print(KEPALA + "  found  | selector in-process p50 / p95 ms")
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        for p in contoh[:20]:  # warm the workers' connections and caches
            c.get("/api/v1/pasien", params={"q": p.nama})
        for label, q_dari in JENIS_CARI.items():
            lat, lokal, kena = [], [], 0
            for p in contoh:
                q = q_dari(p)
                if not q:
                    continue
                t = time.perf_counter()
                r = c.get("/api/v1/pasien", params={"q": q})
                lat.append(time.perf_counter() - t)
                r.raise_for_status()
                kena += any(x["id"] == p.pk for x in r.json())
                t = time.perf_counter()
                pasien_cari(puskesmas=puskesmas, q=q)
                lokal.append(time.perf_counter() - t)
            hasil[label] = lat
            print(
                _baris(label, lat, f"{kena:>3}/{len(lat):<3} | ")
                + f"{_ms(lokal, 0.5):.1f} / {_ms(lokal, 0.95):.1f}"
            )
    return hasil


def _cpu_detik(pid: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    anak = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid] + [int(x) for x in anak.read_text().split()] if anak.exists() else [pid]
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(f[11]) + int(f[12])) / tick
    return total


async def _daftarkan(
    base: str, token: str, badan: list[dict], klien: int, batas_waktu: float
) -> tuple[list[float], dict[int, int], float]:
    import httpx

    lat: list[float] = []
    status: dict[int, int] = {}
    antre: asyncio.Queue[dict] = asyncio.Queue()
    for b in badan:
        antre.put_nowait(b)
    akhir = time.perf_counter() + batas_waktu

    async def pekerja(c: httpx.AsyncClient) -> None:
        while time.perf_counter() < akhir:
            try:
                b = antre.get_nowait()
            except asyncio.QueueEmpty:
                return
            t = time.perf_counter()
            r = await c.post("/api/v1/kunjungan", json=b)
            lat.append(time.perf_counter() - t)
            status[r.status_code] = status.get(r.status_code, 0) + 1

    limits = httpx.Limits(max_connections=klien, max_keepalive_connections=klien)
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        limits=limits,
        timeout=30,
    ) as c:
        t0 = time.perf_counter()
        await asyncio.gather(*(pekerja(c) for _ in range(klien)))
        durasi = time.perf_counter() - t0
    return lat, status, durasi


def bench_daftar(
    base: str, token: str, puskesmas, n: int, klien: int, batas: float, server_pid: int
) -> dict:
    from antrean.models import Tiket
    from pendaftaran.models import Kunjungan, Pasien

    units = list(puskesmas.unit_layanan.filter(kode__in=["UMUM", "GIGI", "LAB", "FARMASI"]))
    # Distinct patients, so no request is refused as a second visit to the same unit today.
    pasien = list(
        Pasien.objects.filter(puskesmas=puskesmas)
        .order_by("pk")
        .values_list("pk", flat=True)[: n + 100]
    )

    def badan(pid: int, i: int) -> dict:
        return {
            "client_uuid": str(uuid.uuid4()),
            "pasien_id": pid,
            "unit_id": units[i % len(units)].pk,
            "penjamin": "umum",
            "keluhan": "Batuk pilek",
        }

    pemanasan = [badan(pid, i) for i, pid in enumerate(pasien[n : n + 100])]
    asyncio.run(_daftarkan(base, token, pemanasan, klien, 30))
    semua = [badan(pid, i) for i, pid in enumerate(pasien[:n])]
    cpu0 = _cpu_detik(server_pid)
    lat, status, durasi = asyncio.run(_daftarkan(base, token, semua, klien, batas))
    cpu_per_req = (_cpu_detik(server_pid) - cpu0) / max(1, len(lat))
    terkirim = semua[: len(lat)]
    # Idempotency under load: replay a sample of what was just stored.
    ulang = random.Random(3).sample(terkirim, min(200, len(terkirim)))
    lat_ulang, status_ulang, durasi_ulang = asyncio.run(
        _daftarkan(base, token, ulang, klien, batas)
    )

    jumlah = Kunjungan.objects.filter(sumber="api").count()
    celah = 0
    for u in units:
        nomor = list(Tiket.objects.filter(unit=u).values_list("nomor", flat=True))
        celah += (max(nomor) - len(nomor)) if nomor else 0

    print(f"\n(a) visit registration over HTTP: {klien} clients, gunicorn workers as given")
    print(KEPALA)
    print(_baris("POST /kunjungan (new)", lat, f"{len(lat) / durasi:.0f} req/s, {status}"))
    print(
        _baris(
            "POST /kunjungan (replay)",
            lat_ulang,
            f"{len(lat_ulang) / durasi_ulang:.0f} req/s, {status_ulang}",
        )
    )
    print(
        f"  visits stored: {jumlah} (expected {len(lat) + len(pemanasan)}), "
        f"gaps in ticket numbers: {celah}"
    )
    print(
        f"  gunicorn CPU per new registration: {cpu_per_req * 1000:.1f} ms "
        f"(≈ {1 / cpu_per_req:.0f} req/s per free core, PostgreSQL not included)"
    )
    return {"lat": lat, "rps": len(lat) / durasi, "status": status, "cpu": cpu_per_req}


def explain(puskesmas) -> None:
    """The plans behind each kind of search, on real rows: every one must be an index scan
    (the trigram GIN index serves 'name contains'; see pendaftaran/migrations/0002)."""
    from django.db import connection
    from django.db.models import Q

    from pendaftaran.dedupe import normalisasi_nama
    from pendaftaran.models import Pasien

    p = _contoh_pasien(puskesmas, 1)[0]
    kata = normalisasi_nama(p.nama).split()
    basis = Pasien.objects.filter(puskesmas=puskesmas)
    rencana_cari = {
        "NIK (nik OR nik_ibu)": basis.filter(Q(nik=p.nik) | Q(nik_ibu=p.nik)),
        "BPJS": basis.filter(no_bpjs=p.no_bpjs or "0"),
        "nama awalan": basis.filter(nama_cari__startswith=" ".join(kata[:2])[:7]),
        "nama di tengah": basis.filter(nama_cari__contains=" " + kata[-1]),
        "tgl lahir": basis.filter(tanggal_lahir=p.tanggal_lahir),
    }
    print("\nEXPLAIN ANALYZE of the search queries (first plan node with a scan):")
    for label, qs in rencana_cari.items():
        # The shapes pasien_cari sends: capped, sorted in Python for the name searches.
        sql, params = qs[:200].query.sql_with_params()
        with connection.cursor() as c:
            c.execute("EXPLAIN ANALYZE " + sql, params)
            baris = [r[0].strip() for r in c.fetchall()]
        scan = next((r for r in baris if "Scan" in r), "?").split("  (")[0].lstrip("-> ")
        waktu = next((r for r in baris if r.startswith("Execution Time")), "")
        print(f"  {label:<22} {scan:<70} {waktu}")


def main() -> None:
    args = _parse()
    url = os.environ.get("DATABASE_URL", "")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    t0 = time.perf_counter()
    with database_sementara(url, args.keep) as db_url:
        os.environ["DATABASE_URL"] = db_url
        os.environ["CACHE_KEY_PREFIX"] = f"bench{os.getpid()}"
        siap = siapkan(args.pasien)
        from django.db import connection

        print(
            f"PostgreSQL {connection.pg_version // 10000}, {os.cpu_count()} CPUs, "
            f"{args.workers} gunicorn workers, {args.clients} clients"
        )
        explain(siap["puskesmas"])
        connection.close()
        with server(db_url, args.workers) as (base, pid):
            cari = bench_cari(base, siap["token"], siap["puskesmas"], args.searches)
            daftar = bench_daftar(
                base,
                siap["token"],
                siap["puskesmas"],
                args.requests,
                args.clients,
                args.time_limit,
                pid,
            )
        semua_cari = [x for lat in cari.values() for x in lat]
        print(
            f"\nsummary: {daftar['rps']:.0f} registrations/s "
            f"(p50 {_ms(daftar['lat'], 0.5):.0f} ms, p95 {_ms(daftar['lat'], 0.95):.0f} ms); "
            f"search p95 {_ms(semua_cari, 0.95):.1f} ms over all kinds "
            f"(goal < 100 ms); total {time.perf_counter() - t0:.0f} s"
        )


if __name__ == "__main__":
    main()
