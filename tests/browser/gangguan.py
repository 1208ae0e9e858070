"""Fault-injection harness: a production-like stack whose parts can be killed, and a loket driver.

Shared by `bench/soak.py` and `tests/browser/test_matriks_gangguan.py`. Nothing here imports
Django: the stack runs in child processes (gunicorn, a Celery worker, the BPJS simulator) on
its own throwaway PostgreSQL cluster and redis-server, both on free loopback ports, so a fault
can stop them without touching anybody else's database. The checks read that database with
plain SQL (`periksa`), so they work from the soak process and from pytest alike.

Faults, and how each is made:
  - LAN flap at one loket: Playwright `context.set_offline(True/False)` of that loket only;
  - gunicorn death: SIGKILL to its process group (master and workers), then a fresh start;
  - PostgreSQL down: `pg_ctl stop -m immediate` (a crash), then `pg_ctl start`;
  - Redis down: SIGKILL of redis-server (no persistence: the broker queue is lost), restart;
  - Celery worker death: SIGKILL of its process group, restart;
  - a wrong PC clock: an init script replaces the page's `Date` with one shifted by an offset
    kept in localStorage (`Loket.atur_jam`). Not Playwright's `page.clock`: that also fakes
    the timers, which would stop the heartbeat and the replay timer, while a wrong PC clock
    leaves them running. `performance.now()` stays true, as on a real PC.

The loket driver types like an officer (F4, the fields, Ctrl+Enter twice, Esc) and records
what the patient was shown. Its waits are short polls, so commands queued from other threads
(`Loket.perintah`) run within a fraction of a second even mid-registration — Playwright's sync
API belongs to the thread that made it.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tests.proses import CHROMIUM, CHROMIUM_ARGS, port_bebas, port_hidup

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
KATA_SANDI = "sehat-2026"  # puskesmas.demo.KATA_SANDI_DEMO (not imported: no Django here)


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or None."""
    kandidat = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts)
    return kandidat[-1].parent if kandidat else None


def tersedia() -> str:
    """Why the harness cannot run here, or "" when it can."""
    if not pg_bin():
        return "PostgreSQL server binaries (initdb, pg_ctl) not installed"
    if not shutil.which("redis-server"):
        return "redis-server not installed"
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        return f"Chromium not found at {CHROMIUM}"
    return ""


def _tunggu_sampai(cek: Callable[[], bool], batas: float, pesan: str) -> None:
    akhir = time.monotonic() + batas
    while not cek():
        if time.monotonic() > akhir:
            raise TimeoutError(pesan)
        time.sleep(0.1)


def http_hidup(port: int, jalur: str = "/masuk/") -> bool:
    """A worker answers HTTP (an open port alone may be the master while workers boot)."""
    import http.client

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
        conn.request("GET", jalur, headers={"Host": "localhost"})
        return conn.getresponse().status > 0
    except OSError:
        return False


