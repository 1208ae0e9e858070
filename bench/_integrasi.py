"""bench/district.py --integrasi: SATUSEHAT and BPJS on for every bench Puskesmas, against the
project's simulators run as their own processes, and the outbox's deliveries counted after a
level (district.py's docstring describes the set-up)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from bench import _infra


@dataclass(frozen=True)
class Simulator:
    """The two simulators this run started, each its own process."""

    ss_url: str
    bpjs_url: str
    pid: dict[str, int]  # "SATUSEHAT" / "BPJS" → pid, for their CPU
    peserta: int  # participants the BPJS simulator generated (its default seed)

    @property
    def env(self) -> dict[str, str]:
        """For gunicorn and Celery: BPJS's endpoints are the deployment's, one for every
        Puskesmas (as docker-compose.yml sets them); SATUSEHAT's URL is in each row."""
        return {
            "BPJS_BASE_URL": f"{self.bpjs_url}/pcare-rest",
            "BPJS_ANTREAN_BASE_URL": f"{self.bpjs_url}/antreanfktp",
            "SATUSEHAT_BASE_URL": self.ss_url,
        }


def peserta_perlu(n_pasien: int, bagian_bpjs: float) -> int:
    """Participants the BPJS simulator must generate for every bench BPJS patient to have a
    card of its own: 72% of them are active at its FKTP (bpjs_bridge/simulator/peserta.py)."""
    return max(3000, int(n_pasien * bagian_bpjs / 0.7) + 1000)


@contextlib.contextmanager
def simulator_jalan(peserta: int) -> Iterator[Simulator]:
    """`python -m satusehat.simulator` and `python -m bpjs_bridge.simulator` on free ports, as
    processes of their own (threads here would count as the load generator's CPU); stopped on
    the way out, an error or Ctrl-C included."""
    port = {"SATUSEHAT": _infra.port_bebas(), "BPJS": _infra.port_bebas()}
    cmd = {
        "SATUSEHAT": ["-m", "satusehat.simulator", "--port", str(port["SATUSEHAT"])],
        "BPJS": ["-m", "bpjs_bridge.simulator", "--port", str(port["BPJS"]), "--quiet",
                 "--count", str(peserta)],
    }  # fmt: skip
    proses: dict[str, subprocess.Popen] = {}
    try:
        for nama, c in cmd.items():
            proses[nama] = subprocess.Popen(
                [sys.executable, *c], cwd=_infra.ROOT, stdout=subprocess.DEVNULL
            )
        for nama in cmd:
            _infra._tunggu_port(port[nama])
        yield Simulator(
            ss_url=f"http://127.0.0.1:{port['SATUSEHAT']}",
            bpjs_url=f"http://127.0.0.1:{port['BPJS']}",
            pid={nama: p.pid for nama, p in proses.items()},
            peserta=peserta,
        )
    finally:
        for p in proses.values():
            p.terminate()
        for p in proses.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def nik_satusehat() -> list[str]:
    """The NIKs the SATUSEHAT simulator knows: its participants (its default seed and count)
    minus the one in 25 it leaves unknown (`nik_dikenal`)."""
    from bpjs_bridge.simulator.peserta import generate_participants
    from satusehat.simulator.app import SimConfig, nik_dikenal

    c = SimConfig()
    return [
        p["nik"]
        for p in generate_participants(seed=c.seed, count=c.count)
        if p["nik"] and nik_dikenal(p["nik"])
    ]


def kartu_bpjs(peserta: int) -> list[str]:
    """Cards of the BPJS simulator's participants who pass eligibility: active, registered at
    its FKTP, card known (`kategori` aktif), generated as the simulator generates them."""
    from bpjs_bridge.simulator.app import SimConfig
    from bpjs_bridge.simulator.peserta import generate_participants

    return [
        p["no_kartu"]
        for p in generate_participants(seed=SimConfig().seed, count=peserta)
        if p["kategori"] == "aktif"
    ]


