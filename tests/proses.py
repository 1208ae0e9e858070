"""Helpers for tests that run real server processes (gunicorn, redis-server, a Celery worker)."""

from __future__ import annotations

import os
import socket
import subprocess
import time

# Debian's Chromium (never a downloaded browser), and how every test and bench launches it.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def port_bebas() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_hidup(port: int) -> bool:
    """Something accepts connections on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def tunggu(syarat, *, batas: float = 10.0, jeda: float = 0.05) -> None:
    """Wait until `syarat()` is true, at most `batas` seconds."""
    akhir = time.monotonic() + batas
    while not syarat():
        if time.monotonic() > akhir:
            raise TimeoutError(f"menunggu {syarat} lebih dari {batas} s")
        time.sleep(jeda)


class RedisSendiri:
    """A throw-away redis-server without persistence, on a free port, that a test may stop."""

    def __init__(self) -> None:
        self.port = port_bebas()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def mulai(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        tunggu(lambda: port_hidup(self.port), batas=10)

    def berhenti(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
