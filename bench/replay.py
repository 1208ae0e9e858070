"""Replay 10,000 offline entries (5% duplicates, 1% NIK conflicts): throughput, SQL, integrity.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/replay.py
    .venv/bin/python bench/replay.py            # a temporary SQLite file
    .venv/bin/python bench/replay.py --jumlah 2000 --batch 100
    .venv/bin/python bench/replay.py --puskesmas 30 --jumlah 9000   # a district's outage

On PostgreSQL it creates a throwaway database next to the one DATABASE_URL names and drops it
at the end; DATABASE_URL's own database is never touched. Entries go through
downtime.replay.replay_batch (the service behind POST /api/v1/replay) in batches, in the order
the lokets would send them; then the first batches are sent again to time the idempotent path.
With `--puskesmas N` the entries are split between N Puskesmas, each replayed by its own process
and all started at once, as a district's lokets come back together after a shared outage (the
issue's 30 Puskesmas × 300 entries); the rate is then all entries over the wall time from the
common start to the last batch.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _siapkan_db() -> tuple[str, callable]:
    """Point DATABASE_URL at a fresh database; return its description and a cleanup."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        tmp = tempfile.mkdtemp(prefix="bench-replay-")
        path = os.path.join(tmp, "bench.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"

        def hapus() -> None:
            for f in Path(tmp).glob("*"):
                f.unlink()
            os.rmdir(tmp)

        return f"SQLite {path}", hapus
    import psycopg

    u = urlparse(url)
    # Named after DATABASE_URL's own database (h21 → h21_replay_<pid>), so parallel runs of
    # several people never share a name.
    nama = f"{u.path.strip('/') or 'bench'}_replay_{os.getpid()}"
    admin = urlunparse(u._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{nama}"')
    os.environ["DATABASE_URL"] = urlunparse(u._replace(path=f"/{nama}"))

    def hapus() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{nama}" WITH (FORCE)')

    return f"PostgreSQL database {nama} (dropped afterwards)", hapus


def _cpu_backend(connection) -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (/proc, when the server runs on this
    machine): the database's share of the work, which wall time on a shared box hides."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()")
        (pid,) = c.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as f:
            kolom = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(kolom[11]) + int(kolom[12])) / os.sysconf("SC_CLK_TCK")


def _nik(lahir: date, jk: str, serial: int, kab: str = "3578") -> str:
    # Kota Surabaya (35.78): never the demo data's region, so "new" NIKs are really new.
    hari = lahir.day + (40 if jk == "P" else 0)
    kec = 10 + serial // 9999
    return f"{kab}{kec:02d}{hari:02d}{lahir:%m}{lahir.year % 100:02d}{serial % 9999 + 1:04d}"


def buat_entri(jumlah: int, pkm, rng: random.Random) -> list[tuple[str, dict]]:
    """(loket, entry) pairs in the order each loket captured them."""
    from django.utils import timezone

    from antrean.models import UnitLayanan
    from pendaftaran.models import Pasien

    units = list(
        UnitLayanan.objects.filter(puskesmas=pkm, aktif=True).values_list("kode", flat=True)
    )
    lama = list(
        Pasien.objects.filter(puskesmas=pkm).values_list(
            "no_rm", "nik", "tanggal_lahir", "jenis_kelamin"
        )
    )
    lokets = ["L1", "L2", "L3"]
    n_dup = jumlah * 5 // 100
    n_konflik = jumlah // 100
    n_unik = jumlah - n_dup - n_konflik
    # One entry a second, ending ten minutes ago; squeezed into today when the run is that close
    # after local midnight (else a patient's entries split over two days and the outcomes move).
    sekarang = timezone.localtime()
    tengah_malam = sekarang.replace(hour=0, minute=0, second=0, microsecond=0)
    hari_ini = (sekarang - tengah_malam).total_seconds()
    langkah = min(1.0, max(hari_ini - 60, 0) / (jumlah + 600))
    awal = sekarang - timedelta(seconds=langkah * (jumlah + 600))
    hasil: list[tuple[str, dict]] = []
    baru: list[tuple[str, dict]] = []
    pakai_lama = 0
    for i in range(n_unik):
        loket = lokets[i % 3]
        pada = awal + timedelta(seconds=langkah * i)
        if i % 3 == 2 and pakai_lama < len(lama) * len(units):
            # A returning patient found offline in the loket's local copy.
            rm = lama[pakai_lama % len(lama)][0]
            unit = units[(pakai_lama // len(lama)) % len(units)]
            pakai_lama += 1
            pasien: dict = {"no_rm": rm}
        else:
            jk = "P" if i % 2 else "L"
            lahir = date(1950 + i % 60, 1 + i % 12, 1 + i % 28)
            pasien = {
                "client_uuid": str(uuid.uuid4()),
                "nama": f"Pasien Luring {i:05d}",
                "tanggal_lahir": lahir.isoformat(),
                "jenis_kelamin": jk,
                "nik": _nik(lahir, jk, i),
                "alamat": "Jl. Uji",
                "no_hp": "081234567890",
            }
            unit = units[i % len(units)]
        e = {
            "client_uuid": str(uuid.uuid4()),
            "dibuat_klien": pada.isoformat(),
            "loket": loket,
            "petugas": f"loket{loket[1]}",
            "pasien": pasien,
            "kunjungan": {"unit": unit, "penjamin": "umum", "keluhan": "uji"},
        }
        hasil.append((loket, e))
        if "nik" in pasien:
            baru.append((loket, e))
    # The same new patient typed at a second loket for the same unit and day.
    for j in range(n_dup):
        loket, asli = baru[rng.randrange(len(baru))]
        lain = lokets[(lokets.index(loket) + 1) % 3]
        e = {
            **asli,
            "client_uuid": str(uuid.uuid4()),
            "loket": lain,
            "pasien": {**asli["pasien"], "client_uuid": str(uuid.uuid4())},
        }
        e["dibuat_klien"] = (awal + timedelta(seconds=langkah * (n_unik + j))).isoformat()
        hasil.append((lain, e))
    # A known NIK with another name: conflict review.
    for j in range(n_konflik):
        rm, nik, lahir, jk = lama[j % len(lama)]
        e = {
            "client_uuid": str(uuid.uuid4()),
            "dibuat_klien": (awal + timedelta(seconds=langkah * (n_unik + n_dup + j))).isoformat(),
            "loket": lokets[j % 3],
            "petugas": "loket1",
            "pasien": {
                "client_uuid": str(uuid.uuid4()),
                "nama": f"Nama Berbeda {j}",
                "tanggal_lahir": lahir.isoformat(),
                "jenis_kelamin": jk,
                "nik": nik,
            },
            "kunjungan": {"unit": units[0], "penjamin": "umum"},
        }
        hasil.append((e["loket"], e))
    rng.shuffle(hasil)
    hasil.sort(key=lambda le: le[1]["dibuat_klien"])
    return hasil


def puskesmas_lain(i: int, jumlah_pasien: int):
    """Another Puskesmas of the district, built like the demo one (3 lokets, 5 clusters, the
    demo's units, one officer a loket, `jumlah_pasien` returning patients)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from antrean.models import Klaster, UnitLayanan
    from puskesmas.demo import KLASTER, UNIT, muat_pasien
    from puskesmas.models import Loket, Peran, Petugas, Puskesmas

    with transaction.atomic():
        pkm = Puskesmas.objects.create(nama=f"Puskesmas Bench {i}", kode_faskes=f"B{i:07d}")
        klaster = {
            n: Klaster.objects.create(puskesmas=pkm, nomor=n, nama=nm, keterangan=k)
            for n, nm, k in KLASTER
        }
        for urutan, (k, kode, nama, layanan, prefix, kd_poli, menit) in enumerate(UNIT):
            UnitLayanan.objects.create(
                puskesmas=pkm, klaster=klaster[k], kode=kode, nama=nama, layanan=layanan,
                prefix=prefix, kd_poli_pcare=kd_poli, urutan=urutan, menit_per_pasien=menit,
            )  # fmt: skip
        for j in (1, 2, 3):
            loket = Loket.objects.create(puskesmas=pkm, kode=f"L{j}", nama=f"Loket {j}")
            user = get_user_model().objects.create(username=f"b{i}_loket{j}")
            Petugas.objects.create(user=user, puskesmas=pkm, peran=Peran.LOKET, loket=loket)
        muat_pasien(pkm, jumlah_pasien)
    return pkm


def rencana_puskesmas(pkm, jumlah: int, batch: int, seed: int) -> dict:
    """One Puskesmas' replay: its entries, cut into each loket's batches in the order the
    lokets send them as they come back online, and who sends each."""
    from puskesmas.models import Loket, Peran, Petugas

    lokets = {lk.kode: lk for lk in Loket.objects.filter(puskesmas=pkm)}
    pengirim = {
        p.loket.kode: p.user
        for p in Petugas.objects.filter(
            puskesmas=pkm, peran=Peran.LOKET, loket__isnull=False
        ).select_related("user", "loket")
    }
    semua = buat_entri(jumlah, pkm, random.Random(seed))
    per_loket: dict[str, list[dict]] = {}
    for loket, e in semua:
        per_loket.setdefault(loket, []).append(e)
    batches = []
    for loket, daftar in per_loket.items():
        for i in range(0, len(daftar), batch):
            batches.append((loket, daftar[i : i + batch]))
    batches.sort(key=lambda b: b[1][0]["dibuat_klien"])
    return {"pkm": pkm, "lokets": lokets, "pengirim": pengirim, "semua": semua, "batches": batches}


def jalankan(r: dict) -> dict:
    """Replay one Puskesmas' batches in order; counts, latencies, statements and CPU."""
    from django.db import connection

    from downtime import replay

    hitung: Counter = Counter()
    latensi = []
    kueri = [0]

    def hitung_kueri(execute, sql, params, many, context):
        kueri[0] += 1
        return execute(sql, params, many, context)

    pg0 = _cpu_backend(connection)
    cpu0 = time.process_time()
    with connection.execute_wrapper(hitung_kueri):
        for loket, batch in r["batches"]:
            t = time.perf_counter()
            hasil, _ = replay.replay_batch(
                batch,
                puskesmas=r["pkm"],
                pengirim=r["pengirim"][loket],
                meta=replay.MetaBatch(loket=r["lokets"][loket]),
            )
            latensi.append(time.perf_counter() - t)
            hitung.update(h["status"] for h in hasil)
    cpu = time.process_time() - cpu0
    pg1 = _cpu_backend(connection)
    pg = None if pg0 is None or pg1 is None else pg1 - pg0
    return {"hitung": hitung, "latensi": latensi, "kueri": kueri[0], "cpu": cpu, "pg": pg}


def jalankan_serentak(rencana: list[dict]) -> tuple[list[dict], float]:
    """Each Puskesmas replayed by its own process, all at once (a district's lokets coming back
    together); returns their results and the wall time from the common start to the last."""
    import multiprocessing as mp

    from django.db import connections

    connections.close_all()  # each child opens its own
    ctx = mp.get_context("fork")
    mulai = ctx.Barrier(len(rencana) + 1)
    antre = ctx.Queue()

    def anak(i: int) -> None:
        from django.db import connection

        connection.ensure_connection()
        mulai.wait()
        hasil = jalankan(rencana[i])
        hasil["selesai"] = time.perf_counter()
        antre.put((i, hasil))
        connections.close_all()

    proses = [ctx.Process(target=anak, args=(i,)) for i in range(len(rencana))]
    for p in proses:
        p.start()
    mulai.wait()
    t0 = time.perf_counter()
    hasil = dict(antre.get() for _ in proses)
    for p in proses:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a replay process failed (exit {p.exitcode})")
    return [hasil[i] for i in range(len(rencana))], max(h["selesai"] for h in hasil.values()) - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jumlah", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--pasien", type=int, default=3000, help="returning patients in the database")
    ap.add_argument(
        "--puskesmas",
        type=int,
        default=1,
        help="Puskesmas replaying at once, one process each (--jumlah is split between them)",
    )
    ap.add_argument(
        "--per-entri",
        action="store_true",
        help="the per-entry path only (REPLAY_SERENTAK off), for comparison",
    )
    args = ap.parse_args()

    keterangan, hapus = _siapkan_db()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("REDIS_URL", "")
    import django

    django.setup()
    import logging

    from django.conf import settings

    settings.REPLAY_SERENTAK = not args.per_entri

    logging.disable(logging.WARNING)
    from django.core.management import call_command

    try:
        print(f"database: {keterangan}")
        call_command("migrate", verbosity=0)
        from puskesmas.demo import muat_demo

        pkm = muat_demo(jumlah_pasien=args.pasien).puskesmas
        from downtime import replay
        from downtime.models import EntriReplay
        from pendaftaran.models import Kunjungan

        pkms = [pkm] + [puskesmas_lain(i, args.pasien) for i in range(1, args.puskesmas)]
        bagian = args.jumlah // args.puskesmas
        rencana = [rencana_puskesmas(p, bagian, args.batch, 2026 + i) for i, p in enumerate(pkms)]
        semua = [le for r in rencana for le in r["semua"]]
        if args.puskesmas == 1:
            t0 = time.perf_counter()
            hasil_per = [jalankan(rencana[0])]
            total = time.perf_counter() - t0
        else:
            hasil_per, total = jalankan_serentak(rencana)
        hitung: Counter = sum((h["hitung"] for h in hasil_per), Counter())
        latensi = sorted(x for h in hasil_per for x in h["latensi"])
        kueri = [sum(h["kueri"] for h in hasil_per)]
        cpu = sum(h["cpu"] for h in hasil_per)
        pg = None if None in (h["pg"] for h in hasil_per) else sum(h["pg"] for h in hasil_per)
        batches = rencana[0]["batches"]
        pengirim, lokets = rencana[0]["pengirim"], rencana[0]["lokets"]
        n = sum(hitung.values())
        jalur = "per-entry (REPLAY_SERENTAK off)" if args.per_entri else "set-wise"
        print(f"path: {jalur}")
        nb = sum(len(r["batches"]) for r in rencana)
        print(f"entries: {n} in {nb} batches of <= {args.batch}, {args.puskesmas} Puskesmas")
        print(f"SQL statements: {kueri[0]} -> {kueri[0] / n:.1f} per entry (BEGIN/COMMIT included)")
        print(f"outcomes: { {str(k): v for k, v in sorted(hitung.items())} }")
        proses = "one process" if args.puskesmas == 1 else f"{args.puskesmas} processes at once"
        print(f"total time: {total:.1f} s  ->  {n / total:.0f} entries/s ({proses})")
        # CPU of the replaying process(es) only: a figure less at the mercy of other load.
        print(f"django CPU: {cpu:.1f} s  ->  {cpu / n * 1000:.2f} ms per entry")
        if pg is not None:
            print(f"PostgreSQL backend CPU: {pg:.1f} s  ->  {pg / n * 1000:.2f} ms per entry")
        print(
            f"batch latency: p50 {latensi[len(latensi) // 2] * 1000:.0f} ms, "
            f"p95 {latensi[int(len(latensi) * 0.95)] * 1000:.0f} ms"
        )
        ulang = batches[: max(1, len(batches) // 10)]
        t0 = time.perf_counter()
        m = 0
        for loket, batch in ulang:
            hasil, _ = replay.replay_batch(
                batch,
                puskesmas=pkm,
                pengirim=pengirim[loket],
                meta=replay.MetaBatch(loket=lokets[loket]),
            )
            assert all(h["ulang"] for h in hasil if h["status"] != "gagal_sementara")
            m += len(hasil)
        t_ulang = time.perf_counter() - t0
        print(f"re-sent {m} entries (idempotent path): {t_ulang:.1f} s -> {m / t_ulang:.0f}/s")
        print(f"stored: {EntriReplay.objects.count()} entries, {Kunjungan.objects.count()} visits")
        # Integrity: every entry stored once, one visit per created/attached entry, and each
        # unit's day numbered 1..n without a gap or a repeat.
        from antrean.models import Tiket

        dikirim = {e["client_uuid"] for _, e in semua}
        tersimpan = list(EntriReplay.objects.values_list("client_uuid", flat=True))
        assert len(tersimpan) == len(set(tersimpan)) == n == len(dikirim)
        assert {str(c) for c in tersimpan} == dikirim
        assert Kunjungan.objects.count() == hitung["dibuat"] + hitung["dilampirkan"]
        celah = 0
        per_hari: dict = {}
        for unit_id, tgl, nomor in Tiket.objects.values_list("unit_id", "tanggal", "nomor"):
            per_hari.setdefault((unit_id, tgl), []).append(nomor)
        for nomor in per_hari.values():
            celah += len(nomor) != len(set(nomor)) or sorted(nomor) != list(
                range(1, len(nomor) + 1)
            )
        print(
            f"integrity: {n} entries stored once, {Kunjungan.objects.count()} visits, "
            f"{Tiket.objects.count()} tickets in {len(per_hari)} unit-days, "
            f"{celah} unit-days with a gap or a repeated number"
        )
        assert celah == 0
    finally:
        hapus()


if __name__ == "__main__":
    main()