_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def b36(i: int) -> str:
    """Two base-36 digits: a Puskesmas' part of its units' queue prefixes (3 characters)."""
    return _B36[i // 36] + _B36[i % 36]


def kode_faskes_tidak_unik() -> None:
    """The BPJS simulator is one FKTP (0114U163) and the bridge refuses a participant
    registered at another (`fktp_lain`): every bench Puskesmas carries that code, which takes
    dropping its unique constraint, here, in the bench's throw-away database only."""
    from django.db import connection

    from puskesmas.models import Puskesmas

    tabel = Puskesmas._meta.db_table
    with connection.cursor() as cur:
        for nama, k in connection.introspection.get_constraints(cur, tabel).items():
            if k["unique"] and not k["primary_key"] and k["columns"] == ["kode_faskes"]:
                cur.execute(f'ALTER TABLE "{tabel}" DROP CONSTRAINT "{nama}"')


def _org(pkm_id: int) -> str:
    return str(20_000_000 + pkm_id)


def pasang_integrasi(pkms: list, units: list, sim: Simulator) -> None:
    """Both bridges on for every Puskesmas, as its admin would set them (satusehat.demo's
    siapkan_demo, per Puskesmas): SATUSEHAT client and Organization of its own, BPJS
    credentials in its own row, every unit mapped to a Location and a practitioner."""
    import httpx
    from django.db import transaction

    from bpjs_bridge.simulator.app import SimConfig as BpjsSim
    from integrasi.services import pengaturan_simpan
    from satusehat.demo import PRAKTISI_UNIT
    from satusehat.models import PemetaanUnit
    from satusehat.simulator.app import PRAKTISI, lokasi_demo

    # The SATUSEHAT simulator serves many clients, each exactly one Organization; adding one
    # seeds that Organization's Locations (lokasi_demo ids for the demo unit codes).
    with httpx.Client(base_url=sim.ss_url, timeout=10) as c:
        for p in pkms:
            c.post("/_sim/clients", json={"client_id": f"bench-{p.pk}", "secret": f"rahasia-{p.pk}",
                                          "organization_id": _org(p.pk), "nama": p.nama}
                   ).raise_for_status()  # fmt: skip
    b = BpjsSim()  # the one credential set the BPJS simulator accepts
    with transaction.atomic():
        for p in pkms:
            pengaturan_simpan(
                puskesmas=p,
                oleh=None,
                data={
                    "ss_aktif": True, "ss_client_id": f"bench-{p.pk}",
                    "ss_client_secret": f"rahasia-{p.pk}", "ss_organization_id": _org(p.pk),
                    "ss_lingkungan": "dev", "ss_base_url": sim.ss_url,
                    "bpjs_aktif": True, "bpjs_cons_id": b.cons_id, "bpjs_secret_key": b.secret,
                    "bpjs_user_key": b.user_key, "bpjs_antrean_user_key": b.antrean_user_key,
                    "pcare_username": b.username, "pcare_password": b.password,
                    "bpjs_app_code": b.app_code,
                },
            )  # fmt: skip
        # What satusehat.services.pemetaan_pasang stores, one statement for every unit.
        baris = []
        for u in units:
            nik, ihs, nama = PRAKTISI[PRAKTISI_UNIT.get(u.kode, 0)]
            baris.append(
                PemetaanUnit(unit=u, location_id=lokasi_demo(_org(u.puskesmas_id), u.kode),
                             location_nama=f"Ruang {u.kode}", praktisi_nik=nik,
                             praktisi_ihs=ihs, praktisi_nama=nama)
            )  # fmt: skip
        PemetaanUnit.objects.bulk_create(baris)


def cetak_kiriman(
    mulai: datetime, akhir: datetime, kuras: float, cpu_celery: float,
    cpu_celery_kini: Callable[[], float],
) -> None:  # fmt: skip
    """The outbox's work for the visits registered in the measured seconds ([mulai, akhir)),
    counted after up to `kuras` seconds of draining: whether one Celery worker keeps up."""
    from django.db import connection
    from django.db.models import Count, Min

    from bpjs_bridge.models import JenisPermintaan, PercobaanBpjs, PermintaanBpjs
    from pendaftaran.models import Kunjungan
    from satusehat.models import JenisKiriman, KirimanSatusehat, PercobaanSatusehat

    saat = {"kunjungan__diterima_server__gte": mulai, "kunjungan__diterima_server__lt": akhir}
    sistem = {
        "SATUSEHAT": (KirimanSatusehat.objects.filter(**saat), JenisKiriman.values),
        "BPJS": (PermintaanBpjs.objects.filter(**saat), JenisPermintaan.values),
    }
    # Every attempt the worker made in the measured seconds, whichever visit it was for.
    coba = {
        "SATUSEHAT": PercobaanSatusehat.objects.filter(mulai__gte=mulai, mulai__lt=akhir).count(),
        "BPJS": PercobaanBpjs.objects.filter(mulai__gte=mulai, mulai__lt=akhir).count(),
    }
    sedang = ("menunggu", "diproses", "gagal_sementara")
    t, c0 = time.monotonic(), cpu_celery_kini()
    while time.monotonic() - t < kuras and any(
        qs.filter(status__in=sedang).exists() for qs, _ in sistem.values()
    ):
        time.sleep(0.5)
    lama, cpu_kuras = time.monotonic() - t, cpu_celery_kini() - c0
    kunjungan = Kunjungan.objects.filter(diterima_server__gte=mulai, diterima_server__lt=akhir)
    n_coba = sum(coba.values())
    print(
        f"  Celery: {n_coba} delivery attempts in the level (SATUSEHAT {coba['SATUSEHAT']}, "
        f"BPJS {coba['BPJS']}), {cpu_celery * 1000 / max(n_coba, 1):.1f} ms CPU an attempt"
    )
    print(
        f"  outbox of the {kunjungan.count()} visits registered in the level "
        f"({kunjungan.filter(penjamin='bpjs').count()} BPJS), counted after {lama:.0f} s of "
        f"draining (at most {kuras:g}; Celery {cpu_kuras:.1f} s CPU meanwhile); lag: from the "
        "registration (the call, for in-progress / antrean_panggil) to delivered"
    )
    print(
        f"    {'':<28} {'rows':>5} {'delivered':>9} {'pending':>7} {'retrying':>8} "
        f"{'failed':>6} {'cancelled':>9}   lag s p50 / p95 / max"
    )
    kolom = (("berhasil", "selesai_manual"), ("menunggu", "diproses"), ("gagal_sementara",),
             ("gagal_final",), ("dibatalkan",))  # fmt: skip
    sebab = []
    for nama, (qs, urutan) in sistem.items():
        per: dict[str, Counter] = defaultdict(Counter)
        for r in qs.values("jenis", "status").annotate(n=Count("pk")).order_by():
            per[r["jenis"]][r["status"]] += r["n"]
        lag: dict[str, list[float]] = defaultdict(list)
        for jenis, dibuat, selesai in qs.filter(
            status__in=kolom[0], selesai_pada__isnull=False
        ).values_list("jenis", "dibuat_pada", "selesai_pada"):
            lag[jenis].append((selesai - dibuat).total_seconds())
        for jenis in (j for j in urutan if j in per):
            n = [sum(per[jenis][s] for s in k) for k in kolom]
            x = lag[jenis]
            waktu = (
                f"{_infra.ms(x, 0.5) / 1000:.1f} / {_infra.ms(x, 0.95) / 1000:.1f} / {max(x):.1f}"
                if x
                else "-"
            )
            print(
                f"    {nama + ' ' + jenis:<28} {sum(n):>5} {n[0]:>9} {n[1]:>7} {n[2]:>8} "
                f"{n[3]:>6} {n[4]:>9}   {waktu}"
            )
        # Why rows were not delivered: the outbox's own words, a cancelled row's reason.
        for r in (
            qs.exclude(status__in=kolom[0])
            .exclude(kode_galat="", status__in=sedang)
            .values("jenis", "status", "kode_galat", "hasil__alasan")
            .annotate(n=Count("pk"), pesan=Min("pesan_galat"))
            .order_by("-n")[:4]
        ):
            sebab.append(
                f"{nama} {r['jenis']} {r['status']} ×{r['n']}: {r['kode_galat'] or '-'} "
                f"{(r['pesan'] or r['hasil__alasan'] or '')[:110]}"
            )
    for baris in sebab:
        print(f"    ({baris})")
    connection.close()
