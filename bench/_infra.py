"""What the load benchmarks (registration_pgbench.py, district.py) run against, all started by
the benchmark itself on free loopback ports and stopped at the end: a throw-away PostgreSQL
cluster (initdb as user postgres into a temp dir, like .ci/run), a redis-server without
persistence, gunicorn and a Celery worker. Plus the measuring helpers they share."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


_port_terakhir = 0


def port_bebas() -> int:
    """A free loopback port; inside BENCH_PORTS (e.g. `18200-18299`) when set, so benchmarks
    run side by side on a shared machine stay in the range each one was given."""
    global _port_terakhir
    rentang = os.environ.get("BENCH_PORTS", "")
    if not rentang:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    awal, akhir = (int(x) for x in rentang.split("-"))
    for port in range(max(awal, _port_terakhir + 1), akhir + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _port_terakhir = port  # not handed out twice though the first taker has not bound yet
        return port
    raise RuntimeError(f"no free port in BENCH_PORTS={rentang}")


def _tunggu_port(port: int, batas: float = 30.0) -> None:
    akhir = time.monotonic() + batas
    while time.monotonic() < akhir:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {batas} s")


def pg_bin() -> Path:
    """The PostgreSQL bin dir (initdb, pg_ctl, pgbench), newest version first."""
    calon = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not calon:
        sys.exit("PostgreSQL server binaries not found (apt-get install postgresql).")
    return Path(calon[0]).parent


def _sebagai_postgres(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    return subprocess.run(cmd, check=True, **kw)


@contextmanager
def postgres_sendiri(opsi: dict[str, str] | None = None):
    """A fresh cluster with trust auth on 127.0.0.1:<free port>; yields the server URL
    (database `postgres`). Server settings are the defaults except what `opsi` gives."""
    tmp = tempfile.mkdtemp(prefix="bench-pg-")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    data = os.path.join(tmp, "data")
    port = port_bebas()
    b = pg_bin()
    _sebagai_postgres(
        [str(b / "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
         "--no-sync"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    # BENCH_PG_OPSI ("name=value,name=value") adds server settings for a diagnostic run, e.g.
    # shared_preload_libraries=auto_explain,auto_explain.log_min_duration=50 (the log is kept
    # at BENCH_PG_LOG when that is set).
    tambahan = dict(
        x.split("=", 1) for x in os.environ.get("BENCH_PG_OPSI", "").split(",") if "=" in x
    )
    o = " ".join(
        f"-c {k}={v}" for k, v in {"max_connections": "200", **(opsi or {}), **tambahan}.items()
    )
    _sebagai_postgres(
        [str(b / "pg_ctl"), "-D", data, "-l", os.path.join(tmp, "log"), "-w",
         "-o", f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 {o}", "start"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres", port
    finally:
        _sebagai_postgres(
            [str(b / "pg_ctl"), "-D", data, "-m", "fast", "-w", "stop"], stdout=subprocess.DEVNULL
        )
        if os.environ.get("BENCH_PG_LOG"):
            with suppress(OSError):
                shutil.copy(os.path.join(tmp, "log"), os.environ["BENCH_PG_LOG"])
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def redis_sendiri():
    port = port_bebas()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _tunggu_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait(5)


def env_app(db_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }


def _bin(nama: str) -> str:
    return shutil.which(nama, path=str(Path(sys.executable).parent)) or nama


@contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int = 1, konfig: bool = False):
    """gunicorn config.wsgi on a free port; yields (base URL, master pid). `konfig`: with the
    production settings of config/gunicorn.py (preload, gthread, stream slots from the threads)."""
    port = port_bebas()
    if konfig:
        env = {**env, "GUNICORN_WORKERS": str(workers), "GUNICORN_THREADS": str(threads)}
        cmd = [_bin("gunicorn"), "-c", str(ROOT / "config" / "gunicorn.py"),
               "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning"]  # fmt: skip
    else:
        cmd = [_bin("gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
               "--timeout", "120"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    try:
        _tunggu_port(port)
        import httpx

        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()  # open event streams hold the graceful shutdown for up to 35 s
            proc.wait(5)


@contextmanager
def celery_worker(env: dict[str, str], concurrency: int = 1, pool: str = "prefork"):
    cmd = [_bin("celery"), "-A", "config", "worker", "--loglevel", "WARNING", "--pool", pool,
           "--concurrency", str(concurrency), "--without-gossip", "--without-mingle"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        time.sleep(2)
        yield proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --- Measuring ----------------------------------------------------------------------------------


def anak(pid: int) -> list[int]:
    """pid and all its descendants (Linux /proc)."""
    hasil, antre = [], [pid]
    while antre:
        p = antre.pop()
        hasil.append(p)
        for t in glob.glob(f"/proc/{p}/task/*/children"):
            with suppress(FileNotFoundError):
                antre.extend(int(x) for x in Path(t).read_text().split())
    return hasil


def pss_mb(pids: list[int]) -> float:
    """Proportional set size of the processes together, in MB (shared pages split fairly)."""
    total = 0
    for p in pids:
        try:
            for baris in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if baris.startswith("Pss:"):
                    total += int(baris.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1024


def kalibrasi() -> float:
    """CPU ms of a fixed pure-Python loop, the best of three: this VM's speed changes from hour
    to hour (by half, seen), so figures from different runs are compared with it beside them."""
    terbaik = float("inf")
    for _ in range(3):
        t = time.process_time()
        s = 0
        for i in range(2_000_000):
            s += i % 7
        terbaik = min(terbaik, time.process_time() - t)
    return terbaik * 1000


def pid_pendengar(port: int) -> int | None:
    """The process listening on 127.0.0.1:`port` (a bench's own postgres or redis-server)."""
    inode = None
    for baris in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        kolom = baris.split()
        if kolom[1].endswith(f":{port:04X}") and kolom[3] == "0A":  # LISTEN
            inode = kolom[9]
            break
    if inode is None:
        return None
    for fd in glob.glob("/proc/[0-9]*/fd/*"):
        with suppress(OSError):
            if os.readlink(fd) == f"socket:[{inode}]":
                return int(fd.split("/")[2])
    return None


def cpu_server(pid: int | None) -> float:
    """CPU seconds of a server and its children, the exited ones (reaped: PostgreSQL's
    backends) included."""
    if pid is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return cpu_detik(anak(pid)) + (int(f[13]) + int(f[14])) / tick


def cpu_detik(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in pids:
        try:
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(f[11]) + int(f[12])) / tick
    return total


def cpu_mesin() -> dict[str, float]:
    """The whole machine's CPU seconds since boot from /proc/stat: busy (user, nice, system,
    irq, softirq), idle (with iowait) and steal, the time the hypervisor gave our virtual CPUs
    to another guest. A level whose steal is high was measured on less than 2 cores."""
    kolom = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = kolom
    tick = os.sysconf("SC_CLK_TCK")
    return {
        "sibuk": (user + nice + system + irq + softirq) / tick,
        "diam": (idle + iowait) / tick,
        "curi": steal / tick,
    }


def ms(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000