# --- PostgreSQL and Redis of our own ------------------------------------------------------------
class PostgresSendiri:
    """A throwaway cluster (initdb into a temp dir, as user postgres when we are root)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port_bebas()
        self.bin = pg_bin()
        assert self.bin, "no PostgreSQL binaries"
        self._root = os.geteuid() == 0

    def _jalan(self, *cmd: str, periksa: bool = True) -> subprocess.CompletedProcess:
        if self._root:
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        r = subprocess.run(cmd, capture_output=True, text=True)
        if periksa and r.returncode:
            raise RuntimeError(f"{cmd} failed:\n{r.stdout}\n{r.stderr}")
        return r

    def siapkan(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._root:
            # user postgres must reach the folder through our (mkdtemp: 0700) parents
            for p in (self.folder.parent, self.folder.parent.parent):
                if str(p).startswith(tempfile.gettempdir() + "/"):
                    p.chmod(0o755)
            shutil.chown(self.folder, "postgres", "postgres")
        self._jalan(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.mulai()

    def mulai(self) -> None:
        opsi = (
            f"-h 127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
            " -c full_page_writes=off -c max_connections=100"
        )
        self._jalan(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "log"),
            "-w",
            "-t",
            "60",
            "-o",
            opsi,
            "start",
        )

    def hentikan(self, mode: str = "immediate") -> None:
        """`-m immediate`: no checkpoint, connections cut — what a crash looks like."""
        self._jalan(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", periksa=False
        )
        _tunggu_sampai(lambda: not port_hidup(self.port), 20, "PostgreSQL still listening")

    @property
    def hidup(self) -> bool:
        return port_hidup(self.port)

    def url(self, db: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, perintah: str, db: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            conn.execute(perintah)

    def buang(self) -> None:
        if self.data.exists():
            self.hentikan("fast" if self.hidup else "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class Proses:
    """A child process in its own process group (so SIGKILL takes its children too)."""

    def __init__(
        self,
        nama: str,
        cmd: list[str],
        env: dict[str, str],
        log: Path,
        siap: Callable[[], bool] | None = None,
        batas: float = 60,
    ) -> None:
        self.nama, self.cmd, self.env, self.log = nama, cmd, env, log
        self.siap, self.batas = siap, batas
        self.proc: subprocess.Popen | None = None

    @property
    def hidup(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def mulai(self, tunggu: bool = True) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                self.cmd,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        if tunggu and self.siap:
            akhir = time.monotonic() + self.batas
            while not self.siap():
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.nama} exited:\n{self.ekor()}")
                if time.monotonic() > akhir:
                    raise TimeoutError(f"{self.nama} did not start:\n{self.ekor()}")
                time.sleep(0.1)

    def bunuh(self) -> None:
        """SIGKILL to the whole group: no graceful shutdown — a crash or a power cut."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)

    def ekor(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


def redis_server(folder: Path, port: int) -> Proses:
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [
        "redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(folder),
    ]
    return Proses("redis", cmd, dict(os.environ), folder / "redis.log", lambda: port_hidup(port))


# --- the stack ------------------------------------------------------------------------------------
class Tumpukan:
    """PostgreSQL + Redis of our own, and gunicorn, a Celery worker (with beat) and the BPJS
    simulator on them with the project's settings, DEBUG off. Everything on loopback."""

    def __init__(self, folder: Path | None = None, *, gunicorn_workers: int = 2) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="gangguan-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.pg = PostgresSendiri(self.folder / "pg")
        self.port_redis = port_bebas()
        self.redis = redis_server(self.folder / "redis", self.port_redis)
        self.port_web = port_bebas()
        self.port_sim = port_bebas()
        self.base = f"http://localhost:{self.port_web}"  # localhost: a secure context
        self.db = "gangguan"
        self.gunicorn_workers = gunicorn_workers
        self.web: Proses | None = None
        self.worker: Proses | None = None
        self.sim: Proses | None = None

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "CELERY_", "PYTEST", "BPJS_"))
            and k not in ("DATABASE_URL", "REDIS_URL")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_DEBUG="false",
            DATABASE_URL=self.pg.url(self.db),
            REDIS_URL=f"redis://127.0.0.1:{self.port_redis}/0",
            BPJS_SIMULATOR_PORT=str(self.port_sim),
            SESSION_IDLE_MINUTES="0",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        return env

    def manage(self, *args: str, db: str | None = None) -> None:
        env = self.env()
        if db:
            env["DATABASE_URL"] = self.pg.url(db)
        r = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if r.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")

    def siapkan(self, *, pasien: int = 200) -> None:
        """Cluster, the template database (migrated, demo data), static files, Redis."""
        self.pg.siapkan()
        self.pg.sql('CREATE DATABASE "dasar"')
        self.manage("migrate", "-v0", db="dasar")
        self.manage("muat_demo", "--pasien", str(pasien), db="dasar")
        self.manage("collectstatic", "--noinput", "-v0")
        self.redis.mulai()

    def database_baru(self, nama: str = "gangguan") -> None:
        """A fresh copy of the template (fast: a file copy), and the stack pointed at it."""
        if not self.pg.hidup:
            self.mulai_postgres()
        self.db = nama
        self.pg.sql(f'DROP DATABASE IF EXISTS "{nama}" WITH (FORCE)')
        self.pg.sql(f'CREATE DATABASE "{nama}" TEMPLATE "dasar"')
        if self.redis.hidup:
            import redis as redis_py

            redis_py.Redis(port=self.port_redis).flushall()

    @property
    def db_url(self) -> str:
        return self.pg.url(self.db)

    def baris(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        """Rows of a query on the current database (plain SQL: no Django in this process)."""
        import psycopg

        with psycopg.connect(self.db_url) as conn:
            return conn.execute(sql, params).fetchall()

    def jalankan(self) -> None:
        """gunicorn, the worker and the simulator on the current database (PostgreSQL and
        Redis started first when a previous fault left them down)."""
        if not self.pg.hidup:
            self.mulai_postgres()
        if not self.redis.hidup:
            self.mulai_redis()
        env = self.env()
        log = self.folder
        self.sim = Proses(
            "bpjs-simulator",
            [
                PY,
                "manage.py",
                "bpjs_simulator",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port_sim),
            ],
            env,
            log / "sim.log",
            lambda: port_hidup(self.port_sim),
        )
        self.web = Proses(
            "gunicorn",
            [
                PY,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"127.0.0.1:{self.port_web}",
                "--workers",
                str(self.gunicorn_workers),
                "--threads",
                "8",
                "--timeout",
                "30",
            ],
            env,
            log / "gunicorn.log",
            lambda: http_hidup(self.port_web),
        )
        self.worker = Proses(
            "worker",
            [
                PY,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-B",
                "--pool=solo",
                "-l",
                "warning",
                "--schedule",
                str(log / "celerybeat-schedule"),
            ],
            env,
            log / "worker.log",
        )
        self.sim.mulai()
        self.web.mulai()
        self.worker.mulai()

    # Faults -----------------------------------------------------------------------------------
    def bunuh_gunicorn(self) -> None:
        assert self.web
        self.web.bunuh()
        _tunggu_sampai(lambda: not port_hidup(self.port_web), 15, "gunicorn still answers")

    def mulai_gunicorn(self) -> None:
        assert self.web
        self.web.mulai()

    def hentikan_postgres(self) -> None:
        self.pg.hentikan("immediate")

    def mulai_postgres(self) -> None:
        self.pg.mulai()

    def hentikan_redis(self) -> None:
        self.redis.bunuh()
        _tunggu_sampai(lambda: not port_hidup(self.port_redis), 10, "redis still listening")

    def mulai_redis(self) -> None:
        self.redis.mulai()

    def bunuh_worker(self) -> None:
        assert self.worker
        self.worker.bunuh()

    def mulai_worker(self) -> None:
        assert self.worker
        self.worker.mulai()

    def pulihkan(self) -> None:
        """Every part running again (after a run of faults, before the final checks)."""
        if not self.pg.hidup:
            self.mulai_postgres()
        if not self.redis.hidup:
            self.mulai_redis()
        for p in (self.sim, self.web, self.worker):
            if p and not p.hidup:
                p.mulai()

    def hentikan_layanan(self) -> None:
        for p in (self.web, self.worker, self.sim):
            if p:
                p.bunuh()

    def hentikan_semua(self) -> None:
        self.hentikan_layanan()
        self.redis.bunuh()

    def buang(self) -> None:
        self.hentikan_semua()
        self.pg.buang()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- people to register ---------------------------------------------------------------------------
