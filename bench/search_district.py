"""A name search on a district server: what one search reads of the other Puskesmas' patients.

Starts its own PostgreSQL, migrates a fresh database, loads `--pkm` Puskesmas with `--pasien`
synthetic Indonesian patients each (COPY), then runs the loket's name search
(pendaftaran.selectors._sql_nama: the prefix, and the later words when the prefix finds fewer
than 20) for `--cari` texts typed as an officer types them (3 letters, the first name, the first
name and two letters of the next), each under EXPLAIN ANALYZE, twice:

- with the name indexes of migration pendaftaran 0007 (led by puskesmas_id: a prefix btree and
  a trigram GIN index over (puskesmas_id, nama_cari));
- with those of 0006, migrated back (a btree and a trigram index over every patient).

Prints per index set the server's time a search (planning + execution; mean, p95, max) and the
rows its scans read and threw away (the other Puskesmas' names that matched). With 0006 both
grow with the district; with 0007 they stay with the Puskesmas.

Usage:  .venv/bin/python bench/search_district.py [--pkm 300] [--pasien 150,3000]
Needs root (initdb as user postgres) or to be run as postgres.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _infra
from bench.nama_sintetis import BELAKANG, DEPAN_L, DEPAN_P, TENGAH


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pkm", type=int, default=300, help="Puskesmas on the server (10 districts)")
    p.add_argument("--pasien", default="150,3000", help="patients per Puskesmas, comma-separated")
    p.add_argument("--cari", type=int, default=300, help="searches per index set")
    return p.parse_args()


def _nama(r: random.Random) -> str:
    bagian = [r.choice(DEPAN_L + DEPAN_P)]
    if r.random() < 0.5:
        bagian.append(r.choice(TENGAH))
    bagian.append(r.choice(BELAKANG))
    return " ".join(bagian)


def muat(n_pkm: int, per_pkm: int) -> None:
    from django.db import connection

    from pendaftaran.dedupe import normalisasi_nama
    from puskesmas.models import Puskesmas

    with connection.cursor() as c:
        c.execute("TRUNCATE pendaftaran_pasien, puskesmas_puskesmas CASCADE")
    ids = [
        p.pk
        for p in Puskesmas.objects.bulk_create(
            Puskesmas(nama=f"Puskesmas Cari {i}", kode_faskes=f"C{i:07d}") for i in range(n_pkm)
        )
    ]
    r = random.Random(15)
    buf = io.StringIO()
    for pkm in ids:
        for i in range(per_pkm):
            nama = _nama(r)
            buf.write(
                f"{pkm}\t{i:06d}\t{nama}\t{normalisasi_nama(nama)}\t\t\t\t1980-01-01\tL\t\t\t"
                "2026-01-01 00:00:00+00\t2026-01-01 00:00:00+00\n"
            )
    buf.seek(0)
    kolom = (
        "puskesmas_id, no_rm, nama, nama_cari, nama_kunci, kunci_identitas, nik_ibu, "
        "tanggal_lahir, jenis_kelamin, alamat, no_hp, dibuat_pada, diubah_pada"
    )
    with connection.cursor() as c:
        with c.cursor.copy(f"COPY pendaftaran_pasien ({kolom}) FROM STDIN") as cp:
            while blok := buf.read(1 << 20):
                cp.write(blok)
        c.execute("VACUUM ANALYZE pendaftaran_pasien")


def ukur(n_cari: int) -> dict[str, float]:
    from django.db import connection

    from pendaftaran.selectors import _sql_nama

    with connection.cursor() as c:
        c.execute(
            "SELECT puskesmas_id, nama_cari FROM pendaftaran_pasien ORDER BY random() LIMIT %s",
            [n_cari // 3 + 1],
        )
        contoh = c.fetchall()
    teks = []
    for pkm, nama in contoh:
        k = nama.split()
        teks += [(pkm, k[0][:3]), (pkm, k[0]), (pkm, f"{k[0]} {k[1][:2]}")]
    teks = teks[:n_cari]
    waktu, dibuang, dibaca = [], 0, 0
    with connection.cursor() as c:
        for pkm, q in teks[:20]:  # warm the caches and the plan of each shape
            sql, params = _sql_nama(pkm, q)
            c.execute(sql, (*params, 20, 20))
        for pkm, q in teks:
            sql, params = _sql_nama(pkm, q)
            c.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, (*params, 20, 20))
            r = c.fetchone()[0][0]
            waktu.append((r["Planning Time"] + r["Execution Time"]) / 1000)
            simpul = [r["Plan"]]
            while simpul:
                n = simpul.pop()
                simpul.extend(n.get("Plans", []))
                if "Scan" in n["Node Type"] and n["Node Type"] != "CTE Scan":
                    buang = n.get("Rows Removed by Filter", 0) + n.get(
                        "Rows Removed by Index Recheck", 0
                    )
                    dibuang += buang * n.get("Actual Loops", 1)
                    dibaca += (n.get("Actual Rows", 0) + buang) * n.get("Actual Loops", 1)
    return {
        "mean": sum(waktu) / len(waktu) * 1000,
        "p95": _infra.ms(waktu, 0.95),
        "max": max(waktu) * 1000,
        "dibaca": dibaca / len(teks),
        "dibuang": dibuang / len(teks),
    }


def main() -> None:
    args = _parse()
    import psycopg

    print(f"VM speed: {_infra.kalibrasi():.0f} ms for a fixed Python loop (lower: faster)")
    with _infra.postgres_sendiri() as (server_url, _):
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE cari")
        os.environ.update(_infra.env_app(server_url.rsplit("/", 1)[0] + "/cari", ""))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        for per_pkm in [int(x) for x in args.pasien.split(",")]:
            t = time.perf_counter()
            call_command("migrate", verbosity=0)
            muat(args.pkm, per_pkm)
            print(
                f"\n{args.pkm} Puskesmas × {per_pkm} patients = {args.pkm * per_pkm:,} "
                f"(loaded in {time.perf_counter() - t:.0f} s), {args.cari} searches"
            )
            print(
                f"  {'indexes':<34} {'mean ms':>8} {'p95 ms':>8} {'max ms':>8} "
                f"{'rows read':>10} {'thrown away':>12}"
            )
            hasil = {"0007 (led by puskesmas_id)": ukur(args.cari)}
            call_command("migrate", "pendaftaran", "0006", verbosity=0)
            with connection.cursor() as c:
                c.execute("ANALYZE pendaftaran_pasien")
            hasil["0006 (every patient)"] = ukur(args.cari)
            for nama, h in hasil.items():
                print(
                    f"  {nama:<34} {h['mean']:>8.2f} {h['p95']:>8.2f} {h['max']:>8.2f} "
                    f"{h['dibaca']:>10.0f} {h['dibuang']:>12.0f}"
                )
        connection.close()


if __name__ == "__main__":
    main()
