"""Queue latency: the time from a poli officer's "Panggil berikutnya" to the hall displays
showing the called number, with N displays connected.

Creates a throwaway PostgreSQL database (`bench_antrean_<pid>`, dropped afterwards) — or a temp
SQLite file without DATABASE_URL — loads the demo Puskesmas and registers --calls patients into
Poli Umum, starts gunicorn (production-like: --workers × --threads, gthread) on a loopback port,
then per mode:

  sse   every display holds an EventSource-like stream (cap raised so all fit) and, on a new
        version, fetches the TV partial — what static/js/antrean/live.js + htmx do;
  poll  no streams (ANTREAN_SSE_MAKS=0): every display polls the version URL every 0.5 s and
        fetches the partial on a change — the fallback path;
  mixed the shipped default (4 streams per worker process): displays beyond the cap get 204
        and poll, exactly as the browser script does.

For each call the officer (an httpx session logged in as poli_umum) POSTs the htmx action; the
clock stops for each display when the partial it fetched shows the called code in the spotlight.
Prints p50/p95/max over all display×call samples and over the slowest display per call.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import httpx  # noqa: E402

SOROT = re.compile(r"data-sorot-nomor>([^<]+)<")
DIPANGGIL = re.compile(r"([A-Z]+-\d+) dipanggil\.")


def _parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--calls", type=int, default=200, help="'call next' presses per mode")
    p.add_argument("--displays", type=int, default=20, help="TV displays connected")
    p.add_argument("--modes", default="sse,poll,mixed", help="comma-separated: sse,poll,mixed")
    p.add_argument("--workers", type=int, default=3, help="gunicorn workers (compose: 3)")
    p.add_argument("--threads", type=int, default=8, help="threads per worker (compose: 8)")
    p.add_argument("--keep", action="store_true", help="keep the bench database")
    return p.parse_args()


# --- Database ----------------------------------------------------------------------------------


def _dengan_db(url: str, nama: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + nama))


@contextmanager
def database_sementara(keep: bool):
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        with tempfile.TemporaryDirectory() as d:
            yield f"sqlite:///{d}/bench.sqlite3"
        return
    import psycopg

    nama = f"bench_antrean_{os.getpid()}"
    admin = _dengan_db(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{nama}"')
    try:
        yield _dengan_db(url, nama)
    finally:
        if keep:
            print(f"(kept database {nama})")
        else:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    [nama],
                )
                c.execute(f'DROP DATABASE IF EXISTS "{nama}"')


def siapkan(jumlah: int) -> tuple:
    """Migrate, demo Puskesmas, `jumlah` patients waiting in Poli Umum. Returns (key, unit id)."""
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    from pendaftaran.models import Pasien
    from pendaftaran.services import kunjungan_daftar
    from pendaftaran.validasi import DataKunjungan
    from puskesmas.demo import muat_demo

    logging.getLogger("httpx").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    pkm = muat_demo(jumlah_pasien=0).puskesmas
    unit = pkm.unit_layanan.get(kode="UMUM")
    return pkm.kunci_display, unit.pk, pkm, unit, Pasien, kunjungan_daftar, DataKunjungan


def isi_antrean(pkm, unit, Pasien, kunjungan_daftar, DataKunjungan, jumlah: int) -> None:
    from datetime import date

    mulai = Pasien.objects.filter(puskesmas=pkm).count()
    pasien = Pasien.objects.bulk_create(
        Pasien(
            puskesmas=pkm,
            no_rm=f"B{mulai + i:07d}",
            nama=f"Pasien Bench {mulai + i}",
            nama_cari=f"pasien bench {mulai + i}",
            tanggal_lahir=date(1980, 1, 1),
            jenis_kelamin="L",
        )
        for i in range(jumlah)
    )
    for p in pasien:
        kunjungan_daftar(
            puskesmas=pkm,
            pasien=p,
            unit=unit,
            data=DataKunjungan(penjamin="umum"),
            client_uuid=uuid.uuid4(),
        )


# --- Server ------------------------------------------------------------------------------------


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(db_url: str, workers: int, threads: int, sse_maks: int):
    port = _port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "antrean_settings",
        "ANTREAN_SSE_MAKS": str(sse_maks),
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE": "false",  # plain HTTP on loopback: cookies must not be Secure-only
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    cmd = [
        gunicorn, "config.wsgi:application", "--pythonpath", f"{ROOT},{ROOT / 'bench'}",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--worker-class", "gthread", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    basis = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(basis + "/masuk/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield basis
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()  # open event streams hold gunicorn's graceful shutdown for 30 s
            proc.wait(5)


# --- Clients -----------------------------------------------------------------------------------


class Display(threading.Thread):
    """One hall TV: stream (or poll) the version; on a change fetch the partial and note the
    spotlight code with the time it was seen."""

    def __init__(self, basis: str, kunci: str, terlihat: dict, kunci_kond: threading.Condition):
        super().__init__(daemon=True)
        self.basis, self.kunci = basis, kunci
        self.terlihat, self.kond = terlihat, kunci_kond
        self.berhenti = threading.Event()
        self.mode_dipakai: set[str] = set()
        self.client = httpx.Client(base_url=basis, timeout=10)
        self.versi = ""

    def _muat(self) -> None:
        r = self.client.get(f"/antrean/tv/{self.kunci}/", headers={"HX-Request": "true"})
        m = SOROT.search(r.text)
        if m:
            with self.kond:
                self.terlihat.setdefault((id(self), m.group(1).strip()), time.monotonic())
                self.kond.notify_all()

    def _baru(self, v: str) -> None:
        if v and v != self.versi:
            self.versi = v
            self._muat()

    def _sse(self) -> bool:
        with self.client.stream("GET", f"/antrean/tv/{self.kunci}/live/") as r:
            if r.status_code == 204:
                return False
            self.mode_dipakai.add("sse")
            event = None
            for baris in r.iter_lines():
                if self.berhenti.is_set():
                    return True
                if baris.startswith("event:"):
                    event = baris[6:].strip()
                elif baris.startswith("data:") and event == "versi":
                    self._baru(baris[5:].strip())
        return True

    def _poll(self, sampai: float) -> None:
        self.mode_dipakai.add("poll")
        while not self.berhenti.is_set() and time.monotonic() < sampai:
            self._baru(self.client.get(f"/antrean/tv/{self.kunci}/versi/").json()["v"])
            time.sleep(0.5)

    def run(self) -> None:
        while not self.berhenti.is_set():
            try:
                if not self._sse():
                    self._poll(time.monotonic() + 60)  # as live.js: retry the stream later
            except httpx.HTTPError:
                time.sleep(0.5)


def ukur(basis: str, kunci: str, unit_id: int, calls: int, n_display: int) -> dict:
    terlihat: dict = {}
    kond = threading.Condition()
    displays = [Display(basis, kunci, terlihat, kond) for _ in range(n_display)]
    for d in displays:
        d.start()
    time.sleep(2.0)  # all connected and settled

    poli = httpx.Client(base_url=basis, timeout=10)
    r = poli.get("/masuk/")
    csrf = poli.cookies["csrftoken"]
    poli.post(
        "/masuk/",
        data={"username": "poli_umum", "password": "sehat-2026", "csrfmiddlewaretoken": csrf},
        headers={"Referer": basis + "/masuk/"},
    )
    csrf = poli.cookies["csrftoken"]
    semua: list[float] = []
    terlambat: list[float] = []
    hilang = 0
    for _ in range(calls):
        t0 = time.monotonic()
        r = poli.post(
            f"/antrean/poli/{unit_id}/aksi/panggil-berikutnya/",
            headers={"HX-Request": "true", "X-CSRFToken": csrf, "Referer": basis},
        )
        m = DIPANGGIL.search(r.text)
        if not m:
            raise SystemExit(f"call next failed: {r.status_code} {r.text[:300]}")
        kode = m.group(1)
        batas = t0 + 5
        with kond:
            while time.monotonic() < batas:
                sudah = [terlihat.get((id(d), kode)) for d in displays]
                if all(sudah):
                    break
                kond.wait(batas - time.monotonic())
        per_display = [terlihat.get((id(d), kode)) for d in displays]
        hilang += sum(1 for s in per_display if s is None)
        lat = [s - t0 for s in per_display if s is not None]
        semua.extend(lat)
        if lat:
            terlambat.append(max(lat))
        time.sleep(0.15 + (hash(kode) % 100) / 1000)  # desynchronise from the 0.5 s polls
    for d in displays:
        d.berhenti.set()
    mode = {m for d in displays for m in d.mode_dipakai}
    return {"semua": semua, "terlambat": terlambat, "hilang": hilang, "mode": mode}


def _p(data: list[float], q: float) -> float:
    data = sorted(data)
    return data[min(len(data) - 1, round(q / 100 * (len(data) - 1)))] * 1000


def main() -> int:
    a = _parse()
    modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    sse_maks = {"sse": a.displays + 4, "poll": 0, "mixed": 4}
    with database_sementara(a.keep) as db_url:
        os.environ["DATABASE_URL"] = db_url
        os.environ.setdefault("CACHE_KEY_PREFIX", f"bench{os.getpid()}")
        kunci, unit_id, pkm, unit, Pasien, daftar, DataKunjungan = siapkan(a.calls)
        print(
            f"{a.displays} displays, {a.calls} calls per mode, gunicorn {a.workers} workers × "
            f"{a.threads} threads, DB {urlsplit(db_url).scheme}, "
            f"cache {'redis' if os.environ.get('REDIS_URL') else 'file'}\n"
        )
        print(f"{'mode':<7}{'samples':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
              f"{'slowest/call p50':>18}{'p95':>7}{'missed':>8}  paths")  # fmt: skip
        for mode in modes:
            isi_antrean(pkm, unit, Pasien, daftar, DataKunjungan, a.calls)
            # gunicorn does not spread streams evenly over its workers: in "sse" mode every
            # worker needs room for all displays plus the ordinary requests, or one worker whose
            # threads all hold streams stops answering (measured: calls then take seconds).
            threads = a.threads if mode != "sse" else a.displays + a.threads
            with server(db_url, a.workers, threads, sse_maks[mode]) as basis:
                h = ukur(basis, kunci, unit_id, a.calls, a.displays)
            s, t = h["semua"], h["terlambat"]
            print(
                f"{mode:<7}{len(s):>8}{_p(s, 50):>9.0f}{_p(s, 95):>9.0f}{max(s) * 1000:>9.0f}"
                f"{_p(t, 50):>18.0f}{_p(t, 95):>7.0f}{h['hilang']:>8}  "
                f"{'+'.join(sorted(h['mode']))}"
                + (f" (threads {threads}/worker)" if mode == "sse" else "")
            )
            print(f"        mean {statistics.fmean(s) * 1000:.0f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