DEPAN = [
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rina",
    "Joko",
    "Wati",
    "Eko",
    "Sri",
    "Andi",
    "Nur",
    "Yanti",
]
SUKU = "ka ri mo ta su ne pa lo wi de ga hu"


def nik_untuk(lahir: date, jk: str, serial: int) -> str:
    """A valid NIK (Kab. Bandung, 32.04) for the birth date and sex (as tests.factories)."""
    hari = lahir.day + (40 if jk == "P" else 0)
    return f"320410{hari:02d}{lahir:%m}{lahir.year % 100:02d}{serial % 10000:04d}"


def kata_dari(n: int) -> str:
    """A pronounceable word for a number (names must be letters only)."""
    suku = SUKU.split()
    kata = ""
    while True:
        n, r = divmod(n, len(suku))
        kata += suku[r]
        if not n:
            return kata.capitalize()


@dataclass
class Orang:
    nama: str
    lahir: date
    jk: str
    nik: str = ""


def orang_ke(seri: int, n: int, *, dengan_nik: bool = True, dewasa: bool = False) -> Orang:
    """The n-th new patient of series `seri` (one series per loket): unique name and NIK.
    Ages 6–86 go to different units (children, elderly); `dewasa`: a man of 26–56, whom the
    routing rules send to Poli Umum (prefix A)."""
    rng = random.Random(seri * 100_003 + n)
    jk = "L" if dewasa else rng.choice("LP")
    tahun = 1970 + rng.randrange(30) if dewasa else 1940 + rng.randrange(80)
    lahir = date(tahun, 1 + rng.randrange(12), 1 + rng.randrange(28))
    nama = f"{rng.choice(DEPAN)} {kata_dari(seri + 7)} {kata_dari(n + 12)}"
    nik = nik_untuk(lahir, jk, seri * 1000 + n) if dengan_nik else ""
    return Orang(nama=nama, lahir=lahir, jk=jk, nik=nik)


# --- the loket driver -----------------------------------------------------------------------------
# Runs in every page before its own scripts: the PC clock offset and a report of each switch
# between online and offline mode (the offline module puts class "luring" on <html>), stamped
# with the true time (performance.timeOrigin + now, never the shifted Date).
SKRIP_AWAL = """(() => {
  const K = "__soak_geser";
  let g = 0;
  try { g = Number(localStorage.getItem(K) || 0) || 0; } catch (e) { g = 0; }
  const Asli = Date;
  function DateGeser(...a) {
    if (!new.target) return new Asli(Asli.now() + g).toString();
    return a.length ? new Asli(...a) : new Asli(Asli.now() + g);
  }
  DateGeser.prototype = Asli.prototype;
  DateGeser.now = () => Asli.now() + g;
  DateGeser.parse = Asli.parse;
  DateGeser.UTC = Asli.UTC;
  Object.defineProperty(DateGeser, "name", { value: "Date" });
  window.Date = DateGeser;
  window.__soakSetGeser = (ms) => {
    g = ms;
    try { localStorage.setItem(K, String(ms)); } catch (e) { /* about:blank */ }
  };
  const nyata = () => performance.timeOrigin + performance.now();
  let terakhir = null;
  setInterval(() => {
    const el = document.documentElement;
    if (!el || !window.__soakLapor || location.protocol === "about:") return;
    const m = el.classList.contains("luring") ? "offline" : "online";
    if (m !== terakhir) { terakhir = m; window.__soakLapor({ t: nyata(), modus: m }); }
  }, 100);
})();"""


class GagalDiLoket(Exception):
    """The loket did not get to a ticket: `tahap` says where it stuck, `pesan` what it showed."""

    def __init__(self, tahap: str, pesan: str = "") -> None:
        super().__init__(f"{tahap}: {pesan}")
        self.tahap, self.pesan = tahap, pesan


@dataclass
class Entri:
    """One registration as the loket saw it: what the patient was told."""

    loket: str
    orang: Orang
    client_uuid: str
    kode_tampil: str  # the number on the screen/ticket, "" for "nomor menyusul"
    modus: str  # "online" (server's ticket panel) or "offline" (local ticket)
    t: float  # true time the ticket appeared (epoch s)
    jam_geser: float = 0.0  # PC clock offset (s) when it was typed
    lama_simpan: float = 0.0  # s from the visit's first Ctrl+Enter to the ticket on screen
    lama_total: float = 0.0  # s from F4 to the ticket
    ulang: int = 0  # Ctrl+Enter pressed again because nothing happened


@dataclass
class Percobaan:
    """A registration that did not reach a ticket (the officer gave up after retrying)."""

    loket: str
    orang: Orang
    tahap: str
    pesan: str
    client_uuid: str = ""
    t: float = 0.0


class Loket:
    """One counter: a persistent Chromium profile driving the real loket page."""

    def __init__(self, playwright: Any, profil: Path, base: str, username: str, kode: str) -> None:
        self.pw, self.profil, self.base = playwright, profil, base
        self.username, self.kode = username, kode
        self.ctx: Any = None
        self.page: Any = None
        self.transisi: list[tuple[float, str]] = []  # (true epoch s, "online"|"offline")
        self.galat_js: list[str] = []
        self.perintah: queue.Queue[Callable[[], None]] = queue.Queue()
        self.lan = True
        self.geser = 0.0

    # Browser -------------------------------------------------------------------------------------
    def buka(self) -> None:
        self.ctx = self.pw.chromium.launch_persistent_context(
            user_data_dir=str(self.profil),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            viewport={"width": 1366, "height": 900},
            service_workers="allow",
        )
        self.ctx.add_init_script(SKRIP_AWAL)
        self.ctx.expose_binding("__soakLapor", self._lapor)
        self.ctx.set_default_timeout(15_000)
        self.page = self.ctx.pages[0] if self.ctx.pages else self.ctx.new_page()
        self.page.on("pageerror", lambda e: self.galat_js.append(str(e)))
        if not self.lan:
            self.ctx.set_offline(True)

    def _lapor(self, _source: Any, data: dict) -> None:
        self.transisi.append((float(data["t"]) / 1000, str(data["modus"])))

    def tutup(self) -> None:
        if self.ctx:
            with contextlib.suppress(Exception):  # the browser may already be gone
                self.ctx.close()
            self.ctx = None

    def masuk(self) -> None:
        p = self.page
        p.goto(f"{self.base}/masuk/?next=/loket/")
        p.fill("#id_username", self.username)
        p.fill("#id_password", KATA_SANDI)
        p.click("button[type=submit]")
        p.wait_for_url(f"{self.base}/loket/")
        self.siap()

    def js(self, ekspresi: str) -> Any:
        return self.page.evaluate(f"async () => ({ekspresi})")

    def tunggu(self, cek: Callable[[], Any], batas: float = 10.0, pesan: str = "") -> Any:
        """Poll `cek` (a Playwright call) until truthy, running queued commands meanwhile.
        (page.wait_for_function uses eval, which the page's CSP forbids.)"""
        akhir = time.monotonic() + batas
        while True:
            self.jalankan_perintah()
            try:
                v = cek()
            except Exception as e:  # a navigation in between: try again
                if "closed" in str(e).lower():
                    raise
                v = None
            if v:
                return v
            if time.monotonic() > akhir:
                raise GagalDiLoket(pesan or "menunggu", self.pesan_terlihat())
            self.jeda(0.1)

    def siap(self, batas: float = 20.0) -> None:
        self.tunggu(
            lambda: self.js("document.documentElement.dataset.luringSiap === '1'"),
            batas,
            "modul luring tidak siap",
        )

    def jeda(self, detik: float) -> None:
        """Sleep while Playwright dispatches: route handlers and the page's reports only run
        inside a Playwright call of this thread, never during time.sleep."""
        try:
            self.page.wait_for_timeout(detik * 1000)
        except Exception:  # the page is navigating or gone
            time.sleep(detik)

    def jalankan_perintah(self) -> None:
        while True:
            try:
                f = self.perintah.get_nowait()
            except queue.Empty:
                return
            f()

    # Faults at this counter (call from this loket's thread, or queue via `perintah`) ---------
    def atur_lan(self, nyala: bool) -> float:
        """Cable in or out; returns the true time it happened."""
        self.lan = nyala
        self.ctx.set_offline(not nyala)
        return time.time()

    def atur_jam(self, geser_detik: float) -> None:
        """The PC clock `geser_detik` seconds off (negative: behind); survives reloads."""
        self.geser = geser_detik
        self.page.evaluate(f"window.__soakSetGeser && window.__soakSetGeser({geser_detik * 1000})")

    # What the page shows --------------------------------------------------------------------------
    @property
    def modus(self) -> str:
        return (
            "offline"
            if self.js("document.documentElement.classList.contains('luring')")
            else "online"
        )

    def pesan_terlihat(self) -> str:
        """Alerts, errors and banners on screen now (what the officer would read)."""
        try:
            return self.page.evaluate(
                """() => Array.from(document.querySelectorAll(
                  '[role=alert], .alert, .field-error, .galat-kirim, #banner-luring, ' +
                  '[data-luring-status]'))
                  .filter((e) => e.offsetParent !== null)
                  .map((e) => e.innerText.trim())
                  .filter(Boolean).join(' | ').slice(0, 300)"""
            )
        except Exception:
            return ""

    def jumlah_outbox(self) -> int:
        return int(self.js("window.loketLuring ? window.loketLuring.outbox.jumlah() : -1"))

    def pemberitahuan(self) -> dict[str, str]:
        """uuid → what the loket tells the officer about that entry after a replay: the list
        of changed/assigned numbers (`#daftar-nomor-berubah [data-uuid]`, final number in
        `[data-nomor-akhir]`) and the "needs attention" items (`#luring-antre [data-hasil]`)."""
        return self.page.evaluate(
            """() => {
              const o = {};
              for (const el of document.querySelectorAll('#luring-antre [data-hasil]')) {
                o[el.dataset.hasil] = el.innerText;
              }
              const rows = document.querySelectorAll('#daftar-nomor-berubah [data-uuid]');
              for (const el of rows) {
                const n = el.querySelector('[data-nomor-akhir]');
                o[el.dataset.uuid] = `nomor-akhir:${n ? n.innerText.trim() : ''} ${el.innerText}`;
              }
              return o;
            }"""
        )

    # Registering ----------------------------------------------------------------------------------
    def ke_awal(self) -> None:
        """Back to the empty panel (Esc), reloading the page when it is in a bad state."""
        p = self.page
        try:
            if not p.url.startswith(f"{self.base}/loket/"):
                raise GagalDiLoket("bukan halaman loket")
            p.keyboard.press("Escape")
            p.keyboard.press("Escape")
            self.tunggu(lambda: p.locator(".panel-kosong").is_visible(), 3, "panel kosong")
        except GagalDiLoket:
            self._muat_ulang()

    def _muat_ulang(self) -> None:
        akhir = time.monotonic() + 60
        while True:
            self.jalankan_perintah()
            try:
                self.page.goto(f"{self.base}/loket/", timeout=10_000)
                if "/masuk/" in self.page.url:
                    self.masuk()
                self.siap(15)
                return
            except Exception:  # server down and no cached page yet
                if time.monotonic() > akhir:
                    raise
                time.sleep(1)

    def daftar_baru(self, orang: Orang, *, keluhan: str = "", ulang: int = 3) -> Entri:
        """F4, type the new patient, Ctrl+Enter; the visit form: Ctrl+Enter; read the ticket.
        Each Ctrl+Enter is pressed again (up to `ulang` times) when nothing happens, as an
        officer would. Raises GagalDiLoket when no ticket appears."""
        p = self.page
        self.ke_awal()
        t_awal = time.monotonic()
        ditekan_lagi = 0
        p.keyboard.press("F4")
        self.tunggu(
            lambda: p.locator("#panel-pasien-baru #id_nama").is_visible(),
            8,
            "F4: formulir pasien baru tidak muncul",
        )
        p.fill("#id_nama", orang.nama)
        p.fill("#id_nik", orang.nik)
        p.fill("#id_tanggal_lahir", orang.lahir.isoformat())
        p.check(f"#panel-pasien-baru input[name=jenis_kelamin][value={orang.jk}]")
        form_kunjungan = "#panel form.form-kunjungan [name=client_uuid]"
        for i in range(ulang):
            p.focus("#id_nama")
            p.keyboard.press("Control+Enter")
            try:
                self.tunggu(
                    lambda: p.locator(form_kunjungan).count() > 0,
                    8,
                    "simpan pasien: tidak ada hasil",
                )
                break
            except GagalDiLoket:
                if i == ulang - 1 or not p.locator("#panel-pasien-baru").is_visible():
                    raise
                ditekan_lagi += 1
        client_uuid = p.locator(form_kunjungan).first.input_value()
        if keluhan:
            p.fill("#panel form.form-kunjungan [name=keluhan]", keluhan)
        t_simpan = time.monotonic()
        for i in range(ulang):
            try:
                p.focus("#panel form.form-kunjungan [name=keluhan]")
                p.keyboard.press("Control+Enter")
            except Exception:  # the ticket replaced the form meanwhile
                pass
            try:
                self.tunggu(
                    lambda: p.locator("#nomor-antrean").is_visible(),
                    8,
                    "simpan kunjungan: tidak ada tiket",
                )
                break
            except GagalDiLoket as e:
                e.client_uuid = client_uuid  # type: ignore[attr-defined]
                if i == ulang - 1 or p.locator(form_kunjungan).count() == 0:
                    raise
                ditekan_lagi += 1
        teks = p.locator("#nomor-antrean").inner_text().strip()
        panel = p.locator("#tiket-panel")
        luring = "tiket-panel--luring" in (panel.get_attribute("class") or "")
        if luring:
            client_uuid = panel.get_attribute("data-outbox") or client_uuid
        kode = "" if "menyusul" in teks.lower() else teks
        entri = Entri(
            self.kode,
            orang,
            client_uuid,
            kode,
            "offline" if luring else "online",
            time.time(),
            self.geser,
            time.monotonic() - t_simpan,
            time.monotonic() - t_awal,
            ditekan_lagi,
        )
        p.keyboard.press("Escape")
        return entri

    def kirim_sekarang(self) -> None:
        """The officer presses "Kirim sekarang" (or the module's own sender when hidden)."""
        self.js("window.loketLuring && window.loketLuring.kirim()")

    def tunggu_outbox_kosong(self, batas: float = 120.0) -> bool:
        akhir = time.monotonic() + batas
        dorong = 0.0
        while time.monotonic() < akhir:
            self.jalankan_perintah()
            try:
                if self.jumlah_outbox() == 0:
                    return True
                if time.monotonic() > dorong:
                    self.kirim_sekarang()
                    dorong = time.monotonic() + 10
            except Exception:  # a reload in between
                pass
            self.jeda(0.5)
        return False


# --- waktu mengetahui gangguan --------------------------------------------------------------------
def waktu_sadar(loket: Loket, t_gangguan: float, t_pulih: float) -> float | None:
    """Seconds from a fault to the loket's first switch to offline mode (None: never noticed
    before the fault was healed + 10 s). A loket already offline at `t_gangguan` is skipped (0)."""
    sebelum = [m for t, m in loket.transisi if t <= t_gangguan]
    if sebelum and sebelum[-1] == "offline":
        return 0.0
    for t, m in loket.transisi:
        if t > t_gangguan and m == "offline" and t <= t_pulih + 10:
            return t - t_gangguan
    return None


# --- the invariants, checked against the database -------------------------------------------------
@dataclass
class Laporan:
    diketik: int = 0
    tersimpan_sekali: int = 0
    tertahan: dict[str, int] = field(default_factory=dict)  # entry status → count (no visit)
    hilang: list[str] = field(default_factory=list)
    ganda: list[str] = field(default_factory=list)  # a typed entry stored as 2+ visits
    bentrok: list[str] = field(default_factory=list)  # a number held by 2+ patients
    diganti_diam: list[str] = field(default_factory=list)  # number changed, loket not told
    menyusul_tak_diberitahu: list[str] = field(default_factory=list)
    tertahan_tak_diberitahu: list[str] = field(default_factory=list)  # review etc., loket silent
    pasien_ganda: list[str] = field(default_factory=list)
    hari_salah: list[str] = field(default_factory=list)  # visit filed under another day
    rincian: list[str] = field(default_factory=list)

    @property
    def bersih(self) -> bool:
        return not (
            self.tertahan_tak_diberitahu
            or self.hilang
            or self.ganda
            or self.bentrok
            or self.diganti_diam
            or self.menyusul_tak_diberitahu
            or self.pasien_ganda
        )

    def ringkas(self) -> str:
        tahan = ", ".join(f"{k} {v}" for k, v in sorted(self.tertahan.items())) or "0"
        baris = [
            f"entri diketik (tiket tampil)        {self.diketik}",
            f"tersimpan sekali (kunjungan)        {self.tersimpan_sekali}",
            f"tersimpan tanpa kunjungan           {tahan}",
            f"hilang                              {len(self.hilang)}",
            f"ganda (satu entri, >1 kunjungan)    {len(self.ganda)}",
            f"bentrok nomor (1 nomor, >1 pasien)  {len(self.bentrok)}",
            f"nomor diganti tanpa diberi tahu     {len(self.diganti_diam)}",
            f"'menyusul' tanpa nomor akhir        {len(self.menyusul_tak_diberitahu)}",
            f"tanpa kunjungan, loket tak diberi tahu {len(self.tertahan_tak_diberitahu)}",
            f"pasien ganda                        {len(self.pasien_ganda)}",
            f"kunjungan di hari yang salah        {len(self.hari_salah)}",
        ]
        return "\n".join(baris)

    def semua(self) -> str:
        bagian = [self.ringkas()]
        for judul, xs in (
            ("hilang", self.hilang),
            ("ganda", self.ganda),
            ("bentrok", self.bentrok),
            ("diganti diam-diam", self.diganti_diam),
            ("menyusul tak diberi tahu", self.menyusul_tak_diberitahu),
            ("tanpa kunjungan, loket tak diberi tahu", self.tertahan_tak_diberitahu),
            ("pasien ganda", self.pasien_ganda),
            ("hari salah", self.hari_salah),
            ("rincian", self.rincian),
        ):
            if xs:
                bagian.append(f"-- {judul}:\n  " + "\n  ".join(xs[:30]))
        return "\n".join(bagian)


def _nomor_cocok(teks: str, kode: str) -> bool:
    return bool(kode) and kode in teks


def periksa(
    db_url: str,
    entri: list[Entri],
    diberitahu: dict[str, str] | None = None,
    *,
    hari: date | None = None,
) -> Laporan:
    """The invariants of issue 9 for the entries the lokets showed a ticket for:
    every entry stored exactly once; no number held by two patients per unit and day (the
    numbers the lokets SHOWED and the final tickets together); a changed or assigned number
    reaches the loket (`diberitahu`: uuid → text the loket shows, see Loket.pemberitahuan);
    no patient created twice. `hari`: the real day (default: the server's today)."""
    import psycopg

    diberitahu = diberitahu or {}
    lap = Laporan(diketik=len(entri))
    with psycopg.connect(db_url) as conn:
        if hari is None:
            hari = conn.execute("SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date").fetchone()[0]
        uuids = [e.client_uuid for e in entri]
        kunjungan: dict[str, list[tuple]] = defaultdict(list)
        for row in conn.execute(
            """SELECT k.client_uuid::text, k.id, k.tanggal, k.pasien_id, u.prefix,
                      (SELECT t.kode FROM antrean_tiket t WHERE t.kunjungan_id = k.id
                        AND t.sebelumnya_id IS NULL ORDER BY t.id LIMIT 1)
               FROM pendaftaran_kunjungan k JOIN antrean_unitlayanan u ON u.id = k.unit_id
               WHERE k.client_uuid::text = ANY(%s)""",
            [uuids],
        ):
            kunjungan[row[0]].append(row)
        status = dict(
            conn.execute(
                "SELECT client_uuid::text, status FROM downtime_entrireplay"
                " WHERE client_uuid::text = ANY(%s)",
                [uuids],
            ).fetchall()
        )
        # Who holds each number today: every first ticket of the day in the database ...
        pemegang: dict[tuple[date, str], set[str]] = defaultdict(set)
        for tanggal, kode, nama, tgl_lahir in conn.execute(
            """SELECT t.tanggal, t.kode, upper(p.nama), p.tanggal_lahir FROM antrean_tiket t
               JOIN pendaftaran_kunjungan k ON k.id = t.kunjungan_id
               JOIN pendaftaran_pasien p ON p.id = k.pasien_id
               WHERE t.sebelumnya_id IS NULL AND k.status <> 'batal'"""
        ):
            pemegang[(tanggal, kode)].add(f"{nama} ({tgl_lahir})")
        nama_ke_pasien: dict[str, int] = dict(
            conn.execute(
                """SELECT upper(nama) || ' (' || tanggal_lahir || ')', count(*)
                   FROM pendaftaran_pasien WHERE upper(nama) = ANY(%s)
                   GROUP BY 1""",
                [[e.orang.nama.upper() for e in entri]],
            ).fetchall()
        )
    # ... and every number a loket showed, for the patient it was shown to.
    for e in entri:
        if e.kode_tampil:
            pemegang[(hari, e.kode_tampil)].add(f"{e.orang.nama.upper()} ({e.orang.lahir})")
    for (tanggal, kode), siapa in sorted(pemegang.items()):
        if len(siapa) > 1:
            lap.bentrok.append(f"{kode} {tanggal}: {', '.join(sorted(siapa))}")
    dilihat: set[str] = set()
    for e in entri:
        tampil = e.kode_tampil or "menyusul"
        label = f"{e.loket} {e.orang.nama} [{tampil}, {e.modus}] {e.client_uuid[:8]}"
        ks = kunjungan.get(e.client_uuid, [])
        st = status.get(e.client_uuid)
        if len(ks) > 1:
            lap.ganda.append(label)
        elif len(ks) == 1:
            lap.tersimpan_sekali += 1
            _, _, tanggal, _, _, kode_akhir = ks[0]
            if tanggal != hari:
                lap.hari_salah.append(f"{label} → {tanggal}")
            tahu = diberitahu.get(e.client_uuid, "")
            if e.kode_tampil and kode_akhir != e.kode_tampil and not _nomor_cocok(tahu, kode_akhir):
                lap.diganti_diam.append(f"{label} → {kode_akhir}")
            if not e.kode_tampil and not _nomor_cocok(tahu, kode_akhir or ""):
                lap.menyusul_tak_diberitahu.append(f"{label} → {kode_akhir}")
        elif st:
            lap.tertahan[st] = lap.tertahan.get(st, 0) + 1
            lap.rincian.append(f"{label}: {st}, loket: {diberitahu.get(e.client_uuid, '—')[:80]}")
            if not diberitahu.get(e.client_uuid):
                lap.tertahan_tak_diberitahu.append(f"{label}: {st}")
        else:
            lap.hilang.append(label)
        kunci = f"{e.orang.nama.upper()} ({e.orang.lahir})"
        if nama_ke_pasien.get(kunci, 0) > 1 and kunci not in dilihat:
            lap.pasien_ganda.append(f"{kunci}: {nama_ke_pasien[kunci]} pasien")
        dilihat.add(kunci)
    return lap


def uuid_baru() -> str:
    return str(uuid.uuid4())


def simpan_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, default=str))
